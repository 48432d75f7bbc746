#include "leakscope/analyzer/aggregate.h"

#include <cmath>

namespace leakscope {

namespace {
void merge_into(NodeValue& dst, const NodeValue& v, int sign) {
  dst.flat += sign * v.flat;
  dst.cum += sign * v.cum;
  dst.called_inline |= v.called_inline;
  dst.called_not_inline |= v.called_not_inline;
}
// pprof marks an edge (caller -> callee) inline only if every occurrence of it is inlined.
// Nodes reached both ways need that per-edge view; they are rare, so only they get a second pass.
void resolve_mixed_inline(const Profile& p, const StackTable& stacks, int index, std::vector<NodeValue>& by_node) {
  std::vector<bool> mixed(by_node.size());
  bool any = false;
  for (size_t n = 0; n < by_node.size(); ++n) any |= mixed[n] = by_node[n].called_inline && by_node[n].called_not_inline;
  if (!any) return;
  std::unordered_map<uint64_t, bool> edge_all_inline;  // (callee << 32 | caller)
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    const auto& stack = stacks.stack(i);
    if (stack.empty() || p.samples[i].values[index] == 0) continue;
    for (size_t k = 0; k + 1 < stack.size(); ++k) {
      if (!mixed[stack[k]] || stack[k + 1] == stack[k]) continue;
      auto [it, inserted] = edge_all_inline.try_emplace((uint64_t{stack[k]} << 32) | stack[k + 1], true);
      it->second = it->second && stacks.inlined(i, k);
    }
  }
  for (size_t n = 0; n < by_node.size(); ++n)
    if (mixed[n]) by_node[n].called_inline = by_node[n].called_not_inline = false;
  for (const auto& [edge, all_inline] : edge_all_inline)
    (all_inline ? by_node[edge >> 32].called_inline : by_node[edge >> 32].called_not_inline) = true;
}
}  // namespace

std::vector<NodeValue> aggregate_nodes(const Profile& p, const StackTable& stacks, int index, double scale,
                                       int64_t* total) {
  std::vector<NodeValue> by_node(stacks.node_count());
  std::vector<size_t> seen_in(stacks.node_count(), SIZE_MAX);
  int64_t sum = 0;
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    const auto& stack = stacks.stack(i);
    if (stack.empty() && !stacks.kept(i)) continue;
    int64_t v = p.samples[i].values[index];
    if (scale != 1.0) v = std::llround(static_cast<double>(v) * scale);
    if (v == 0) continue;  // as pprof: empty samples make no nodes or edges
    sum += v;  // pprof's total counts a sample without locations; no node does
    if (stack.empty()) continue;
    by_node[stack[0]].flat += v;
    for (size_t k = 0; k < stack.size(); ++k) {
      uint32_t n = stack[k];
      if (k + 1 < stack.size() && stack[k + 1] != n)  // pprof ignores self edges
        (stacks.inlined(i, k) ? by_node[n].called_inline : by_node[n].called_not_inline) = true;
      if (seen_in[n] == i) continue;
      seen_in[n] = i;
      by_node[n].cum += v;
    }
  }
  resolve_mixed_inline(p, stacks, index, by_node);
  if (total) *total = sum;
  return by_node;
}

Aggregate aggregate(const Profile& p, const StackTable& stacks, int index, double scale) {
  Aggregate out;
  std::vector<NodeValue> by_node = aggregate_nodes(p, stacks, index, scale, &out.total);
  for (uint32_t n = 0; n < by_node.size(); ++n)
    if (by_node[n].flat || by_node[n].cum) merge_into(out.nodes[stacks.name(n)], by_node[n], 1);
  return out;
}

Aggregate subtract(const Aggregate& a, const Aggregate& b) {
  Aggregate out = a;
  out.total -= b.total;
  for (const auto& [name, v] : b.nodes) merge_into(out.nodes[name], v, -1);
  return out;
}

}  // namespace leakscope
