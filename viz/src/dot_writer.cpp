#include "leakscope/viz/dot_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "leakscope/analyzer/units.h"
#include "leakscope/viz/markup.h"

namespace leakscope::viz {

namespace {

// pprof's dotColor: score in [-1, 1]; positive is red, negative green, near zero grey.
std::string dot_colour(double score, bool background) {
  const double shift = 0.7;
  double saturation = background ? 0.1 : 1.0, value = background ? 0.93 : 0.7;
  score = std::clamp(score, -1.0, 1.0);
  if (std::fabs(score) < 0.2) saturation *= std::fabs(score) / 0.2;
  score = score > 0 ? std::pow(score, 1.0 - shift) : -std::pow(-score, 1.0 - shift);
  double r, g;
  if (score < 0) {
    g = value;
    r = value * (1 + saturation * score);
  } else {
    r = value;
    g = value * (1 - saturation * score);
  }
  double b = value * (1 - saturation);
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<unsigned>(r * 255), static_cast<unsigned>(g * 255),
                static_cast<unsigned>(b * 255));
  return buf;
}

std::string percent(int64_t v, int64_t total) {
  return analyzer::format_percent(total ? static_cast<double>(v) / static_cast<double>(std::llabs(total)) : 0);
}

}  // namespace

std::vector<std::string> file_legend(const std::string& profile, const std::string& base) {
  std::vector<std::string> lines{"File: " + std::filesystem::path(profile).filename().string()};
  if (!base.empty()) lines.push_back("Base: " + std::filesystem::path(base).filename().string());
  return lines;
}

std::string render_dot(const CallGraph& g, const std::vector<std::string>& legend_lines) {
  const std::string& unit = g.sample_type.unit;
  auto value = [&](int64_t v) {
    return g.differential ? analyzer::format_delta(v, unit) : analyzer::format_value(v, unit);
  };
  int64_t max_flat = 0, max_edge = 0;
  for (const auto& n : g.nodes) max_flat = std::max<int64_t>(max_flat, std::llabs(n.flat));
  for (const auto& e : g.edges) max_edge = std::max<int64_t>(max_edge, std::llabs(e.weight));
  const double reference = static_cast<double>(std::max<int64_t>(1, std::llabs(g.total)));

  std::vector<std::string> legend = legend_lines;
  legend.push_back("Type: " + g.sample_type.type + (g.differential ? " (new - base)" : ""));
  legend.push_back("Showing nodes accounting for " + value(g.shown) + ", " + percent(g.shown, g.total) + " of " +
                   value(g.total) + " total");
  if (g.dropped_nodes)
    legend.push_back("Dropped " + std::to_string(g.dropped_nodes) +
                     " nodes (cum <= " + analyzer::format_value(g.node_cutoff, unit) + ")");
  if (g.dropped_edges)
    legend.push_back("Dropped " + std::to_string(g.dropped_edges) +
                     " edges (freq <= " + analyzer::format_value(g.edge_cutoff, unit) + ")");
  if (g.trimmed_nodes)
    legend.push_back("Showing top " + std::to_string(g.nodes.size()) + " nodes out of " +
                     std::to_string(g.nodes.size() + g.trimmed_nodes));
  std::string legend_label;
  for (const auto& l : legend) legend_label += dot_escape(l) + "\\l";

  std::string out = "digraph \"leakscope\" {\n";
  out += "node [style=filled fillcolor=\"#f8f8f8\"]\n";
  out += "subgraph cluster_L { \"legend\" [shape=box fontsize=16 label=\"" + legend_label +
         "\" tooltip=\"leakscope\"] }\n";
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const auto& n = g.nodes[i];
    std::string label = dot_escape(n.name) + "\\n" + value(n.flat) + " (" + percent(n.flat, g.total) + ")";
    if (n.flat != n.cum) label += "\\nof " + value(n.cum) + " (" + percent(n.cum, g.total) + ")";
    int font =
        8 +
        static_cast<int>(std::ceil(
            16 * std::sqrt(max_flat ? static_cast<double>(std::llabs(n.flat)) / static_cast<double>(max_flat) : 0)));
    double score = static_cast<double>(n.cum) / reference;
    out += "N" + std::to_string(i + 1) + " [label=\"" + label + "\" id=\"node" + std::to_string(i + 1) +
           "\" fontsize=" + std::to_string(font) + " shape=box tooltip=\"" + dot_escape(n.name) + " (" + value(n.cum) +
           ")\" color=\"" + dot_colour(score, false) + "\" fillcolor=\"" + dot_colour(score, true) + "\"]\n";
  }
  for (const auto& e : g.edges) {
    double w = max_edge ? static_cast<double>(std::llabs(e.weight)) / static_cast<double>(max_edge) : 0;
    double score = static_cast<double>(e.weight) / reference;
    const auto& from = g.nodes[e.from].name;
    const auto& to = g.nodes[e.to].name;
    out += "N" + std::to_string(e.from + 1) + " -> N" + std::to_string(e.to + 1) + " [label=\" " + value(e.weight) +
           "\" weight=" + std::to_string(1 + static_cast<int>(100 * std::llabs(e.weight) / reference)) +
           " penwidth=" + format_double("%.2f", 1 + 5 * w) + " color=\"" + dot_colour(score, false) + "\" tooltip=\"" +
           dot_escape(from) + " -> " + dot_escape(to) + " (" + value(e.weight) + ")\"" +
           (e.residual ? " style=\"dashed\"" : "") + "]\n";
  }
  out += "}\n";
  return out;
}

}  // namespace leakscope::viz
