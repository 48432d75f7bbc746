// Flat and cumulative totals per node name: flat counts a sample for its leaf only, cum once for
// every distinct node on its stack (recursion is not double counted).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope {

struct NodeValue {
  int64_t flat = 0;
  int64_t cum = 0;
  bool called_inline = false;      // some caller reached it through inlining
  bool called_not_inline = false;  // some caller reached it through a real call
  // pprof's marker: "inline", "partial-inline" or "".
  const char* inline_kind() const {
    return called_inline ? (called_not_inline ? "partial-inline" : "inline") : "";
  }
};

struct Aggregate {
  std::unordered_map<std::string, NodeValue> nodes;  // by node name (symbolized identity)
  int64_t total = 0;                                  // sum over kept samples
};

Aggregate aggregate(const Profile& p, const StackTable& stacks, int sample_index, double scale = 1.0);

// The same, indexed by StackTable node (for reports that need each node's origin).
std::vector<NodeValue> aggregate_nodes(const Profile& p, const StackTable& stacks, int sample_index, double scale = 1.0,
                                       int64_t* total = nullptr);

// a - b per name (pprof -base semantics).
Aggregate subtract(const Aggregate& a, const Aggregate& b);

}  // namespace leakscope
