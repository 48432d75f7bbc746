// Builds a Profile from address stacks with (inuse, alloc) count/bytes pairs — what both the
// jemalloc heap_v2 reader and the legacy text reader produce. Deduplicates addresses into
// locations, subtracts 1 from return addresses, unsamples each pair, and picks the sample types.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct HeapCounts {
  int64_t inuse_objects = 0, inuse_bytes = 0, alloc_objects = 0, alloc_bytes = 0;
};

class HeapProfileBuilder {
 public:
  explicit HeapProfileBuilder(int64_t period) : period_(period) {}

  // `pcs` are return addresses, leaf first. Counts are as sampled (unsampled here).
  void add(const std::vector<uint64_t>& pcs, const HeapCounts& sampled, std::vector<Label> labels = {});
  // Whether any cumulative (alloc) data exists decides the sample types.
  void set_has_alloc(bool v) { has_alloc_ = v; }
  // Resolves locations to `mappings` (sorted by start is not required) and returns the profile.
  Profile finish(std::vector<Mapping> mappings);

 private:
  struct PendingSample {
    std::vector<uint64_t> location_ids;
    HeapCounts counts;
    std::vector<Label> labels;
  };
  int64_t period_;
  bool has_alloc_ = false;
  std::unordered_map<uint64_t, uint64_t> location_of_address_;
  std::vector<uint64_t> addresses_;  // by location id - 1
  std::vector<PendingSample> samples_;
};

}  // namespace leakscope::analyzer
