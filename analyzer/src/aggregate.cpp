#include "leakscope/analyzer/aggregate.h"

namespace leakscope::analyzer {

std::vector<NodeValue> aggregate_nodes(const Profile& p, const StackTable& stacks, int index, double scale,
                                       int64_t* total) {
  Graph g(p, stacks, index, scale);
  if (total) *total = g.total();
  return {g.nodes().begin(), g.nodes().end()};  // one source: graph node n is StackTable node n
}

Aggregate aggregate(const Profile& p, const StackTable& stacks, int index, double scale) {
  Graph g(p, stacks, index, scale);
  Aggregate out;
  out.total = g.total();
  for (const auto& n : g.nodes())
    if (n.flat || n.cum) out.nodes.emplace(n.name, n);  // names are unique in a StackTable
  return out;
}

}  // namespace leakscope::analyzer
