// The one walk over a profile's weighted stacks that every report reads (the graph, traces, the flame
// tree), so they count the same samples the same way: samples dropped by focus/ignore are skipped, the
// value is scaled (a base reads with a negative scale), and zero values are skipped, as pprof does
// ("empty samples make no nodes or edges"). A kept sample without frames is still passed, with an empty
// stack: it counts in totals (pprof's total includes it) but on no node.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {

// One profile's stacks read at one sample type; scale < 0 subtracts (pprof -base).
struct GraphSource {
  const Profile* profile = nullptr;
  const StackTable* stacks = nullptr;
  int sample_index = 0;
  double scale = 1.0;
};

// Calls fn(sample, stack, value) for every counted sample; `stack` is leaf first, in StackTable nodes.
template <class Fn>
void for_each_weighted_stack(const GraphSource& source, Fn&& fn) {
  const StackTable& stacks = *source.stacks;
  for (size_t i = 0; i < stacks.sample_count(); ++i) {
    std::span<const uint32_t> stack = stacks.stack(i);
    if (stack.empty() && !stacks.kept(i)) continue;
    int64_t v = source.profile->samples[i].values[source.sample_index];
    if (source.scale != 1.0) v = std::llround(static_cast<double>(v) * source.scale);
    if (v == 0) continue;
    fn(i, stack, v);
  }
}

}  // namespace leakscope::analyzer
