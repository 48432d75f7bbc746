// A ring of allocator statistics sampled once a second, for the live charts.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "leakscope/profiler/allocator_stats.h"

namespace leakscope::profiler {

class PeriodicTask;

class StatsHistory {
 public:
  explicit StatsHistory(size_t capacity = 600, std::chrono::milliseconds period = std::chrono::seconds(1));
  ~StatsHistory();
  void start();
  void stop();
  void record(const AllocatorStats& s);
  std::vector<AllocatorStats> samples() const;  // oldest first

 private:
  size_t capacity_;
  std::chrono::milliseconds period_;
  mutable std::mutex mu_;
  std::vector<AllocatorStats> ring_;
  size_t next_ = 0;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace leakscope::profiler
