// Turning the profiler on: sampling (with the fast unwinder), debug endpoints and periodic
// snapshots, from code or from LEAKSCOPE_* environment variables (see README).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "leakscope/profiler/debug_server.h"
#include "leakscope/profiler/periodic_snapshots.h"

namespace leakscope::profiler {

struct ProfilerOptions {
  bool activate = true;          // prof.active on
  int lg_sample = -1;            // -1: keep jemalloc's (default 19: 512 KiB)
  bool fast_unwinder = true;     // libunwind through experimental.hooks.prof_backtrace
  double age_epoch_seconds = 0;  // > 0: samples carry their allocation epoch (needs fast_unwinder)
  std::string debug_addr;        // empty: no endpoints
  std::string debug_token;
  PeriodicSnapshotOptions snapshots;  // snapshots.dir empty: none
};

// LEAKSCOPE_DEBUG_ADDR, LEAKSCOPE_DEBUG_TOKEN, LEAKSCOPE_SNAPSHOT_DIR, LEAKSCOPE_SNAPSHOT_INTERVAL,
// LEAKSCOPE_SNAPSHOT_GROWTH, LEAKSCOPE_SNAPSHOT_RETAIN, LEAKSCOPE_SNAPSHOT_NAME, LEAKSCOPE_SNAPSHOT_HIGH_WATER,
// LEAKSCOPE_SNAPSHOT_RSS_ABOVE, LEAKSCOPE_SNAPSHOT_CGROUP_FRACTION, LEAKSCOPE_SNAPSHOT_MIN_GAP,
// LEAKSCOPE_LG_SAMPLE, LEAKSCOPE_FAST_UNWIND (and LEAKSCOPE_SYMBOLIZER, read at each snapshot).
// Throws std::invalid_argument naming the variable on a bad value.
ProfilerOptions options_from_environment();
// An allocation-age epoch is 0 (off) or at least 1 ms: throws std::invalid_argument naming `what`
// (the variable or flag it came from) otherwise.
void check_age_epoch_seconds(double seconds, const std::string& what);
// True when any of those variables (or LEAKSCOPE_PROFILE=1) asks for the profiler.
bool environment_requests_profiler();

class Profiler {
 public:
  static Profiler& instance();
  // Throws std::runtime_error when jemalloc profiling is unavailable or a service cannot start.
  void start(const ProfilerOptions& options);
  void stop();
  DebugServer* debug_server();  // null when not serving

 private:
  std::mutex mu_;
  std::unique_ptr<DebugServer> server_;
  std::unique_ptr<PeriodicSnapshots> snapshots_;
};

}  // namespace leakscope::profiler
