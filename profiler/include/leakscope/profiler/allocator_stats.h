// Memory figures that add up: jemalloc's statistics (after refreshing the stats epoch), the
// profiler's own share of them (its arena), the last snapshot's sampled heap estimate, and the
// process's RSS split into jemalloc's resident pages, other anonymous memory and file-backed pages.
// Every surface that shows memory (/debug/vars, /metrics, /debug/charts, ?debug=1, snapshot comments)
// shows this one decomposition.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

namespace leakscope::profiler {

struct AllocatorStats {
  uint64_t allocated = 0;  // bytes the application holds (stats.allocated), the profiler's included
  uint64_t active = 0;     // bytes in active pages (stats.active); active - allocated is fragmentation
  uint64_t resident = 0;   // bytes in physically resident allocator pages (stats.resident)
  uint64_t mapped = 0;     // bytes in extents mapped by the allocator (stats.mapped)
  uint64_t retained = 0;   // bytes retained, not returned to the OS (stats.retained)
  uint64_t metadata = 0;   // bytes of allocator metadata (stats.metadata)
  // The profiler's own arena (become_profiler_thread): part of the figures above, not the service's.
  uint64_t profiler_allocated = 0;
  uint64_t profiler_resident = 0;
  // What sampling adds to `allocated`: jemalloc 5.3 gives each live sampled small object a 16 KiB
  // extent (sample_promotion.h). Read off a snapshot's dump, so it is as of sample_promotion_time_nanos,
  // not now; 0 with time 0 before any snapshot and after a prof.reset (reset_profiling), whose
  // following dumps no longer list the samples taken before it.
  uint64_t sample_promotion = 0;
  int64_t sample_promotion_time_nanos = 0;
  // jemalloc's internal allocations (stats.arenas.<all>.internal), counted in `allocated` too: with
  // profiling on, mostly its records of each sampled stack (about 600 bytes a stack); also thread
  // caches' structures, a few KiB a thread.
  uint64_t allocator_internal = 0;
  // Freed objects kept in thread caches (stats.arenas.<all>.tcache_bytes): counted in `allocated`,
  // held by no one.
  uint64_t thread_caches = 0;
  // /proc/self/status: VmRSS = RssAnon + RssFile + RssShmem.
  uint64_t rss = 0;
  uint64_t rss_anon = 0;
  uint64_t rss_file = 0;
  uint64_t rss_shmem = 0;
  int64_t sampled_heap = -1;  // the last snapshot's unsampled inuse_space total; -1 before any
  int64_t sampled_heap_time_nanos = 0;
  bool profiling_active = false;
  bool fast_unwinder = false;  // leakscope's libunwind hook is installed
  uint64_t sample_period = 0;  // bytes between samples
  uint64_t snapshots = 0;      // snapshots taken by this process
  // prof.resets the program made itself (not through the profiler), as noticed by the snapshots since.
  uint64_t program_profiling_resets = 0;
  // How long sampling was held off while jemalloc wrote dumps, in total (jemalloc_control.h): the
  // allocations in that time went unsampled.
  uint64_t sampling_paused_nanos = 0;
  int64_t time_nanos = 0;

  // The profiler's share of `allocated`: its arena, the room its samples take, jemalloc's records.
  uint64_t profiler_own() const {
    return std::min(allocated, profiler_allocated + sample_promotion + allocator_internal);
  }
  // What the service holds: allocated less the profiler's share and the thread caches' free objects.
  uint64_t service_allocated() const {
    uint64_t rest = allocated - profiler_own();
    return rest - std::min(rest, thread_caches);
  }
  uint64_t fragmentation() const { return active > allocated ? active - allocated : 0; }
  // Anonymous memory jemalloc does not account for: thread stacks, other allocators, mmap by libraries.
  // jemalloc's resident is an upper bound (pages it dirtied), so this is clamped at 0.
  uint64_t rss_other_anon() const { return rss_anon > resident ? rss_anon - resident : 0; }
  // The jemalloc part of RSS: resident, but never more than the anonymous memory there is.
  uint64_t rss_jemalloc() const { return std::min(resident, rss_anon); }
};

AllocatorStats read_allocator_stats();
// Prometheus text exposition of `s` (jemalloc_*_bytes, process_*_bytes, leakscope_*).
std::string allocator_stats_prometheus(const AllocatorStats& s);
// The figures as one snapshot comment, "leakscope:memory allocated=N ..." (read back by the analyzer's
// memory_figures_of).
std::string memory_figures_comment(const AllocatorStats& s);
uint64_t process_rss_bytes();

}  // namespace leakscope::profiler
