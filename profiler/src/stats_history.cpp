#include "leakscope/profiler/stats_history.h"

#include "periodic_task.h"

namespace leakscope::profiler {

StatsHistory::StatsHistory(size_t capacity, std::chrono::milliseconds period)
    : capacity_(capacity), period_(period), task_(std::make_unique<PeriodicTask>()) {
  ring_.reserve(capacity_);
}

StatsHistory::~StatsHistory() { stop(); }

void StatsHistory::start() {
  task_->start(period_, [this] { record(read_allocator_stats()); });
}

void StatsHistory::stop() { task_->stop(); }

void StatsHistory::record(const AllocatorStats& s) {
  std::lock_guard lock(mu_);
  if (ring_.size() < capacity_) {
    ring_.push_back(s);
  } else {
    ring_[next_] = s;
  }
  next_ = (next_ + 1) % capacity_;
}

std::vector<AllocatorStats> StatsHistory::samples() const {
  std::lock_guard lock(mu_);
  if (ring_.size() < capacity_) return ring_;
  std::vector<AllocatorStats> out(ring_.begin() + static_cast<long>(next_), ring_.end());
  out.insert(out.end(), ring_.begin(), ring_.begin() + static_cast<long>(next_));
  return out;
}

}  // namespace leakscope::profiler
