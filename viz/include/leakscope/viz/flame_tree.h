// The merged call tree behind a flame graph: identical frames under the same parent are one node.
// Each node holds the value for the profile being drawn and, for differential graphs, the base's value,
// matched by name so two snapshots of different processes (different ASLR) line up.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::viz {

struct FlameNode {
  uint32_t name = 0;    // index into FlameTree::names()
  uint32_t parent = 0;  // the root is its own parent
  uint32_t depth = 0;   // root: 0
  int64_t value = 0;    // the drawn profile's cumulative value
  int64_t base = 0;     // the base profile's cumulative value (differential graphs)
};

enum class FlameColumn { kValue, kBase };

class FlameTree {
 public:
  // reverse: merge stacks from the leaf (each root box is an allocating function, its callers above).
  explicit FlameTree(bool reverse = false);

  // Adds the weighted stacks of `stacks` at `sample_index` (the one walk, weighted_stacks.h), scaled
  // (for normalized diffs).
  void add(const analyzer::Profile& p, const analyzer::StackTable& stacks, int sample_index, FlameColumn column,
           double scale = 1.0);
  // Builds the tree: stacks sorted by frame names (flamegraph.pl's order, stable across snapshots),
  // then merged along common prefixes. No hashing per frame, so 200k deep stacks take a blink.
  void finish();

  const std::vector<FlameNode>& nodes() const { return nodes_; }
  std::span<const uint32_t> children(uint32_t node) const {
    return {child_list_.data() + child_offsets_[node], child_offsets_[node + 1] - child_offsets_[node]};
  }
  const std::string& name(uint32_t node) const { return names_[nodes_[node].name]; }
  // File name of the binary or library the frame came from; "" when unknown.
  const std::string& module(uint32_t node) const { return modules_[nodes_[node].name]; }
  static constexpr uint32_t kRoot = 0;

 private:
  uint32_t intern(const std::string& name, const std::string& module);

  struct PendingStack {
    size_t offset, length;  // into pending_frames_, in drawing order (root first, or leaf first reversed)
    int64_t value;
    FlameColumn column;
  };

  bool reverse_;
  std::vector<FlameNode> nodes_;
  // Children of node n are child_list_[child_offsets_[n], child_offsets_[n + 1]): one array for a
  // million-node tree instead of a million small vectors.
  std::vector<uint32_t> child_list_;
  std::vector<size_t> child_offsets_;
  std::vector<std::string> names_, modules_;
  std::unordered_map<std::string, uint32_t> name_ids_;
  std::vector<uint32_t> pending_frames_;
  std::vector<PendingStack> pending_;
};

}  // namespace leakscope::viz
