// The calling thread's return addresses, walked with frame_rules.h and a cache of its rules: the fast
// path of the backtrace hook. A few loads a frame once the cache is warm, against libunwind's cursor
// set-up of about a kilobyte a call (measured: README, "Overhead").
#pragma once

#include <cstdint>

namespace leakscope::profiler {

// Writes up to `max` return addresses, the first being the one this call returns to. Returns the count,
// or -1 when a frame needs a rule this walker does not follow (then use libunwind for this stack).
extern "C" int leakscope_walk_stack(void** out, int max);

// Drops every cached rule. Called after dlclose, whose code may be replaced by other code at the same
// addresses; the profiler interposes dlclose for this, as heaptrack's preload library does.
void forget_frame_rules();

}  // namespace leakscope::profiler
