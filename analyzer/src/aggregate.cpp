#include "leakscope/analyzer/aggregate.h"

#include <cmath>

namespace leakscope {

Aggregate aggregate(const Profile& p, const StackTable& stacks, int index, double scale) {
  std::vector<NodeValue> by_node(stacks.node_count());
  std::vector<size_t> seen_in(stacks.node_count(), SIZE_MAX);
  Aggregate out;
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    const auto& stack = stacks.stack(i);
    if (stack.empty()) continue;
    int64_t v = p.samples[i].values[index];
    if (scale != 1.0) v = std::llround(static_cast<double>(v) * scale);
    out.total += v;
    by_node[stack[0]].flat += v;
    for (uint32_t n : stack) {
      if (seen_in[n] == i) continue;
      seen_in[n] = i;
      by_node[n].cum += v;
    }
  }
  for (uint32_t n = 0; n < by_node.size(); ++n)
    if (by_node[n].flat || by_node[n].cum) {
      auto& dst = out.nodes[stacks.name(n)];
      dst.flat += by_node[n].flat;
      dst.cum += by_node[n].cum;
    }
  return out;
}

Aggregate subtract(const Aggregate& a, const Aggregate& b) {
  Aggregate out = a;
  out.total -= b.total;
  for (const auto& [name, v] : b.nodes) {
    auto& dst = out.nodes[name];
    dst.flat -= v.flat;
    dst.cum -= v.cum;
  }
  return out;
}

}  // namespace leakscope
