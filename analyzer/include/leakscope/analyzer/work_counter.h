// A work counter carried in a profile's comments ("leakscope:work=12345 messages"), so that trend
// can relate growth to work done. Written by the profiler's snapshots, read by trend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct WorkCount {
  int64_t value = 0;
  std::string unit;
};

std::string format_work_comment(int64_t value, const std::string& unit);
std::optional<WorkCount> work_count_of(const Profile& p);

}  // namespace leakscope::analyzer
