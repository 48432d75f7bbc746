#include "leakscope/viz/views.h"

#include <optional>

#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/readers.h"

namespace leakscope::viz {

double base_scale(const ViewInput& in) {
  return in.base && in.normalize ? analyzer::normalize_scale(*in.base, in.base_index, *in.now, in.now_index) : 1.0;
}

bool is_differential(const ViewInput& in) { return in.base || analyzer::is_diff_folded(*in.now); }

namespace {

// The caller's table when it gave one, else one built into `own`.
const analyzer::StackTable& table_of(const analyzer::Profile& p, const analyzer::StackTable* given,
                                     const analyzer::StackOptions& options, std::optional<analyzer::StackTable>& own) {
  return given ? *given : own.emplace(p, options);
}

}  // namespace

FlameTree flame_tree_for(const ViewInput& in, bool reverse) {
  FlameTree tree(reverse);
  std::optional<analyzer::StackTable> own_now, own_base;
  const analyzer::StackTable& stacks = table_of(*in.now, in.now_stacks, in.stacks, own_now);
  tree.add(*in.now, stacks, in.now_index, FlameColumn::kValue);
  if (in.base) {
    tree.add(*in.base, table_of(*in.base, in.base_stacks, in.stacks, own_base), in.base_index, FlameColumn::kBase,
             base_scale(in));
  } else if (analyzer::is_diff_folded(*in.now)) {
    tree.add(*in.now, stacks, 0, FlameColumn::kBase);
  }
  tree.finish();
  return tree;
}

CallGraph call_graph_for(const ViewInput& in, const CallGraphOptions& options) {
  std::optional<analyzer::StackTable> own_now, own_base;
  std::vector<analyzer::GraphSource> inputs{
      {in.now, &table_of(*in.now, in.now_stacks, in.stacks, own_now), in.now_index, 1.0}};
  if (in.base)
    inputs.push_back(
        {in.base, &table_of(*in.base, in.base_stacks, in.stacks, own_base), in.base_index, -base_scale(in)});
  return build_call_graph(inputs, in.now->sample_types[in.now_index], options);
}

}  // namespace leakscope::viz
