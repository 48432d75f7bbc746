#include "leakscope/profiler/allocator_stats.h"

#include <jemalloc/jemalloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/snapshotter.h"

namespace leakscope::profiler {
namespace {

uint64_t read_size(const std::string& name) {
  size_t v = 0, size = sizeof v;
  return mallctl(name.c_str(), &v, &size, nullptr, 0) == 0 ? static_cast<uint64_t>(v) : 0;
}

// VmRSS and its split from /proc/self/status (kB). The same split as smaps_rollup's, at a fraction
// of its cost (status does not walk the mappings).
void read_rss(AllocatorStats& s) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return;
  char line[256];
  auto field = [&](const char* name, uint64_t& out) {
    size_t n = std::strlen(name);
    if (std::strncmp(line, name, n) != 0) return;
    unsigned long long kb = 0;
    if (std::sscanf(line + n, " %llu", &kb) == 1) out = kb * 1024;
  };
  while (std::fgets(line, sizeof line, f)) {
    field("VmRSS:", s.rss);
    field("RssAnon:", s.rss_anon);
    field("RssFile:", s.rss_file);
    field("RssShmem:", s.rss_shmem);
  }
  std::fclose(f);
}

}  // namespace

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
  s.allocated = read_size("stats.allocated");
  s.active = read_size("stats.active");
  s.resident = read_size("stats.resident");
  s.mapped = read_size("stats.mapped");
  s.retained = read_size("stats.retained");
  s.metadata = read_size("stats.metadata");
  std::string all_arenas = "stats.arenas." + std::to_string(MALLCTL_ARENAS_ALL) + ".";
  s.allocator_internal = read_size(all_arenas + "internal");
  s.thread_caches = read_size(all_arenas + "tcache_bytes");
  if (unsigned arena = profiler_arena()) {
    std::string prefix = "stats.arenas." + std::to_string(arena) + ".";
    s.profiler_allocated = read_size(prefix + "small.allocated") + read_size(prefix + "large.allocated");
    s.profiler_resident = read_size(prefix + "resident");
  }
  read_rss(s);
  ProfilingState st = profiling_state();
  s.profiling_active = st.enabled && st.active;
  s.sample_period = st.sample_period();
  s.fast_unwinder = fast_backtrace_installed();
  SnapshotterStats snaps = Snapshotter::instance().stats();
  s.snapshots = snaps.count;
  s.program_profiling_resets = program_profiling_resets();
  s.sampling_paused_nanos = sampling_paused_nanos();
  s.sampled_heap = snaps.last_sampled_inuse_bytes;
  s.sampled_heap_time_nanos = snaps.last_time_nanos;
  if (snaps.last_sample_promotion_time_nanos != 0 && snaps.last_sample_promotion_resets == profiling_resets()) {
    s.sample_promotion = snaps.last_sample_promotion_bytes;
    s.sample_promotion_time_nanos = snaps.last_sample_promotion_time_nanos;
  }
  s.time_nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return s;
}

std::string allocator_stats_prometheus(const AllocatorStats& s) {
  std::string out;
  auto gauge = [&](const char* name, const char* help, uint64_t v, const char* type = "gauge") {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(v) + "\n";
  };
  // Nanoseconds written as seconds with `digits` decimals (1 to 9).
  auto seconds = [&](const char* name, const char* help, const char* type, uint64_t nanos, int digits) {
    uint64_t scale = 1;
    for (int i = 0; i < digits; ++i) scale *= 10;
    std::string fraction = std::to_string(scale + nanos % 1000000000 / (1000000000 / scale)).substr(1);
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
           std::to_string(nanos / 1000000000) + "." + fraction + "\n";
  };
  gauge("jemalloc_allocated_bytes", "Bytes allocated by the application (stats.allocated), the profiler's included.",
        s.allocated);
  gauge("jemalloc_active_bytes", "Bytes in active pages (stats.active).", s.active);
  gauge("jemalloc_resident_bytes", "Bytes in physically resident allocator pages (stats.resident).", s.resident);
  gauge("jemalloc_mapped_bytes", "Bytes in extents mapped by the allocator (stats.mapped).", s.mapped);
  gauge("jemalloc_retained_bytes", "Bytes retained by the allocator, not returned to the OS (stats.retained).",
        s.retained);
  gauge("jemalloc_metadata_bytes", "Bytes of allocator metadata (stats.metadata).", s.metadata);
  gauge("jemalloc_fragmentation_bytes", "Active minus allocated bytes.", s.fragmentation());
  gauge("leakscope_service_allocated_bytes",
        "Allocated bytes less the profiler's own (its arena, sample promotion, jemalloc's internal records) and "
        "the thread caches' free objects.",
        s.service_allocated());
  gauge("leakscope_profiler_allocated_bytes", "Bytes the profiler itself holds (its own arena).", s.profiler_allocated);
  gauge("leakscope_sample_promotion_bytes",
        "What live heap samples add to allocated: jemalloc serves each sampled small object from a 16 KiB extent "
        "(read off the last snapshot since the last prof.reset, at leakscope_sample_promotion_timestamp_seconds; "
        "0 before one).",
        s.sample_promotion);
  if (s.sample_promotion_time_nanos != 0)
    seconds("leakscope_sample_promotion_timestamp_seconds",
            "When the snapshot leakscope_sample_promotion_bytes was read off was taken.", "gauge",
            static_cast<uint64_t>(s.sample_promotion_time_nanos), 3);
  gauge("leakscope_allocator_internal_bytes",
        "jemalloc's internal allocations, counted in allocated: profiling's per-stack records, thread caches.",
        s.allocator_internal);
  gauge("leakscope_thread_caches_bytes", "Freed objects kept in jemalloc's thread caches, counted in allocated.",
        s.thread_caches);
  gauge("leakscope_profiler_resident_bytes", "Resident bytes of the profiler's own arena.", s.profiler_resident);
  if (s.sampled_heap >= 0)
    gauge("leakscope_sampled_heap_bytes", "The last snapshot's sampled heap estimate (unsampled inuse_space).",
          static_cast<uint64_t>(s.sampled_heap));
  gauge("process_resident_memory_bytes", "Resident memory size in bytes.", s.rss);
  gauge("process_resident_anon_bytes", "Resident anonymous memory (RssAnon).", s.rss_anon);
  gauge("process_resident_file_bytes", "Resident file-backed memory (RssFile).", s.rss_file);
  gauge("process_resident_shmem_bytes", "Resident shared memory (RssShmem).", s.rss_shmem);
  gauge("leakscope_rss_jemalloc_bytes", "Resident bytes in jemalloc's pages: its resident figure, at most RssAnon.",
        s.rss_jemalloc());
  gauge("leakscope_rss_other_anon_bytes", "Anonymous resident memory outside jemalloc (RssAnon - jemalloc resident).",
        s.rss_other_anon());
  gauge("leakscope_profiling_active", "1 when heap sampling is active.", s.profiling_active ? 1 : 0);
  gauge("leakscope_sample_period_bytes", "Mean bytes between heap samples.", s.sample_period);
  gauge("leakscope_snapshots_total", "Heap snapshots taken.", s.snapshots, "counter");
  seconds("leakscope_sampling_paused_seconds_total",
          "Time heap sampling was held off while jemalloc wrote dumps (allocations then go unsampled, so that none "
          "waits for its locks).",
          "counter", s.sampling_paused_nanos, 6);
  return out;
}

std::string memory_figures_comment(const AllocatorStats& s) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "leakscope:memory allocated=%llu active=%llu metadata=%llu resident=%llu retained=%llu "
      "profiler_allocated=%llu profiler_resident=%llu sample_promotion=%llu internal=%llu tcache=%llu rss=%llu "
      "rss_anon=%llu rss_file=%llu rss_shmem=%llu",
      (unsigned long long)s.allocated, (unsigned long long)s.active, (unsigned long long)s.metadata,
      (unsigned long long)s.resident, (unsigned long long)s.retained, (unsigned long long)s.profiler_allocated,
      (unsigned long long)s.profiler_resident, (unsigned long long)s.sample_promotion,
      (unsigned long long)s.allocator_internal, (unsigned long long)s.thread_caches, (unsigned long long)s.rss,
      (unsigned long long)s.rss_anon, (unsigned long long)s.rss_file, (unsigned long long)s.rss_shmem);
  return buf;
}

}  // namespace leakscope::profiler
