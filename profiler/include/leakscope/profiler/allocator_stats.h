// jemalloc's allocator statistics (after refreshing the stats epoch) plus process RSS.
#pragma once

#include <cstdint>
#include <string>

namespace leakscope::profiler {

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes the application holds (stats.allocated)
  uint64_t active = 0;     // bytes in active pages (stats.active)
  uint64_t resident = 0;   // bytes in physically resident allocator pages (stats.resident)
  uint64_t mapped = 0;     // bytes in extents mapped by the allocator (stats.mapped)
  uint64_t retained = 0;   // bytes retained, not returned to the OS (stats.retained)
  uint64_t metadata = 0;   // bytes of allocator metadata (stats.metadata)
  uint64_t rss = 0;        // process resident set size (/proc/self/statm)
  bool profiling_active = false;
  bool fast_unwinder = false;  // leakscope's libunwind hook is installed
  uint64_t sample_period = 0;  // bytes between samples
  uint64_t snapshots = 0;      // snapshots taken by this process
  int64_t time_nanos = 0;
};

AllocatorStats read_allocator_stats();
// Prometheus text exposition of `s` (jemalloc_*_bytes, process_resident_memory_bytes, leakscope_*).
std::string allocator_stats_prometheus(const AllocatorStats& s);
uint64_t process_rss_bytes();

}  // namespace leakscope::profiler
