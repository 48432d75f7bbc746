// Runs a function now and then every `period` on a thread of its own, until stopped. The thread
// never samples: the profiler's own work must not show up in what it measures.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "leakscope/profiler/jemalloc_control.h"

namespace leakscope::profiler {

class PeriodicTask {
 public:
  ~PeriodicTask() { stop(); }

  void start(std::chrono::milliseconds period, std::function<void()> tick) {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this, period, tick = std::move(tick)] {
      become_profiler_thread();
      std::unique_lock lock(mu_);
      while (!stopping_) {
        lock.unlock();
        tick();
        lock.lock();
        wake_.wait_for(lock, period, [this] { return stopping_; });
      }
    });
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace leakscope::profiler
