// Flat and cumulative totals per node name, read off the one graph (graph.h): flat counts a sample for
// its leaf only, cum once for every distinct node on its stack (recursion is not double counted).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakscope/analyzer/graph.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

struct Aggregate {
  std::unordered_map<std::string, NodeValue> nodes;  // by node name (symbolized identity)
  int64_t total = 0;                                 // sum over kept samples
};

Aggregate aggregate(const Profile& p, const StackTable& stacks, int sample_index, double scale = 1.0);

// The same, indexed by StackTable node (for reports that need each node's origin).
std::vector<NodeValue> aggregate_nodes(const Profile& p, const StackTable& stacks, int sample_index, double scale = 1.0,
                                       int64_t* total = nullptr);

}  // namespace leakscope::analyzer
