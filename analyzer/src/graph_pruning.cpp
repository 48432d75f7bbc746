#include "leakscope/analyzer/graph_pruning.h"

#include <algorithm>
#include <cstdlib>
#include <tuple>

namespace leakscope::analyzer {

namespace {

int64_t cutoff_reference(const Graph& g) {
  int64_t reference = std::llabs(g.total());
  if (reference == 0)
    for (const auto& n : g.nodes()) reference = std::max<int64_t>(reference, std::llabs(n.cum));
  return reference;
}

int64_t cutoff(double fraction, int64_t reference) {
  return static_cast<int64_t>(fraction * static_cast<double>(reference));
}

bool comes_first(const Graph::Node& a, const Graph::Node& b, NodeOrder order) {
  auto flat = [](const Graph::Node& n) { return std::llabs(n.flat); };
  auto cum = [](const Graph::Node& n) { return std::llabs(n.cum); };
  switch (order) {
    case NodeOrder::kFlatName:
      if (flat(a) != flat(b)) return flat(a) > flat(b);
      if (a.name != b.name) return a.name < b.name;
      return cum(a) > cum(b);
    case NodeOrder::kCumName:
      if (cum(a) != cum(b)) return cum(a) > cum(b);
      if (a.name != b.name) return a.name < b.name;
      return flat(a) > flat(b);
    case NodeOrder::kCumFlat:
      if (cum(a) != cum(b)) return cum(a) > cum(b);
      if (flat(a) != flat(b)) return flat(a) > flat(b);
      return a.name < b.name;
  }
  return false;
}

}  // namespace

PrunedNodes prune_nodes(const Graph& g, const NodePruning& o) {
  PrunedNodes r;
  r.node_cutoff = cutoff(o.nodefraction, cutoff_reference(g));
  const auto& nodes = g.nodes();
  for (uint32_t n = 0; n < nodes.size(); ++n) {
    if (!nodes[n].present) continue;
    ++r.node_total;
    if (std::llabs(nodes[n].cum) < r.node_cutoff || (nodes[n].flat == 0 && nodes[n].cum == 0)) {
      ++r.dropped_nodes;
      continue;
    }
    r.nodes.push_back(n);
  }
  std::sort(r.nodes.begin(), r.nodes.end(),
            [&](uint32_t a, uint32_t b) { return comes_first(nodes[a], nodes[b], o.order); });
  if (o.nodecount && r.nodes.size() > o.nodecount) {
    r.trimmed_nodes = r.nodes.size() - o.nodecount;
    r.nodes.resize(o.nodecount);
  }
  return r;
}

PrunedEdges prune_edges(const Graph& g, const PrunedNodes& kept, double edgefraction) {
  PrunedEdges r;
  std::vector<bool> is_kept(g.nodes().size());
  std::vector<size_t> rank(g.nodes().size());
  for (size_t i = 0; i < kept.nodes.size(); ++i) {
    is_kept[kept.nodes[i]] = true;
    rank[kept.nodes[i]] = i;
  }
  r.edge_cutoff = cutoff(edgefraction, cutoff_reference(g));
  for (const Graph::Edge& e : g.edges_between(is_kept)) {
    if (e.weight == 0 || std::llabs(e.weight) < r.edge_cutoff) {
      ++r.dropped_edges;
      continue;
    }
    r.edges.push_back(e);
  }
  std::sort(r.edges.begin(), r.edges.end(), [&](const Graph::Edge& a, const Graph::Edge& b) {
    if (std::llabs(a.weight) != std::llabs(b.weight)) return std::llabs(a.weight) > std::llabs(b.weight);
    return std::tie(rank[a.caller], rank[a.callee]) < std::tie(rank[b.caller], rank[b.callee]);
  });
  return r;
}

}  // namespace leakscope::analyzer
