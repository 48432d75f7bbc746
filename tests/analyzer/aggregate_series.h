// Test input for the trend rules: a series of aggregates from per-function flat values.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "leakscope/analyzer/aggregate.h"

namespace leakscope::analyzer {

// One vector of flat values per function, all of one length (the snapshots); totals are their sums.
inline std::vector<Aggregate> series(const std::map<std::string, std::vector<int64_t>>& values) {
  size_t n = values.begin()->second.size();
  std::vector<Aggregate> out(n);
  for (const auto& [name, v] : values)
    for (size_t i = 0; i < n; ++i) {
      out[i].nodes[name] = {v[i], v[i]};
      out[i].total += v[i];
    }
  return out;
}

}  // namespace leakscope::analyzer
