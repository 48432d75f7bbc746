// A faster unwinder for jemalloc's sampled allocations: libunwind's unw_backtrace with a
// per-thread cache, installed through jemalloc 5.3's experimental.hooks.prof_backtrace.
#pragma once

namespace leakscope::profiler {

// Installs the hook; returns false (and jemalloc keeps its own unwinder) when libunwind cannot be
// loaded or this jemalloc has no such hook. Idempotent.
bool install_fast_backtrace();
bool fast_backtrace_installed();

}  // namespace leakscope::profiler
