// The longest allocation stall another thread sees while jemalloc dumps (issue #13 §1: under 5 ms).
// jemalloc holds its profiling locks for part of prof.dump; a thread that then allocates at a stack it
// has no record of yet (or frees its last sample of one) waits for them. On a shared machine a naive
// probe measures the scheduler instead (the probe, or the dumping thread, waiting for a core), so the
// probe runs SCHED_FIFO on a core of its own and times each allocation, not the gaps between them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace leakscope::bench {

struct LatencySummary {
  uint64_t operations = 0;
  int64_t p99_ns = 0;
  int64_t max_ns = 0;
};

struct StallReport {
  bool probe_realtime = false;   // SCHED_FIFO granted (false: an unprivileged run, scheduler noise included)
  bool dumper_realtime = false;  // the dumping thread ran SCHED_FIFO too (below the probe)
  LatencySummary during;         // the probe's allocations while a dump ran
  LatencySummary without;        // the same probe over equally long windows without one
  // jemalloc's own account (stats.mutexes.<name>.max_wait_time) of the longest wait for its profiling
  // mutexes during the dumps: "prof" (the stack table), "prof_thds_data" (the threads' records); -1 when
  // jemalloc has no mutex statistics.
  int64_t jemalloc_prof_max_wait_ns = -1;
  int64_t jemalloc_thds_max_wait_ns = -1;
  std::string note;  // why a realtime request was refused, if it was
};

// Runs `dump` `rounds` times on the calling thread, alternating with windows as long without one, while a
// probe thread allocates and frees 64-byte objects (a new stack record each time at lg_prof_sample:0).
// With `dumper_realtime` the calling thread runs SCHED_FIFO for the measurement (its priority is restored
// after), so that the dump's lock hold is not stretched by other processes taking its core.
StallReport measure_allocation_stall(int rounds, const std::function<void()>& dump, bool dumper_realtime);

}  // namespace leakscope::bench
