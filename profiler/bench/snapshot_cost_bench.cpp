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
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "allocation_stall.h"
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

struct StallRow {
  const char* name;
  leakscope::bench::StallReport report;
};

void print_stall(const std::vector<StallRow>& rows) {
  for (const auto& r : rows)
    if (!r.report.note.empty()) {
      std::printf("note: %s (the stall figures include scheduling delays)\n", r.report.note.c_str());
      break;
    }
  std::printf("allocation stall of another thread (a probe %s on a core of its own, each malloc and free timed):\n",
              rows.front().report.probe_realtime ? "at SCHED_FIFO" : "at normal priority");
  std::printf("%-38s %9s %9s %9s %9s %12s\n", "dump, dumping thread", "p99 us", "max us", "p99 us", "max us",
              "jemalloc us");
  std::printf("%-38s %19s %19s %12s\n", "", "during the dump", "without", "prof mutex");
  for (const auto& r : rows)
    std::printf("%-38s %9.1f %9.1f %9.1f %9.1f %12.1f\n", r.name, r.report.during.p99_ns / 1e3,
                r.report.during.max_ns / 1e3, r.report.without.p99_ns / 1e3, r.report.without.max_ns / 1e3,
                r.report.jemalloc_prof_max_wait_ns / 1e3);
}

// The target (under 5 ms) is judged on leakscope's snapshot with the dumping thread realtime when it
// got that (the lock hold alone), else on what the probe saw at normal priority.
const char* stall_verdict(const leakscope::bench::StallReport& normal, const leakscope::bench::StallReport& realtime) {
  const auto& judged = realtime.dumper_realtime ? realtime : normal;
  return judged.during.max_ns < 5000000 ? "met" : "MISSED";
}

void print(const char* name, const Cost& c) {
  std::printf("%-34s %9.1f %9.1f %9.1f %12.2f %10.2f\n", name, c.self_ms, c.helper_ms, c.wall_ms,
              c.allocated_delta / 1048576.0, c.rss_delta / 1048576.0);
}

constexpr const char* kUsage =
    "usage: snapshot_cost_bench [--stacks N] [--snapshots K]\n"
    "  what one heap snapshot costs the profiled process, beside jemalloc's prof.dump alone and the previous\n"
    "  in-process symbolizer; run with MALLOC_CONF=lg_prof_sample:0 LEAKSCOPE_SYMBOLIZER=path/to/leakscope\n"
    "  --stacks N      distinct stacks in the heap (default 10000)\n"
    "  --snapshots K   snapshots per design (default 10)\n";

// A whole positive decimal number, or nullopt.
std::optional<long> positive_number(const char* text) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < 1 || v > 100000000) return std::nullopt;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned stacks = 10000;
  int snapshots = 10;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((a != "--stacks" && a != "--snapshots") || i + 1 == argc) {
      std::fprintf(stderr, "snapshot_cost_bench: %s: expected --stacks N or --snapshots K (see --help)\n", a.c_str());
      return 2;
    }
    std::optional<long> v = positive_number(argv[++i]);
    if (!v) {
      std::fprintf(stderr, "snapshot_cost_bench: %s: expected a whole number from 1, got '%s'\n", a.c_str(), argv[i]);
      return 2;
    }
    if (a == "--stacks")
      stacks = static_cast<unsigned>(*v);
    else
      snapshots = static_cast<int>(*v);
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
  // The stall another thread sees: with the dumping thread at normal priority (as a service's
  // debug-server thread runs; other processes may take its core while it holds jemalloc's locks) and
  // SCHED_FIFO (the locks' hold alone, as on a machine with a free core); for leakscope's dump (sampling
  // held off meanwhile) and for jemalloc's prof.dump called bare, as before.
  using leakscope::bench::measure_allocation_stall;
  auto dump = [] { HeapDump d = Snapshotter::instance().dump(); };
  auto bare = [] {
    ThreadSamplingOff quiet;
    close(dump_heap_to_memfd());
  };
  uint64_t paused0 = sampling_paused_nanos();
  std::vector<StallRow> stalls;
  stalls.push_back({"leakscope, at normal priority", measure_allocation_stall(snapshots, dump, false)});
  stalls.push_back({"leakscope, SCHED_FIFO", measure_allocation_stall(snapshots, dump, true)});
  double paused_ms = (sampling_paused_nanos() - paused0) / 1e6 / (2 * snapshots);
  stalls.push_back({"bare prof.dump, at normal priority", measure_allocation_stall(snapshots, bare, false)});
  stalls.push_back({"bare prof.dump, SCHED_FIFO", measure_allocation_stall(snapshots, bare, true)});
  print_stall(stalls);
  std::printf("sampling held off while jemalloc dumps: %.1f ms per snapshot (those allocations go unsampled)\n",
              paused_ms);
  // What the profiler adds to jemalloc's own dump in the service's CPU (the stats read, the build-ids,
  // starting the helper): the floor is prof.dump itself, measured just before in this run.
  std::printf("self CPU per snapshot, leakscope / jemalloc's prof.dump alone: %.1f / %.1f ms = %.2fx\n", helper.self_ms,
              dump_only.self_ms, helper.self_ms / std::max(dump_only.self_ms, 0.001));
  std::printf("retained allocated, previous / leakscope: %.0fx\n",
              static_cast<double>(std::max<int64_t>(before.allocated_delta, 1)) /
                  static_cast<double>(std::max<int64_t>(helper.allocated_delta, 1 << 10)));
  if (promoted == 0) std::printf("(the scan found no promotion: not a sampled heap?)\n");
  std::printf("targets: self CPU <= 20 ms: %s; stall < 5 ms: %s; retained <= 1 MiB: %s\n",
              helper.self_ms <= 20 ? "met" : "MISSED", stall_verdict(stalls[0].report, stalls[1].report),
              helper.allocated_delta <= (1 << 20) && helper.rss_delta <= (1 << 20) ? "met" : "MISSED");
  Profiler::instance().stop();
  return 0;
}
