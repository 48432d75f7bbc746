#include "leakscope/viz/views.h"

#include <optional>

#include "leakscope/analyzer/readers.h"

namespace leakscope::viz {

double base_scale(const ViewInput& in) {
  if (!in.base || !in.normalize) return 1.0;
  int64_t bt = in.base->total(in.base_index);
  return bt ? static_cast<double>(in.now->total(in.now_index)) / static_cast<double>(bt) : 1.0;
}

bool is_differential(const ViewInput& in) { return in.base || is_diff_folded(*in.now); }

FlameTree flame_tree_for(const ViewInput& in, bool reverse) {
  FlameTree tree(reverse);
  StackTable stacks(*in.now, in.stacks);
  tree.add(*in.now, stacks, in.now_index, FlameColumn::kValue);
  if (in.base) {
    tree.add(*in.base, StackTable(*in.base, in.stacks), in.base_index, FlameColumn::kBase, base_scale(in));
  } else if (is_diff_folded(*in.now)) {
    tree.add(*in.now, stacks, 0, FlameColumn::kBase);
  }
  tree.finish();
  return tree;
}

CallGraph call_graph_for(const ViewInput& in, const CallGraphOptions& options) {
  StackTable stacks(*in.now, in.stacks);
  std::vector<GraphInput> inputs{{in.now, &stacks, in.now_index, 1.0}};
  std::optional<StackTable> base_stacks;
  if (in.base) {
    base_stacks.emplace(*in.base, in.stacks);
    inputs.push_back({in.base, &*base_stacks, in.base_index, -base_scale(in)});
  }
  return build_call_graph(inputs, in.now->sample_types[in.now_index], options);
}

}  // namespace leakscope::viz
