// Lays out and renders dot text in-process with Graphviz's libgvc (no `dot` subprocess).
#pragma once

#include <string>

namespace leakscope::viz {

// format: "svg" or "png". Throws std::runtime_error with Graphviz's message when it fails.
std::string render_graphviz(const std::string& dot, const std::string& format);

}  // namespace leakscope::viz
