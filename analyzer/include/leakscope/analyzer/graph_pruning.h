// The one set of pruning rules for every view of the graph (pprof's node fraction, node count and
// edge fraction), so `top` and `dot` show the same flat and cum for every node they both show and drop
// by the same cut-off. Fractions are of |total|; a diff that nets to zero falls back to the largest |cum|.
#pragma once

#include <cstdint>
#include <vector>

#include "leakscope/analyzer/graph.h"

namespace leakscope::analyzer {

// Which nodes come first, and so which survive a node count.
enum class NodeOrder {
  kFlatName,  // pprof's FlatNameOrder: |flat|, then name, then |cum| (top)
  kCumName,   // pprof's CumNameOrder: |cum|, then name, then |flat| (top --cum)
  kCumFlat,   // |cum|, then |flat|, then name (the call graph's drawing order)
};

struct NodePruning {
  size_t nodecount = 0;         // keep at most this many nodes; 0: all
  double nodefraction = 0.005;  // drop nodes whose |cum| is below this share of the total
  NodeOrder order = NodeOrder::kFlatName;
};

struct PrunedNodes {
  std::vector<uint32_t> nodes;  // kept node ids, in the chosen order
  size_t node_total = 0;        // present nodes before pruning
  size_t dropped_nodes = 0;     // below the cut-off (or netting to zero)
  int64_t node_cutoff = 0;
  size_t trimmed_nodes = 0;  // beyond nodecount
};

struct PrunedEdges {
  std::vector<Graph::Edge> edges;  // between kept nodes, heaviest first
  size_t dropped_edges = 0;        // below the edge cut-off
  int64_t edge_cutoff = 0;
};

PrunedNodes prune_nodes(const Graph& g, const NodePruning& options);
// Edges among `kept` (residual where pruned nodes lie between), dropping those below edgefraction.
PrunedEdges prune_edges(const Graph& g, const PrunedNodes& kept, double edgefraction);

}  // namespace leakscope::analyzer
