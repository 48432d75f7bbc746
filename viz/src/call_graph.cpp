#include "leakscope/viz/call_graph.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace leakscope::viz {

namespace {

// Samples from every input, with names interned across inputs (a base matches by name).
struct SignedStacks {
  std::vector<std::string> names;
  std::vector<std::vector<uint32_t>> stacks;  // leaf first, in the shared name space
  std::vector<int64_t> values;
  int64_t without_stack = 0;  // kept samples with no frames: in the total, on no node
};

SignedStacks collect(const std::vector<GraphInput>& inputs) {
  SignedStacks s;
  std::unordered_map<std::string, uint32_t> ids;
  for (const auto& in : inputs) {
    std::vector<uint32_t> id_of(in.stacks->node_count(), UINT32_MAX);
    for (size_t i = 0; i < in.stacks->sample_count(); ++i) {
      auto stack = in.stacks->stack(i);
      if (stack.empty() && !in.stacks->kept(i)) continue;
      int64_t v = in.profile->samples[i].values[in.sample_index];
      if (in.scale != 1.0) v = std::llround(static_cast<double>(v) * in.scale);
      if (v == 0) continue;
      if (stack.empty()) {
        s.without_stack += v;
        continue;
      }
      std::vector<uint32_t> mapped(stack.size());
      for (size_t k = 0; k < stack.size(); ++k) {
        uint32_t n = stack[k];
        if (id_of[n] == UINT32_MAX) {
          auto [it, inserted] = ids.try_emplace(in.stacks->name(n), static_cast<uint32_t>(s.names.size()));
          if (inserted) s.names.push_back(it->first);
          id_of[n] = it->second;
        }
        mapped[k] = id_of[n];
      }
      s.stacks.push_back(std::move(mapped));
      s.values.push_back(v);
    }
  }
  return s;
}

}  // namespace

CallGraph build_call_graph(const std::vector<GraphInput>& inputs, const ValueType& type, const CallGraphOptions& o) {
  CallGraph g;
  g.sample_type = type;
  g.differential = inputs.size() > 1;
  SignedStacks s = collect(inputs);
  const size_t n_names = s.names.size();

  // Flat and cum per name; cum counts a sample once per distinct name on its stack (recursion).
  std::vector<int64_t> flat(n_names, 0), cum(n_names, 0);
  std::vector<size_t> seen(n_names, SIZE_MAX);
  g.total = s.without_stack;
  for (size_t i = 0; i < s.stacks.size(); ++i) {
    g.total += s.values[i];
    flat[s.stacks[i][0]] += s.values[i];
    for (uint32_t n : s.stacks[i])
      if (seen[n] != i) {
        seen[n] = i;
        cum[n] += s.values[i];
      }
  }
  // Fractions are of |total|; a diff that nets to zero falls back to the largest |cum|.
  int64_t reference = std::llabs(g.total);
  if (reference == 0)
    for (auto c : cum) reference = std::max<int64_t>(reference, std::llabs(c));

  std::vector<uint32_t> order;
  for (uint32_t n = 0; n < n_names; ++n)
    if (flat[n] != 0 || cum[n] != 0) order.push_back(n);
  g.node_total = order.size();
  g.node_cutoff = static_cast<int64_t>(o.nodefraction * static_cast<double>(reference));
  std::erase_if(order, [&](uint32_t n) { return std::llabs(cum[n]) < g.node_cutoff || (cum[n] == 0 && flat[n] == 0); });
  g.dropped_nodes = g.node_total - order.size();
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (std::llabs(cum[a]) != std::llabs(cum[b])) return std::llabs(cum[a]) > std::llabs(cum[b]);
    if (std::llabs(flat[a]) != std::llabs(flat[b])) return std::llabs(flat[a]) > std::llabs(flat[b]);
    return s.names[a] < s.names[b];
  });
  if (o.nodecount && order.size() > o.nodecount) {
    g.trimmed_nodes = order.size() - o.nodecount;
    order.resize(o.nodecount);
  }
  std::vector<size_t> kept(n_names, SIZE_MAX);
  for (uint32_t n : order) {
    kept[n] = g.nodes.size();
    g.nodes.push_back({s.names[n], flat[n], cum[n]});
    g.shown += flat[n];
  }

  // Edges between kept nodes, walking each stack from the root; skipped nodes make the edge residual.
  struct EdgeValue {
    int64_t weight = 0;
    bool residual = false;
  };
  std::unordered_map<uint64_t, EdgeValue> edges;
  std::vector<uint64_t> seen_edges;
  for (size_t i = 0; i < s.stacks.size(); ++i) {
    const auto& st = s.stacks[i];
    seen_edges.clear();
    size_t caller = SIZE_MAX;
    bool skipped = false;
    for (size_t k = st.size(); k-- > 0;) {
      size_t node = kept[st[k]];
      if (node == SIZE_MAX) {
        skipped = caller != SIZE_MAX;
        continue;
      }
      if (caller != SIZE_MAX && caller != node) {
        uint64_t key = (uint64_t{caller} << 32) | node;
        if (std::find(seen_edges.begin(), seen_edges.end(), key) == seen_edges.end()) {
          seen_edges.push_back(key);
          auto& e = edges[key];
          e.weight += s.values[i];
          e.residual |= skipped;
        }
      }
      caller = node;
      skipped = false;
    }
  }
  g.edge_cutoff = static_cast<int64_t>(o.edgefraction * static_cast<double>(reference));
  for (const auto& [key, e] : edges) {
    if (e.weight == 0 || std::llabs(e.weight) < g.edge_cutoff) {
      ++g.dropped_edges;
      continue;
    }
    g.edges.push_back({static_cast<size_t>(key >> 32), static_cast<size_t>(key & 0xffffffff), e.weight, e.residual});
  }
  std::sort(g.edges.begin(), g.edges.end(), [](const GraphEdge& a, const GraphEdge& b) {
    if (std::llabs(a.weight) != std::llabs(b.weight)) return std::llabs(a.weight) > std::llabs(b.weight);
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  return g;
}

}  // namespace leakscope::viz
