// Graphviz dot text for a call graph, styled as pprof draws it: boxes labelled with flat and cum,
// font size by flat, edge width by weight, colour by cum (red growth, green shrink in a diff),
// dashed edges where pruned nodes were jumped over, and a legend with the pruning counts.
#pragma once

#include <string>
#include <vector>

#include "leakscope/viz/call_graph.h"

namespace leakscope::viz {

// `legend_lines` go first in the legend box (e.g. "File: x", "Base: y").
std::string render_dot(const CallGraph& g, const std::vector<std::string>& legend_lines);

// The legend's first lines: "File: NAME" and, when `base` is not empty, "Base: NAME" (base names only).
std::vector<std::string> file_legend(const std::string& profile, const std::string& base);

}  // namespace leakscope::viz
