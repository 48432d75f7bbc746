#include "leakscope/analyzer/memory_figures.h"

#include <algorithm>
#include <sstream>

namespace leakscope::analyzer {

std::optional<MemoryFigures> memory_figures_of(const Profile& p) {
  for (const auto& c : p.comments) {
    if (c.rfind(kMemoryCommentPrefix, 0) != 0) continue;
    MemoryFigures m;
    std::istringstream in(c.substr(std::char_traits<char>::length(kMemoryCommentPrefix)));
    for (std::string kv; in >> kv;) {
      auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      int64_t v = 0;
      try {
        v = std::stoll(kv.substr(eq + 1));
      } catch (const std::logic_error&) {
        continue;
      }
      std::string key = kv.substr(0, eq);
      for (auto [name, field] : {std::pair{"allocated", &m.allocated},
                                 {"active", &m.active},
                                 {"metadata", &m.metadata},
                                 {"resident", &m.resident},
                                 {"retained", &m.retained},
                                 {"profiler_allocated", &m.profiler_allocated},
                                 {"profiler_resident", &m.profiler_resident},
                                 {"sample_promotion", &m.sample_promotion},
                                 {"internal", &m.internal},
                                 {"tcache", &m.tcache},
                                 {"rss", &m.rss},
                                 {"rss_anon", &m.rss_anon},
                                 {"rss_file", &m.rss_file},
                                 {"rss_shmem", &m.rss_shmem}})
        if (key == name) *field = v;
    }
    return m;
  }
  return std::nullopt;
}

std::vector<RssPart> rss_breakdown(const MemoryFigures& m, int64_t sampled_heap) {
  // jemalloc's resident is an upper bound (pages it has dirtied); never more than the anonymous RSS.
  int64_t resident = std::min(m.resident, m.rss_anon);
  int64_t service =
      std::max<int64_t>(0, m.allocated - m.profiler_allocated - m.sample_promotion - m.internal - m.tcache);
  int64_t sampled = sampled_heap >= 0 ? std::min(sampled_heap, service) : 0;
  int64_t fragmentation = std::max<int64_t>(0, m.active - m.allocated);
  int64_t beyond_active = std::max<int64_t>(0, resident - std::max(m.active, m.allocated));
  std::vector<RssPart> rows;
  if (sampled_heap >= 0) {
    rows.push_back({"heap profile (sampled estimate)", sampled, "what the profile's stacks explain"});
    rows.push_back(
        {"other service allocations", service - sampled, "allocated less the estimate: sampling error and unsampled"});
  } else {
    rows.push_back({"service allocations", service, "jemalloc allocated less the profiler's"});
  }
  rows.push_back({"profiler's own", m.profiler_allocated, "its arena: debug server, buffers"});
  rows.push_back({"sample promotion", m.sample_promotion, "jemalloc gives each sampled small object a 16 KiB extent"});
  rows.push_back({"allocator internal", m.internal, "jemalloc's records of sampled stacks, thread caches"});
  rows.push_back({"thread caches", m.tcache, "freed objects jemalloc keeps per thread for reuse"});
  rows.push_back({"fragmentation", fragmentation, "active pages less allocated bytes"});
  rows.push_back(
      {"metadata and dirty pages", beyond_active, "resident less active: jemalloc metadata, unpurged pages"});
  rows.push_back({"jemalloc resident", resident, "", true});
  rows.push_back(
      {"other anonymous", std::max<int64_t>(0, m.rss_anon - resident), "thread stacks, other allocators, mmap"});
  rows.push_back({"file-backed", m.rss_file, "code and mapped files"});
  rows.push_back({"shared memory", m.rss_shmem, ""});
  rows.push_back({"RSS", m.rss, "", true});
  return rows;
}

}  // namespace leakscope::analyzer
