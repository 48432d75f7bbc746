#include "leakscope/viz/flame_tree.h"

#include <algorithm>
#include <filesystem>

#include "leakscope/analyzer/weighted_stacks.h"

namespace leakscope::viz {

FlameTree::FlameTree(bool reverse) : reverse_(reverse) {
  names_.push_back("all");
  modules_.push_back("");
  name_ids_.emplace("all", 0);
  nodes_.push_back(FlameNode{});
}

uint32_t FlameTree::intern(const std::string& name, const std::string& module) {
  auto [it, inserted] = name_ids_.try_emplace(name, static_cast<uint32_t>(names_.size()));
  if (inserted) {
    names_.push_back(name);
    modules_.push_back(module);
  }
  return it->second;
}

void FlameTree::add(const analyzer::Profile& p, const analyzer::StackTable& stacks, int index, FlameColumn column,
                    double scale) {
  // StackTable node -> tree name, resolved once per node.
  std::vector<uint32_t> name_of(stacks.node_count(), UINT32_MAX);
  auto tree_name = [&](uint32_t n) {
    if (name_of[n] == UINT32_MAX) {
      const analyzer::Mapping* m = p.mapping(stacks.mapping_id(n));
      name_of[n] = intern(stacks.name(n), m ? std::filesystem::path(m->file).filename().string() : "");
    }
    return name_of[n];
  };
  analyzer::for_each_weighted_stack(
      {&p, &stacks, index, scale}, [&](size_t, std::span<const uint32_t> stack, int64_t v) {
        // The root is the total, as in pprof's flame graph: a sample without locations widens it only.
        (column == FlameColumn::kValue ? nodes_[kRoot].value : nodes_[kRoot].base) += v;
        if (stack.empty()) return;
        size_t offset = pending_frames_.size();
        // Stacks are stored leaf first: a flame graph walks them root first, a reversed one leaf first.
        for (size_t k = 0; k < stack.size(); ++k)
          pending_frames_.push_back(tree_name(reverse_ ? stack[k] : stack[stack.size() - 1 - k]));
        pending_.push_back({offset, stack.size(), v, column});
      });
}

void FlameTree::finish() {
  // Rank names alphabetically once; stacks then sort by rank sequences.
  std::vector<uint32_t> by_name(names_.size()), rank(names_.size());
  for (uint32_t i = 0; i < by_name.size(); ++i) by_name[i] = i;
  std::sort(by_name.begin(), by_name.end(), [&](uint32_t a, uint32_t b) { return names_[a] < names_[b]; });
  for (uint32_t i = 0; i < by_name.size(); ++i) rank[by_name[i]] = i;
  for (auto& f : pending_frames_) f = rank[f];  // frames now hold ranks; by_name maps back

  std::vector<uint32_t> order(pending_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto frames = [&](const PendingStack& s) { return pending_frames_.begin() + static_cast<long>(s.offset); };
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const auto &x = pending_[a], &y = pending_[b];
    return std::lexicographical_compare(frames(x), frames(x) + static_cast<long>(x.length), frames(y),
                                        frames(y) + static_cast<long>(y.length));
  });

  // Sorted stacks sharing a prefix are adjacent: reuse the previous stack's nodes along the common prefix.
  std::vector<uint32_t> path;  // path[d]: the node at depth d + 1 of the previous stack
  const PendingStack* previous = nullptr;
  for (uint32_t i : order) {
    const PendingStack& s = pending_[i];
    size_t common = 0;
    if (previous)
      while (common < s.length && common < previous->length &&
             frames(s)[static_cast<long>(common)] == frames(*previous)[static_cast<long>(common)])
        ++common;
    path.resize(common);
    for (size_t d = common; d < s.length; ++d) {
      uint32_t parent = d == 0 ? kRoot : path[d - 1];
      path.push_back(static_cast<uint32_t>(nodes_.size()));
      nodes_.push_back(FlameNode{by_name[frames(s)[static_cast<long>(d)]], parent, static_cast<uint32_t>(d + 1), 0, 0});
    }
    for (uint32_t n : path) (s.column == FlameColumn::kValue ? nodes_[n].value : nodes_[n].base) += s.value;
    previous = &s;
  }
  pending_ = {};
  pending_frames_ = {};

  // Children lists in creation order, which is name order.
  child_offsets_.assign(nodes_.size() + 1, 0);
  for (uint32_t n = 1; n < nodes_.size(); ++n) ++child_offsets_[nodes_[n].parent + 1];
  for (size_t i = 1; i < child_offsets_.size(); ++i) child_offsets_[i] += child_offsets_[i - 1];
  child_list_.resize(nodes_.size() - 1);
  std::vector<size_t> fill(child_offsets_.begin(), child_offsets_.end() - 1);
  for (uint32_t n = 1; n < nodes_.size(); ++n) child_list_[fill[nodes_[n].parent]++] = n;
}

}  // namespace leakscope::viz
