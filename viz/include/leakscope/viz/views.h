// The drawn views of one profile, optionally against a base: what `flame`, `dot`, `report` and
// `serve` share, so each is computed one way.
#pragma once

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/viz/call_graph.h"
#include "leakscope/viz/flame_tree.h"

namespace leakscope::viz {

struct ViewInput {
  const analyzer::Profile* now = nullptr;
  int now_index = 0;
  const analyzer::Profile* base = nullptr;  // null: no comparison
  int base_index = 0;
  bool normalize = false;  // scale the base to now's total first (normalize_scale, diff_report.h)
  analyzer::StackOptions stacks;
  // Optional tables already built from `now` / `base` with `stacks`: a page that draws several views
  // of one profile builds each table once. Null: the view builds its own.
  const analyzer::StackTable* now_stacks = nullptr;
  const analyzer::StackTable* base_stacks = nullptr;
};

// The factor applied to base values: normalize_scale when normalizing (the one definition `leakscope
// diff` uses too), else 1.
double base_scale(const ViewInput& in);

// With a base the tree holds both values (differential); two-column diff folded input without a
// base becomes differential from its own base column.
FlameTree flame_tree_for(const ViewInput& in, bool reverse);
bool is_differential(const ViewInput& in);

CallGraph call_graph_for(const ViewInput& in, const CallGraphOptions& options);

}  // namespace leakscope::viz
