// A pprof-style call graph for drawing: the analyzer's one graph (graph.h) pruned by its one set of
// rules (graph_pruning.h) to what a reader can take in, as the nodes and edges dot draws. Nodes
// dropped by pruning leave "residual" edges that jump over them (drawn dashed), as pprof does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/graph.h"
#include "leakscope/analyzer/profile.h"

namespace leakscope::viz {

struct CallGraphOptions {
  size_t nodecount = 80;        // keep at most this many nodes (largest |cum| first); 0: all
  double nodefraction = 0.005;  // drop nodes whose |cum| is below this share of the total
  double edgefraction = 0.001;  // drop edges whose |weight| is below this share of the total
};

struct GraphNode {
  std::string name;
  int64_t flat = 0, cum = 0;
};

struct GraphEdge {
  size_t from = 0, to = 0;  // indexes into CallGraph::nodes (caller, callee)
  int64_t weight = 0;
  bool residual = false;  // pruned nodes lie between the two
};

struct CallGraph {
  analyzer::ValueType sample_type;
  int64_t total = 0;             // the (signed, for diffs) total of all samples
  int64_t shown = 0;             // sum of the kept nodes' flat
  std::vector<GraphNode> nodes;  // largest |cum| first
  std::vector<GraphEdge> edges;  // heaviest first
  bool differential = false;
  // Pruning accounting, for the legend.
  size_t node_total = 0;
  size_t dropped_nodes = 0;  // below nodefraction
  int64_t node_cutoff = 0;
  size_t trimmed_nodes = 0;  // beyond nodecount
  size_t dropped_edges = 0;  // below edgefraction
  int64_t edge_cutoff = 0;
};

// The sources are the profile and, for a diff, its base with a negative scale (graph.h).
CallGraph build_call_graph(const std::vector<analyzer::GraphSource>& sources, const analyzer::ValueType& type,
                           const CallGraphOptions& options);

}  // namespace leakscope::viz
