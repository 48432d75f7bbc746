#include "leakscope/analyzer/aggregate.h"

namespace leakscope {

namespace {
void merge_into(NodeValue& dst, const NodeValue& v, int sign) {
  dst.flat += sign * v.flat;
  dst.cum += sign * v.cum;
  dst.called_inline |= v.called_inline;
  dst.called_not_inline |= v.called_not_inline;
}
}  // namespace

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
    if (n.flat || n.cum) merge_into(out.nodes[std::string(n.name)], n, 1);
  return out;
}

Aggregate subtract(const Aggregate& a, const Aggregate& b) {
  Aggregate out = a;
  out.total -= b.total;
  for (const auto& [name, v] : b.nodes) merge_into(out.nodes[name], v, -1);
  return out;
}

}  // namespace leakscope
