// The one weighted call graph (google/pprof's internal/graph): a node per StackTable name with flat
// and cum, built once from one or more sources (a base enters with a negative scale and is matched by
// name), and the caller -> callee edges between any chosen set of nodes. top, peek, traces, list, the
// call graph (dot) and the flame tree all read it or its walk, and prune it with one set of rules
// (graph_pruning.h), so no two reports can count the same profile differently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "leakscope/analyzer/weighted_stacks.h"

namespace leakscope::analyzer {

struct NodeValue {
  int64_t flat = 0;
  int64_t cum = 0;
  bool called_inline = false;      // some caller reached it through inlining
  bool called_not_inline = false;  // some caller reached it through a real call
  // pprof's marker: "inline", "partial-inline" or "".
  const char* inline_kind() const { return called_inline ? (called_not_inline ? "partial-inline" : "inline") : ""; }
};

class Graph {
 public:
  struct Node : NodeValue {
    std::string_view name;  // the StackTable's string, not a copy
    // On the stack of some counted sample (pprof makes a node then, even if a diff nets it to zero).
    bool present = false;
  };
  struct Edge {
    uint32_t caller = 0, callee = 0;  // node ids
    int64_t weight = 0;               // counted once per sample (recursion)
    bool residual = false;            // nodes left out of the chosen set lie between the two
  };

  // The graph reads its sources again (names, edges, stacks): they must outlive it.
  explicit Graph(std::vector<GraphSource> sources);
  Graph(const Profile& p, const StackTable& stacks, int sample_index, double scale = 1.0)
      : Graph(std::vector<GraphSource>{{&p, &stacks, sample_index, scale}}) {}

  // Node n of the first source's StackTable is node n here; later sources add the names it lacks.
  const std::vector<Node>& nodes() const { return nodes_; }
  // The signed sum of every counted sample, those without frames included.
  int64_t total() const { return total_; }

  // fn(stack, value) for every counted sample with frames; stack leaf first, in node ids.
  template <class Fn>
  void for_each_stack(Fn&& fn) const;

  // Edges between the nodes with kept[n], walking each stack from the root; self edges are left out, as
  // pprof does. Unordered.
  std::vector<Edge> edges_between(const std::vector<bool>& kept) const;

 private:
  void add_source(size_t s);

  std::vector<GraphSource> sources_;
  std::vector<std::vector<uint32_t>> node_of_;  // per source: StackTable node -> graph node
  std::vector<Node> nodes_;
  int64_t total_ = 0;
};

template <class Fn>
void Graph::for_each_stack(Fn&& fn) const {
  std::vector<uint32_t> translated;
  for (size_t s = 0; s < sources_.size(); ++s) {
    const std::vector<uint32_t>& node_of = node_of_[s];
    for_each_weighted_stack(sources_[s], [&](size_t, std::span<const uint32_t> stack, int64_t v) {
      if (stack.empty()) return;
      if (s == 0) return fn(stack, v);  // the first source's ids are the graph's
      translated.resize(stack.size());
      for (size_t k = 0; k < stack.size(); ++k) translated[k] = node_of[stack[k]];
      fn(std::span<const uint32_t>(translated), v);
    });
  }
}

}  // namespace leakscope::analyzer
