#include "leakscope/analyzer/graph.h"

#include <algorithm>
#include <unordered_map>

namespace leakscope::analyzer {

namespace {

struct InlineFlags {
  bool called_inline = false, called_not_inline = false;
};

// pprof marks an edge (caller -> callee) inline only if every occurrence of it is inlined.
// Nodes reached both ways need that per-edge view; they are rare, so only they get a second pass.
void resolve_mixed_inline(const GraphSource& source, std::vector<InlineFlags>& flags) {
  std::vector<bool> mixed(flags.size());
  bool any = false;
  for (size_t n = 0; n < flags.size(); ++n) any |= mixed[n] = flags[n].called_inline && flags[n].called_not_inline;
  if (!any) return;
  std::unordered_map<uint64_t, bool> edge_all_inline;  // (callee << 32 | caller)
  for_each_weighted_stack(source, [&](size_t i, std::span<const uint32_t> stack, int64_t) {
    for (size_t k = 0; k + 1 < stack.size(); ++k) {
      if (!mixed[stack[k]] || stack[k + 1] == stack[k]) continue;
      auto [it, inserted] = edge_all_inline.try_emplace((uint64_t{stack[k]} << 32) | stack[k + 1], true);
      it->second = it->second && source.stacks->inlined(i, k);
    }
  });
  for (size_t n = 0; n < flags.size(); ++n)
    if (mixed[n]) flags[n] = {};
  for (const auto& [edge, all_inline] : edge_all_inline)
    (all_inline ? flags[edge >> 32].called_inline : flags[edge >> 32].called_not_inline) = true;
}

}  // namespace

Graph::Graph(std::vector<GraphSource> sources) : sources_(std::move(sources)) {
  std::unordered_map<std::string_view, uint32_t> by_name;  // only needed to match a second source
  for (size_t s = 0; s < sources_.size(); ++s) {
    const StackTable& stacks = *sources_[s].stacks;
    std::vector<uint32_t>& node_of = node_of_.emplace_back(stacks.node_count());
    for (uint32_t n = 0; n < stacks.node_count(); ++n) {
      if (s == 0 && sources_.size() == 1) {
        node_of[n] = n;
        nodes_.emplace_back().name = stacks.name(n);
        continue;
      }
      auto [it, inserted] = by_name.try_emplace(stacks.name(n), static_cast<uint32_t>(nodes_.size()));
      if (inserted) nodes_.emplace_back().name = stacks.name(n);
      node_of[n] = it->second;
    }
    add_source(s);
  }
}

// Flat counts a sample for its leaf only, cum once for every distinct node on its stack (recursion is
// not double counted); a node's inline marks come from how its callers reached it.
void Graph::add_source(size_t s) {
  const GraphSource& source = sources_[s];
  const std::vector<uint32_t>& node_of = node_of_[s];
  std::vector<InlineFlags> flags(source.stacks->node_count());
  std::vector<size_t> seen_in(source.stacks->node_count(), SIZE_MAX);
  for_each_weighted_stack(source, [&](size_t i, std::span<const uint32_t> stack, int64_t v) {
    total_ += v;
    if (stack.empty()) return;
    nodes_[node_of[stack[0]]].flat += v;
    for (size_t k = 0; k < stack.size(); ++k) {
      uint32_t n = stack[k];
      if (k + 1 < stack.size() && stack[k + 1] != n)  // pprof ignores self edges
        (source.stacks->inlined(i, k) ? flags[n].called_inline : flags[n].called_not_inline) = true;
      if (seen_in[n] == i) continue;
      seen_in[n] = i;
      Node& node = nodes_[node_of[n]];
      node.cum += v;
      node.present = true;
    }
  });
  resolve_mixed_inline(source, flags);
  for (uint32_t n = 0; n < flags.size(); ++n) {
    nodes_[node_of[n]].called_inline |= flags[n].called_inline;
    nodes_[node_of[n]].called_not_inline |= flags[n].called_not_inline;
  }
}

std::vector<Graph::Edge> Graph::edges_between(const std::vector<bool>& kept) const {
  struct Weight {
    int64_t weight = 0;
    bool residual = false;
  };
  std::unordered_map<uint64_t, Weight> by_pair;  // caller << 32 | callee
  std::vector<uint64_t> seen_in_sample;
  for_each_stack([&](std::span<const uint32_t> stack, int64_t v) {
    seen_in_sample.clear();
    uint32_t caller = UINT32_MAX;
    bool skipped = false;
    for (size_t k = stack.size(); k-- > 0;) {
      uint32_t node = stack[k];
      if (!kept[node]) {
        skipped = caller != UINT32_MAX;
        continue;
      }
      if (caller != UINT32_MAX && caller != node) {
        uint64_t key = (uint64_t{caller} << 32) | node;
        if (std::find(seen_in_sample.begin(), seen_in_sample.end(), key) == seen_in_sample.end()) {
          seen_in_sample.push_back(key);
          Weight& w = by_pair[key];
          w.weight += v;
          w.residual |= skipped;
        }
      }
      caller = node;
      skipped = false;
    }
  });
  std::vector<Edge> edges;
  edges.reserve(by_pair.size());
  for (const auto& [key, w] : by_pair)
    edges.push_back({static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key & 0xffffffff), w.weight, w.residual});
  return edges;
}

}  // namespace leakscope::analyzer
