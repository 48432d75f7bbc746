// A faster unwinder for jemalloc's sampled allocations, installed through jemalloc 5.3's
// experimental.hooks.prof_backtrace: a walk over .eh_frame rules cached per return address
// (profiler/src/frame_walker.h), and libunwind's unw_backtrace for the stacks it cannot follow.
#pragma once

#include <cstdint>

namespace leakscope::profiler {

enum class StackWalker {
  kFrameRules,  // the frame walker, libunwind where it cannot go: the default
  kLibunwind,   // libunwind for every stack (what the walker is measured against)
};

// Installs the hook; returns false (and jemalloc keeps its own unwinder) when libunwind cannot be
// loaded or this jemalloc has no such hook. Idempotent; a second call may switch the walker.
bool install_fast_backtrace(StackWalker walker = StackWalker::kFrameRules);
bool fast_backtrace_installed();

// Allocation ages (analyzer/.../age_epoch.h): from now on every sampled stack also names its
// allocation epoch, of `epoch_seconds` (rounded to ms) doubling each time. Needs the fast hook
// installed; returns false without it or for a length under 1 ms.
bool enable_allocation_ages(double epoch_seconds);
// Milliseconds since ages were switched on (the clock epochs count from); 0 while off.
uint64_t allocation_age_clock_ms();

}  // namespace leakscope::profiler
