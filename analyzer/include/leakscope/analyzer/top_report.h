// The pprof-style top list: rows of flat, flat%, sum%, cum, cum%, name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/graph.h"
#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct TopOptions {
  bool sort_by_cum = false;
  int nodecount = 0;            // 0: all
  double nodefraction = 0.005;  // drop nodes whose |cum| is below this share of the total (as pprof)
};

struct TopRow {
  std::string name;
  int64_t flat = 0, cum = 0;
  std::string inline_kind;  // "inline", "partial-inline" or ""
};

struct TopReport {
  ValueType sample_type;
  int64_t total = 0;
  std::vector<TopRow> rows;
  size_t node_total = 0;     // nodes before dropping
  size_t dropped_nodes = 0;  // below the nodefraction cutoff
  int64_t cutoff = 0;
  size_t trimmed_nodes = 0;  // beyond nodecount
};

// The graph's nodes pruned by its one set of rules (graph_pruning.h), in pprof's top order.
TopReport make_top(const Graph& graph, const ValueType& type, const TopOptions& options);
std::string render_top_text(const TopReport& r, const std::vector<std::string>& header_lines);
std::string render_top_json(const TopReport& r);

}  // namespace leakscope::analyzer
