// Leak-check warm-up for the suites that build stack tables (analyzer unit, viz): the first StackTable
// of a process compiles the allocator-frames pattern into Pattern's process-wide cache and builds its
// text, a function-local static (measured: 88 kB in 407 objects, most of them RE2's program). Paid here
// once, so a test that trims stacks the default way leaves nothing behind and is checked cheaply (no second
// dump). Compiled into each suite, not into a library: a registration nothing references would be
// dropped by the linker.
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/profiler/leak_check_warm_up.h"

namespace {

LEAKSCOPE_LEAK_CHECK_WARM_UP(allocator_frames_pattern) {
  leakscope::analyzer::Profile p;
  p.sample_types = {{"inuse_space", "bytes"}};
  p.functions = {{1, "malloc", "malloc", "", 0}};
  p.locations = {{1, 0, 0x1000, {{1, 0}}}};
  p.samples = {{{1}, {1}, {}}};
  leakscope::analyzer::StackTable table(p, {});  // matching "malloc" also builds RE2's first DFA states
}

}  // namespace
