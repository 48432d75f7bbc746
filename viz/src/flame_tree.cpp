#include "leakscope/viz/flame_tree.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

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

uint32_t FlameTree::child(uint32_t parent, uint32_t name) {
  auto [it, inserted] = child_of_.try_emplace((uint64_t{parent} << 32) | name, static_cast<uint32_t>(nodes_.size()));
  if (inserted) nodes_.push_back(FlameNode{name, parent, nodes_[parent].depth + 1, 0, 0});
  return it->second;
}

void FlameTree::add(const Profile& p, const StackTable& stacks, int index, FlameColumn column, double scale) {
  // StackTable node -> tree name, resolved once per node.
  std::vector<uint32_t> name_of(stacks.node_count(), UINT32_MAX);
  auto tree_name = [&](uint32_t n) {
    if (name_of[n] == UINT32_MAX) {
      const Mapping* m = p.mapping(stacks.mapping_id(n));
      name_of[n] = intern(stacks.name(n), m ? std::filesystem::path(m->file).filename().string() : "");
    }
    return name_of[n];
  };
  auto slot = [column](FlameNode& n) -> int64_t& { return column == FlameColumn::kValue ? n.value : n.base; };
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    auto stack = stacks.stack(i);
    if (stack.empty()) continue;
    int64_t v = p.samples[i].values[index];
    if (scale != 1.0) v = std::llround(static_cast<double>(v) * scale);
    if (v == 0) continue;
    slot(nodes_[kRoot]) += v;
    uint32_t cur = kRoot;
    // Stacks are stored leaf first: a flame graph walks them root first, a reversed one leaf first.
    for (size_t k = 0; k < stack.size(); ++k) {
      uint32_t frame = reverse_ ? stack[k] : stack[stack.size() - 1 - k];
      cur = child(cur, tree_name(frame));
      slot(nodes_[cur]) += v;
    }
  }
}

void FlameTree::finish() {
  child_of_.clear();
  children_.assign(nodes_.size(), {});
  for (uint32_t n = 1; n < nodes_.size(); ++n) children_[nodes_[n].parent].push_back(n);
  for (auto& c : children_)
    std::sort(c.begin(), c.end(), [&](uint32_t a, uint32_t b) { return names_[nodes_[a].name] < names_[nodes_[b].name]; });
}

}  // namespace leakscope::viz
