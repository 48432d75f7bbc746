// Snapshot series for trend analysis: every N seconds and/or every M bytes of growth in
// stats.allocated, written as DIR/<name>.<pid>.<seq>.pb.gz, keeping the newest `retain` files.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace leakscope::profiler {

struct PeriodicSnapshotOptions {
  std::string dir;
  std::string name = "heap";
  double interval_seconds = 0;  // 0: not time-based
  uint64_t growth_bytes = 0;    // 0: not growth-based
  unsigned retain = 100;        // 0: keep all
};

class PeriodicTask;

class PeriodicSnapshots {
 public:
  explicit PeriodicSnapshots(PeriodicSnapshotOptions options);
  ~PeriodicSnapshots();
  void start();  // throws std::runtime_error when the directory cannot be created
  void stop();
  uint64_t written() const;

 private:
  void check();
  void write_one();
  PeriodicSnapshotOptions options_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::chrono::steady_clock::time_point last_time_;
  uint64_t last_allocated_ = 0;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace leakscope::profiler
