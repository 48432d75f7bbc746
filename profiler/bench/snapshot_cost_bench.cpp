// What one heap snapshot costs the profiled process (issue #13): a heap of N distinct stacks, then K
// snapshots taken the way the profiler takes them (prof.dump in the process, symbolization in the
// `leakscope symbolize-snapshot` helper), beside the previous design (the analyzer's Symbolizer inside
// the process, cached across snapshots) on the same heap in the same run. Prints per-snapshot CPU of
// this process and of the helper, what stays behind in allocated bytes and RSS, and the longest stall
// another thread's allocations see while snapshots are taken.
// Usage: snapshot_cost_bench [--stacks N] [--snapshots K] (run with MALLOC_CONF=lg_prof_sample:0 and
// LEAKSCOPE_SYMBOLIZER=path/to/leakscope).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/writers.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/fd_contents.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/profiler.h"
#include "leakscope/profiler/snapshotter.h"
#include "sample_promotion.h"  // the profiler's own (profiler/src): the in-process scan

namespace {

using Step = void (*)(int, unsigned, std::vector<void*>*);
void step_a(int depth, unsigned path, std::vector<void*>* keep);
void step_b(int depth, unsigned path, std::vector<void*>* keep);
void step_c(int depth, unsigned path, std::vector<void*>* keep);
const Step kSteps[3] = {step_a, step_b, step_c};

// Three functions chained by the digits of `path` in base 3: 3^depth distinct stacks.
#define STEP(name)                                                                          \
  __attribute__((noinline)) void name(int depth, unsigned path, std::vector<void*>* keep) { \
    if (depth == 0) {                                                                       \
      keep->push_back(new char[256]);                                                       \
      return;                                                                               \
    }                                                                                       \
    kSteps[path % 3](depth - 1, path / 3, keep);                                            \
    asm volatile("" ::: "memory");                                                          \
  }
STEP(step_a)
STEP(step_b)
STEP(step_c)

double cpu_seconds(int who) {
  rusage u{};
  getrusage(who, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Allocates and frees in a loop, remembering the slowest single allocation in the current window.
struct StallProbe {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> worst_ns{0};
  std::thread thread;
  void start() {
    thread = std::thread([this] {
      while (!stop) {
        auto t0 = std::chrono::steady_clock::now();
        void* p = std::malloc(64);
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
        std::free(p);
        int64_t w = worst_ns.load();
        while (ns > w && !worst_ns.compare_exchange_weak(w, ns)) {
        }
      }
    });
  }
  int64_t take_worst() { return worst_ns.exchange(0); }
  ~StallProbe() {
    stop = true;
    if (thread.joinable()) thread.join();
  }
};

struct Cost {
  double self_ms = 0, helper_ms = 0, wall_ms = 0;
  int64_t allocated_delta = 0, rss_delta = 0;
};

template <typename Snapshot>
Cost measure(int snapshots, Snapshot take) {
  using namespace leakscope::profiler;
  AllocatorStats before = read_allocator_stats();
  // This thread's CPU: the snapshot runs on the calling thread (jemalloc's dump included).
  double self0 = cpu_seconds(RUSAGE_THREAD), child0 = cpu_seconds(RUSAGE_CHILDREN);
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < snapshots; ++i) take();
  Cost c;
  c.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / snapshots;
  c.self_ms = (cpu_seconds(RUSAGE_THREAD) - self0) * 1000 / snapshots;
  c.helper_ms = (cpu_seconds(RUSAGE_CHILDREN) - child0) * 1000 / snapshots;
  AllocatorStats after = read_allocator_stats();
  c.allocated_delta = static_cast<int64_t>(after.allocated) - static_cast<int64_t>(before.allocated);
  c.rss_delta = static_cast<int64_t>(after.rss) - static_cast<int64_t>(before.rss);
  return c;
}

// The longest allocation another thread sees while jemalloc dumps (it holds its profiling locks
// then), against the same probe's longest over equally long windows without a dump.
std::pair<int64_t, int64_t> stall_us(int rounds) {
  using namespace leakscope::profiler;
  StallProbe probe;
  probe.start();
  int64_t during = 0, without = 0;
  for (int i = 0; i < rounds; ++i) {
    probe.take_worst();
    auto t0 = std::chrono::steady_clock::now();
    { HeapDump d = Snapshotter::instance().dump(); }
    auto took = std::chrono::steady_clock::now() - t0;
    during = std::max(during, probe.take_worst());
    std::this_thread::sleep_for(took);
    without = std::max(without, probe.take_worst());
  }
  return {during / 1000, without / 1000};
}

void print(const char* name, const Cost& c) {
  std::printf("%-34s %9.1f %9.1f %9.1f %12.2f %10.2f\n", name, c.self_ms, c.helper_ms, c.wall_ms,
              c.allocated_delta / 1048576.0, c.rss_delta / 1048576.0);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned stacks = 10000;
  int snapshots = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--stacks")
      stacks = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (a == "--snapshots")
      snapshots = std::atoi(argv[i + 1]);
  }
  using namespace leakscope::profiler;
  ProfilerOptions o;
  Profiler::instance().start(o);
  std::vector<void*> keep;
  keep.reserve(stacks);
  for (unsigned i = 0; i < stacks; ++i) kSteps[i % 3](9, i / 3, &keep);
  std::printf("heap: %u distinct stacks, %d snapshots each, lg_prof_sample %d\n", stacks, snapshots,
              profiling_state().lg_sample);
  std::printf("%-34s %9s %9s %9s %12s %10s\n", "design (per snapshot)", "self ms", "helper ms", "wall ms",
              "allocated MB", "RSS MB");
  Cost dump_only = measure(snapshots, [] { Snapshotter::instance().dump(); });
  print("  of which jemalloc's prof.dump", dump_only);
  Cost helper = measure(snapshots, [] { Snapshotter::instance().take_proto_gz(); });
  print("leakscope: dump + helper process", helper);
  // The scan for sample promotion as the service paid it in each snapshot (map the dump's memfd, read
  // it, unmap); the helper does it now, the service only when no helper runs.
  uint64_t promoted = 0;
  Cost scan;
  {
    ThreadSamplingOff quiet;
    HeapDump d = Snapshotter::instance().dump();
    scan = measure(snapshots, [&] { promoted += sample_promotion_bytes(d.fd(), sample_promotion_size()); });
  }
  print("  moved to the helper: promotion scan", scan);
  // The previous design, for comparison: the same dump symbolized inside this process, state kept.
  static leakscope::analyzer::Symbolizer* in_process = nullptr;
  Cost before = measure(snapshots, [] {
    ThreadSamplingOff quiet;
    HeapDump d = Snapshotter::instance().dump();
    std::optional<std::string> text = leakscope::profiler::read_whole_fd(d.fd());
    if (!text) return;
    leakscope::analyzer::Profile p = leakscope::analyzer::read_jemalloc_heap(*text, "prof.dump");
    if (!in_process) in_process = new leakscope::analyzer::Symbolizer({}, 256 * 1024);
    in_process->symbolize(p);
    leakscope::analyzer::write_proto_gz(p);
  });
  print("previous: in-process symbolizer", before);
  auto [during, without] = stall_us(snapshots);
  std::printf("longest allocation of another thread: %lld us during prof.dump, %lld us without\n",
              static_cast<long long>(during), static_cast<long long>(without));
  // What the profiler adds to jemalloc's own dump in the service's CPU (the stats read, the build-ids,
  // starting the helper): the floor is prof.dump itself, measured just before in this run.
  std::printf("self CPU per snapshot, leakscope / jemalloc's prof.dump alone: %.1f / %.1f ms = %.2fx\n", helper.self_ms,
              dump_only.self_ms, helper.self_ms / std::max(dump_only.self_ms, 0.001));
  std::printf("retained allocated, previous / leakscope: %.0fx\n",
              static_cast<double>(std::max<int64_t>(before.allocated_delta, 1)) /
                  static_cast<double>(std::max<int64_t>(helper.allocated_delta, 1 << 10)));
  if (promoted == 0) std::printf("(the scan found no promotion: not a sampled heap?)\n");
  std::printf("targets: self CPU <= 20 ms: %s; stall < 5 ms: %s; retained <= 1 MiB: %s\n",
              helper.self_ms <= 20 ? "met" : "MISSED", during < 5000 ? "met" : "MISSED",
              helper.allocated_delta <= (1 << 20) && helper.rss_delta <= (1 << 20) ? "met" : "MISSED");
  Profiler::instance().stop();
  return 0;
}
