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

std::string allocator_stats_prometheus(const AllocatorStats& s) {
  std::string out;
  auto gauge = [&](const char* name, const char* help, uint64_t v, const char* type = "gauge") {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(v) + "\n";
  };
  gauge("jemalloc_allocated_bytes", "Bytes allocated by the application (stats.allocated).", s.allocated);
  gauge("jemalloc_active_bytes", "Bytes in active pages (stats.active).", s.active);
  gauge("jemalloc_resident_bytes", "Bytes in physically resident allocator pages (stats.resident).", s.resident);
  gauge("jemalloc_mapped_bytes", "Bytes in extents mapped by the allocator (stats.mapped).", s.mapped);
  gauge("jemalloc_retained_bytes", "Bytes retained by the allocator, not returned to the OS (stats.retained).",
        s.retained);
  gauge("jemalloc_metadata_bytes", "Bytes of allocator metadata (stats.metadata).", s.metadata);
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", s.rss);
  gauge("leakscope_profiling_active", "1 when heap sampling is active.", s.profiling_active ? 1 : 0);
  gauge("leakscope_sample_period_bytes", "Mean bytes between heap samples.", s.sample_period);
  gauge("leakscope_snapshots_total", "Heap snapshots taken.", s.snapshots, "counter");
  return out;
}

}  // namespace leakscope::profiler
