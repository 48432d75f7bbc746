// A standalone interactive flame graph SVG (flamegraph.pl's feature set): a box per merged frame,
// tooltips, click to zoom, reset, regex search with "Matched: X%", zoom and search kept in the URL.
#pragma once

#include <cstddef>
#include <string>

#include "leakscope/analyzer/profile.h"
#include "leakscope/viz/flame_tree.h"

namespace leakscope::viz {

struct FlameSvgOptions {
  std::string title = "Flame Graph";
  std::string subtitle;
  int width = 1200;           // px
  double minwidth_px = 0.1;   // boxes narrower than this are left out (with their descendants)
  bool inverted = false;      // icicle: root at the top
  bool differential = false;  // colour by value - base (red growth, blue shrink)
  bool negate = false;        // differential: widths by the base (shows what vanished)
  std::string palette = "hot";
  analyzer::ValueType sample_type{"samples", "count"};
  std::string countname;  // when set, values print as "N countname" instead of unit-formatted
};

// Parses --minwidth: pixels ("0.1") or a share of the width ("0.5%"). Throws std::invalid_argument.
double parse_minwidth(const std::string& text, int width);

struct FlameSvgStats {
  size_t boxes = 0;   // frames drawn (the root included)
  size_t elided = 0;  // tree nodes left out as narrower than minwidth (with descendants)
  size_t max_depth = 0;
  int height = 0;  // px
};

std::string render_flame_svg(const FlameTree& tree, const FlameSvgOptions& options, FlameSvgStats* stats = nullptr);

}  // namespace leakscope::viz
