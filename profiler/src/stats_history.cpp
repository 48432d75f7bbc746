#include "leakscope/profiler/stats_history.h"

#include "leakscope/profiler/jemalloc_control.h"

namespace leakscope::profiler {

StatsHistory::StatsHistory(size_t capacity, std::chrono::milliseconds period) : capacity_(capacity), period_(period) {
  ring_.reserve(capacity_);
}

StatsHistory::~StatsHistory() { stop(); }

void StatsHistory::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void StatsHistory::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

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

void StatsHistory::run() {
  set_thread_profiling_active(false);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    AllocatorStats s = read_allocator_stats();
    record(s);
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace leakscope::profiler
