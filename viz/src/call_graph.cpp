#include "leakscope/viz/call_graph.h"

#include <vector>

#include "leakscope/analyzer/graph_pruning.h"

namespace leakscope::viz {

CallGraph build_call_graph(const std::vector<analyzer::GraphSource>& sources, const analyzer::ValueType& type,
                           const CallGraphOptions& o) {
  CallGraph g;
  g.sample_type = type;
  g.differential = sources.size() > 1;
  analyzer::Graph graph(sources);
  g.total = graph.total();
  analyzer::PrunedNodes kept =
      analyzer::prune_nodes(graph, {o.nodecount, o.nodefraction, analyzer::NodeOrder::kCumFlat});
  g.node_total = kept.node_total;
  g.dropped_nodes = kept.dropped_nodes;
  g.node_cutoff = kept.node_cutoff;
  g.trimmed_nodes = kept.trimmed_nodes;
  std::vector<size_t> index_of(graph.nodes().size());
  for (uint32_t n : kept.nodes) {
    const analyzer::Graph::Node& node = graph.nodes()[n];
    index_of[n] = g.nodes.size();
    g.nodes.push_back({std::string(node.name), node.flat, node.cum});
    g.shown += node.flat;
  }
  analyzer::PrunedEdges edges = analyzer::prune_edges(graph, kept, o.edgefraction);
  g.dropped_edges = edges.dropped_edges;
  g.edge_cutoff = edges.edge_cutoff;
  for (const analyzer::Graph::Edge& e : edges.edges)
    g.edges.push_back({index_of[e.caller], index_of[e.callee], e.weight, e.residual});
  return g;
}

}  // namespace leakscope::viz
