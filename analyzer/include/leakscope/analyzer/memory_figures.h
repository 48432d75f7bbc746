// The memory figures a leakscope snapshot carries in its comments ("leakscope:memory allocated=N ...",
// written by the profiler at dump time), and the breakdown of RSS they give: what the heap profile
// explains, what jemalloc holds beyond it, the profiler's own share, and what is outside jemalloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct MemoryFigures {
  int64_t allocated = 0, active = 0, metadata = 0, resident = 0, retained = 0;
  int64_t profiler_allocated = 0, profiler_resident = 0;
  int64_t sample_promotion = 0;  // what live samples add to allocated (jemalloc's 16 KiB extent per sampled object)
  int64_t internal = 0;          // jemalloc's internal allocations: profiling's per-stack records, thread caches
  int64_t tcache = 0;            // freed objects kept in thread caches, counted in allocated
  int64_t rss = 0, rss_anon = 0, rss_file = 0, rss_shmem = 0;
};

inline constexpr const char* kMemoryCommentPrefix = "leakscope:memory ";

// The figures of the profile's "leakscope:memory" comment, if it has one.
std::optional<MemoryFigures> memory_figures_of(const Profile& p);

struct RssPart {
  std::string name;
  int64_t bytes = 0;
  std::string note;
  bool total = false;  // a sum line
};

// Rows that add up to RSS: jemalloc resident (split into the sampled heap estimate, the rest of the
// service's allocations, the profiler's arena, sample promotion, jemalloc's internal records, thread caches,
// fragmentation and dirty pages), other anonymous, file-backed and shared memory. `sampled_heap` is the profile's
// inuse_space total, or -1.
std::vector<RssPart> rss_breakdown(const MemoryFigures& m, int64_t sampled_heap);

}  // namespace leakscope::analyzer
