#include "leakscope/analyzer/top_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "leakscope/analyzer/graph_pruning.h"
#include "leakscope/analyzer/units.h"

namespace leakscope::analyzer {

TopReport make_top(const Graph& graph, const ValueType& type, const TopOptions& opt) {
  TopReport r;
  r.sample_type = type;
  r.total = graph.total();
  PrunedNodes kept = prune_nodes(graph, {static_cast<size_t>(std::max(opt.nodecount, 0)), opt.nodefraction,
                                         opt.sort_by_cum ? NodeOrder::kCumName : NodeOrder::kFlatName});
  r.node_total = kept.node_total;
  r.dropped_nodes = kept.dropped_nodes;
  r.cutoff = kept.node_cutoff;
  r.trimmed_nodes = kept.trimmed_nodes;
  for (uint32_t n : kept.nodes) {
    const Graph::Node& node = graph.nodes()[n];
    r.rows.push_back({std::string(node.name), node.flat, node.cum, node.inline_kind()});
  }
  return r;
}

std::string render_top_text(const TopReport& r, const std::vector<std::string>& header_lines) {
  const std::string& unit = r.sample_type.unit;
  auto pct = [&](int64_t v) {
    return format_percent(r.total ? static_cast<double>(v) / static_cast<double>(r.total) : 0);
  };
  std::string out;
  for (const auto& h : header_lines) out += h + "\n";
  out += "Type: " + r.sample_type.type + "\n";
  int64_t shown = 0;
  for (const auto& row : r.rows) shown += row.flat;
  out += "Showing nodes accounting for " + format_value(shown, unit) + ", " + pct(shown) + " of " +
         format_value(r.total, unit) + " total\n";
  if (r.dropped_nodes)
    out += "Dropped " + std::to_string(r.dropped_nodes) + " nodes (cum <= " + format_value(r.cutoff, unit) + ")\n";
  if (r.trimmed_nodes)
    out += "Showing top " + std::to_string(r.rows.size()) + " nodes out of " +
           std::to_string(r.rows.size() + r.trimmed_nodes) + "\n";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%10s %8s %8s %10s %8s  %s\n", "flat", "flat%", "sum%", "cum", "cum%", "name");
  out += buf;
  int64_t sum = 0;
  for (const auto& row : r.rows) {
    sum += row.flat;
    std::snprintf(buf, sizeof buf, "%10s %8s %8s %10s %8s  ", format_value(row.flat, unit).c_str(),
                  pct(row.flat).c_str(), pct(sum).c_str(), format_value(row.cum, unit).c_str(), pct(row.cum).c_str());
    out += buf + row.name + (row.inline_kind.empty() ? "" : " (" + row.inline_kind + ")") + "\n";
  }
  return out;
}

std::string render_top_json(const TopReport& r) {
  nlohmann::ordered_json j;
  j["sample_type"] = r.sample_type.type;
  j["unit"] = r.sample_type.unit;
  j["total"] = r.total;
  j["dropped_nodes"] = r.dropped_nodes;
  auto rows = nlohmann::ordered_json::array();
  for (const auto& row : r.rows) {
    nlohmann::ordered_json x = {{"name", row.name}, {"flat", row.flat}, {"cum", row.cum}};
    if (!row.inline_kind.empty()) x["inline"] = row.inline_kind;
    rows.push_back(std::move(x));
  }
  j["rows"] = std::move(rows);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
