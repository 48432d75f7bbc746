#include "heap_profile_builder.h"

#include <algorithm>

#include "leakscope/analyzer/unsample.h"
#include "memory_map.h"

namespace leakscope::analyzer {

void HeapProfileBuilder::add(const std::vector<uint64_t>& pcs, const HeapCounts& sampled, std::vector<Label> labels) {
  PendingSample s;
  s.location_ids.reserve(pcs.size());
  for (uint64_t pc : pcs) {
    // Return addresses point after the call; step back onto the call instruction.
    uint64_t address = pc > 0 ? pc - 1 : 0;
    auto [it, inserted] = location_of_address_.try_emplace(address, addresses_.size() + 1);
    if (inserted) addresses_.push_back(address);
    s.location_ids.push_back(it->second);
  }
  auto [io, ib] = unsample(sampled.inuse_objects, sampled.inuse_bytes, period_);
  auto [ao, ab] = unsample(sampled.alloc_objects, sampled.alloc_bytes, period_);
  s.counts = {io, ib, ao, ab};
  s.labels = std::move(labels);
  samples_.push_back(std::move(s));
}

Profile HeapProfileBuilder::finish(std::vector<Mapping> mappings) {
  Profile p;
  p.period_type = {"space", "bytes"};
  p.period = period_;
  if (has_alloc_)
    p.sample_types = {
        {"alloc_objects", "count"}, {"alloc_space", "bytes"}, {"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  else
    p.sample_types = {{"inuse_objects", "count"}, {"inuse_space", "bytes"}};
  p.default_sample_type = "inuse_space";

  std::vector<Mapping> sorted = mappings;
  std::sort(sorted.begin(), sorted.end(), [](const Mapping& a, const Mapping& b) { return a.start < b.start; });
  p.mappings = std::move(mappings);
  p.locations.resize(addresses_.size());
  for (size_t i = 0; i < addresses_.size(); ++i) {
    auto& loc = p.locations[i];
    loc.id = i + 1;
    loc.address = addresses_[i];
    int m = find_mapping(sorted, loc.address);
    if (m >= 0) loc.mapping_id = sorted[m].id;
  }
  p.samples.reserve(samples_.size());
  for (auto& ps : samples_) {
    Sample s;
    s.location_ids = std::move(ps.location_ids);
    if (has_alloc_)
      s.values = {ps.counts.alloc_objects, ps.counts.alloc_bytes, ps.counts.inuse_objects, ps.counts.inuse_bytes};
    else
      s.values = {ps.counts.inuse_objects, ps.counts.inuse_bytes};
    s.labels = std::move(ps.labels);
    p.samples.push_back(std::move(s));
  }
  samples_.clear();
  return p;
}

}  // namespace leakscope::analyzer
