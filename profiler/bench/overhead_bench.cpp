// Cost per allocation of heap profiling, on an allocation-heavy workload: sizes 16-1040 B, call
// depth 1-8, a ring of 4096 live objects. The mode comes from the environment, because jemalloc
// fixes opt.prof at start-up (scripts/bench.sh runs this once per mode):
//   MALLOC_CONF=prof:false | prof:true,prof_active:false | prof:true,lg_prof_sample:19 | ...:14
//   LEAKSCOPE_BENCH_UNWINDER=leakscope  installs leakscope's hook, the frame walker (else jemalloc's own);
//   LEAKSCOPE_BENCH_UNWINDER=leakscope-libunwind  the same hook with libunwind for every stack;
//   LEAKSCOPE_BENCH_UNWINDER=leakscope-ages  the same, with allocation ages on (epochs of 1 s)
//   LEAKSCOPE_BENCH_UNWINDER=floor      a hook that records one frame and does no unwinding at all:
//                                       what jemalloc's own sampling costs, the floor for any unwinder.
//   LEAKSCOPE_BENCH_UNWINDER=walk-only  the frame walker's whole walk, then the floor's one frame: what
//                                       walking costs, apart from what jemalloc's bookkeeping of
//                                       distinct real stacks adds (which no unwinder can avoid).
//   LEAKSCOPE_BENCH_UNWINDER=floor-deep the same frame padded with constant ones to 14: the floor for
//                                       stacks as long as the real ones.
//   LEAKSCOPE_BENCH_INTERLEAVED=R       instead of Google Benchmark: R rounds in this one process, each
//                                       a block of the workload sampled with the unwinder above and one
//                                       with prof.active off (LEAKSCOPE_BENCH_AGAINST=floor: sampled with
//                                       the one-frame hook instead), order alternating, timed; prints the
//                                       median of the rounds' ratios. One process, one memory layout: the
//                                       ~10% that separates processes of the same mode cancels out.
// Built twice: against jemalloc (with the profiler) and against glibc (for heaptrack).
#include <benchmark/benchmark.h>

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifdef LEAKSCOPE_WITH_PROFILER
#include <jemalloc/jemalloc.h>

#include "frame_walker.h"
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

struct Workload {
  uint64_t x = 88172645463325252ull;
  size_t slot = 0;
  void step() {
    x ^= x << 13;  // xorshift: cheap, deterministic sizes and depths
    x ^= x >> 7;
    x ^= x << 17;
    size_t size = 16 + x % 1025;
    int depth = 1 + static_cast<int>((x >> 20) % 8);
    std::free(ring[slot]);
    ring[slot] = allocate_at_depth(depth, size);
    slot = (slot + 1) % kRing;
  }
};

void BM_AllocationWorkload(benchmark::State& state) {
  Workload w;
  for (auto _ : state) w.step();
  state.SetItemsProcessed(state.iterations());  // one allocation (and one free) per iteration
}
BENCHMARK(BM_AllocationWorkload);

#ifdef LEAKSCOPE_WITH_PROFILER
void one_frame_backtrace(void** vec, unsigned* len, unsigned) {
  vec[0] = __builtin_return_address(0);
  *len = 1;
}

void walk_only_backtrace(void** vec, unsigned* len, unsigned) {
  void* frames[256];
  benchmark::DoNotOptimize(leakscope::profiler::leakscope_walk_stack(frames, 256));
  vec[0] = __builtin_return_address(0);
  *len = 1;
}

// The same frame, then constant ones to the depth of this workload's real stacks (about 14): what
// jemalloc's bookkeeping costs for stacks as long as the unwinder's (it hashes and compares them).
void deep_floor_backtrace(void** vec, unsigned* len, unsigned max_len) {
  constexpr unsigned kDepth = 14;
  unsigned n = max_len < kDepth ? max_len : kDepth;
  vec[0] = __builtin_return_address(0);
  for (unsigned i = 1; i < n; ++i) vec[i] = reinterpret_cast<void*>(uintptr_t{0x1000} + i);
  *len = n;
}

double thread_cpu_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

using BacktraceHook = void (*)(void**, unsigned*, unsigned);

// One side of an interleaved comparison: sampling on or off, and the backtrace hook then installed.
struct Setting {
  bool active;
  BacktraceHook hook;
};

BacktraceHook current_hook() {
  BacktraceHook hook = nullptr;
  size_t len = sizeof hook;
  mallctl("experimental.hooks.prof_backtrace", &hook, &len, nullptr, 0);
  return hook;
}

// ns per allocation of `n` workload steps in `setting`.
double timed_block(Workload& w, Setting setting, int n) {
  mallctl("experimental.hooks.prof_backtrace", nullptr, nullptr, &setting.hook, sizeof setting.hook);
  leakscope::profiler::set_profiling_active(setting.active);
  double t0 = thread_cpu_ns();
  for (int i = 0; i < n; ++i) w.step();
  return (thread_cpu_ns() - t0) / n;
}

// Rounds of a block in `measured` and one in `baseline`, the order alternating; prints the medians.
int run_interleaved(int rounds, Setting measured, Setting baseline) {
  constexpr int kBlock = 1 << 20;  // ~1,000 samples a block at 512 KiB
  Workload w;
  timed_block(w, baseline, kBlock);  // warm-up: the ring filled, the caches and the hook's tables warm
  timed_block(w, measured, kBlock);
  std::vector<double> ratios, base_ns, measured_ns;
  for (int r = 0; r < rounds; ++r) {
    bool measured_first = r % 2;
    double a = timed_block(w, measured_first ? measured : baseline, kBlock);
    double b = timed_block(w, measured_first ? baseline : measured, kBlock);
    double m = measured_first ? a : b, base = measured_first ? b : a;
    ratios.push_back(m / base);
    measured_ns.push_back(m);
    base_ns.push_back(base);
  }
  leakscope::profiler::set_profiling_active(false);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::sort(ratios.begin(), ratios.end());
  std::printf("interleaved,%d,%.2f,%.2f,%.4f,%.4f,%.4f\n", rounds, median(base_ns), median(measured_ns), median(ratios),
              ratios[ratios.size() / 4], ratios[ratios.size() * 3 / 4]);
  return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef LEAKSCOPE_WITH_PROFILER
  const char* unwinder = std::getenv("LEAKSCOPE_BENCH_UNWINDER");
  if (unwinder && std::strcmp(unwinder, "leakscope") == 0 && !leakscope::profiler::install_fast_backtrace()) return 3;
  if (unwinder && std::strcmp(unwinder, "leakscope-libunwind") == 0 &&
      !leakscope::profiler::install_fast_backtrace(leakscope::profiler::StackWalker::kLibunwind))
    return 3;
  if (unwinder && std::strcmp(unwinder, "leakscope-ages") == 0 &&
      !(leakscope::profiler::install_fast_backtrace() && leakscope::profiler::enable_allocation_ages(1.0)))
    return 3;
  if (unwinder && (std::strcmp(unwinder, "floor") == 0 || std::strcmp(unwinder, "floor-deep") == 0 ||
                   std::strcmp(unwinder, "walk-only") == 0)) {
    BacktraceHook hook = std::strcmp(unwinder, "floor") == 0       ? one_frame_backtrace
                         : std::strcmp(unwinder, "walk-only") == 0 ? walk_only_backtrace
                                                                   : deep_floor_backtrace;
    if (mallctl("experimental.hooks.prof_backtrace", nullptr, nullptr, &hook, sizeof hook) != 0) return 3;
  }
  auto st = leakscope::profiler::profiling_state();
  benchmark::AddCustomContext("prof", st.enabled ? (st.active ? "active" : "inactive") : "off");
  benchmark::AddCustomContext("lg_sample", std::to_string(st.lg_sample));
  if (const char* rounds = std::getenv("LEAKSCOPE_BENCH_INTERLEAVED")) {
    int r = std::atoi(rounds);
    const char* against = std::getenv("LEAKSCOPE_BENCH_AGAINST");
    std::string baseline = against ? against : "inactive";
    if (r < 1 || !st.enabled || (baseline != "inactive" && baseline != "floor")) {
      std::fprintf(stderr,
                   "profiler_overhead_bench: LEAKSCOPE_BENCH_INTERLEAVED=%s LEAKSCOPE_BENCH_AGAINST=%s: expected "
                   "rounds >= 1, against inactive or floor, with MALLOC_CONF=prof:true\n",
                   rounds, baseline.c_str());
      return 2;
    }
    BacktraceHook hook = current_hook();
    if (baseline == "floor") return run_interleaved(r, {true, hook}, {true, one_frame_backtrace});
    return run_interleaved(r, {true, hook}, {false, hook});
  }
#endif
  benchmark::Initialize(&argc, argv);
  // One line naming the flag, exit 2, instead of running the workload with a typo ignored.
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (void*& p : ring) std::free(p);
  return 0;
}
