#include "leakscope/profiler/allocator_stats.h"

#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/snapshotter.h"

namespace leakscope::profiler {

uint64_t process_rss_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return n == 2 ? resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) : 0;
}

AllocatorStats read_allocator_stats() {
  AllocatorStats s;
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);  // refresh the cached statistics
  auto read = [](const char* name) {
    size_t v = 0, size = sizeof v;
    return mallctl(name, &v, &size, nullptr, 0) == 0 ? static_cast<uint64_t>(v) : 0;
  };
  s.allocated = read("stats.allocated");
  s.active = read("stats.active");
  s.resident = read("stats.resident");
  s.mapped = read("stats.mapped");
  s.retained = read("stats.retained");
  s.metadata = read("stats.metadata");
  s.rss = process_rss_bytes();
  ProfilingState st = profiling_state();
  s.profiling_active = st.enabled && st.active;
  s.sample_period = st.sample_period();
  s.fast_unwinder = fast_backtrace_installed();
  s.snapshots = Snapshotter::instance().count();
  s.time_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return s;
}

}  // namespace leakscope::profiler
