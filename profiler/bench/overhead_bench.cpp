// Cost per allocation of heap profiling, on an allocation-heavy workload: sizes 16-1040 B, call
// depth 1-8, a ring of 4096 live objects. The mode comes from the environment, because jemalloc
// fixes opt.prof at start-up (scripts/bench.sh runs this once per mode):
//   MALLOC_CONF=prof:false | prof:true,prof_active:false | prof:true,lg_prof_sample:19 | ...:14
//   LEAKSCOPE_BENCH_UNWINDER=leakscope  installs leakscope's libunwind hook (else jemalloc's own);
//   LEAKSCOPE_BENCH_UNWINDER=leakscope-ages  the same, with allocation ages on (epochs of 1 s)
//   LEAKSCOPE_BENCH_UNWINDER=floor      a hook that records one frame and does no unwinding at all:
//                                       what jemalloc's own sampling costs, the floor for any unwinder.
// Built twice: against jemalloc (with the profiler) and against glibc (for heaptrack).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#ifdef LEAKSCOPE_WITH_PROFILER
#include <jemalloc/jemalloc.h>

#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#endif

namespace {

constexpr size_t kRing = 4096;
void* ring[kRing];

__attribute__((noinline)) void* allocate_at_depth(int depth, size_t size) {
  if (depth > 1) {
    void* p = allocate_at_depth(depth - 1, size);
    benchmark::DoNotOptimize(p);  // keeps the frame: no tail call
    return p;
  }
  void* p = std::malloc(size);
  static_cast<char*>(p)[0] = 1;
  return p;
}

void BM_AllocationWorkload(benchmark::State& state) {
  uint64_t x = 88172645463325252ull;
  size_t slot = 0;
  for (auto _ : state) {
    x ^= x << 13;  // xorshift: cheap, deterministic sizes and depths
    x ^= x >> 7;
    x ^= x << 17;
    size_t size = 16 + x % 1025;
    int depth = 1 + static_cast<int>((x >> 20) % 8);
    std::free(ring[slot]);
    ring[slot] = allocate_at_depth(depth, size);
    slot = (slot + 1) % kRing;
  }
  state.SetItemsProcessed(state.iterations());  // one allocation (and one free) per iteration
}
BENCHMARK(BM_AllocationWorkload);

#ifdef LEAKSCOPE_WITH_PROFILER
void one_frame_backtrace(void** vec, unsigned* len, unsigned) {
  vec[0] = __builtin_return_address(0);
  *len = 1;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef LEAKSCOPE_WITH_PROFILER
  const char* unwinder = std::getenv("LEAKSCOPE_BENCH_UNWINDER");
  if (unwinder && std::strcmp(unwinder, "leakscope") == 0 && !leakscope::profiler::install_fast_backtrace()) return 3;
  if (unwinder && std::strcmp(unwinder, "leakscope-ages") == 0 &&
      !(leakscope::profiler::install_fast_backtrace() && leakscope::profiler::enable_allocation_ages(1.0)))
    return 3;
  if (unwinder && std::strcmp(unwinder, "floor") == 0) {
    void (*hook)(void**, unsigned*, unsigned) = one_frame_backtrace;
    if (mallctl("experimental.hooks.prof_backtrace", nullptr, nullptr, &hook, sizeof hook) != 0) return 3;
  }
  auto st = leakscope::profiler::profiling_state();
  benchmark::AddCustomContext("prof", st.enabled ? (st.active ? "active" : "inactive") : "off");
  benchmark::AddCustomContext("lg_sample", std::to_string(st.lg_sample));
#endif
  benchmark::Initialize(&argc, argv);
  // One line naming the flag, exit 2, instead of running the workload with a typo ignored.
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (void*& p : ring) std::free(p);
  return 0;
}
