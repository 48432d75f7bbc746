// Snapshot series for trend analysis, and snapshots before an OOM: every N seconds, every M bytes of
// growth in stats.allocated, a new high-water mark of allocated, RSS above a size, or the cgroup's
// memory use above a fraction of its limit — the triggers at most once per `min_gap_seconds`.
// Written as DIR/<name>.<pid>.<seq>.pb.gz (a "leakscope:trigger=NAME" comment says which trigger),
// keeping the newest `retain` files.
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
  double interval_seconds = 0;    // 0: not time-based
  uint64_t growth_bytes = 0;      // 0: not growth-based
  unsigned retain = 100;          // 0: keep all
  double high_water_percent = 0;  // allocated above the last high-water snapshot's by this %; 0: off
  uint64_t rss_above_bytes = 0;   // RSS above this; 0: off
  double cgroup_fraction = 0;     // cgroup memory use above this fraction of its limit; 0: off
  double min_gap_seconds = 10;    // between two snapshots of the triggers above
};

class PeriodicTask;
class CgroupMemoryReader;

class PeriodicSnapshots {
 public:
  explicit PeriodicSnapshots(PeriodicSnapshotOptions options);
  ~PeriodicSnapshots();
  void start();  // throws std::runtime_error when the directory cannot be created
  void stop();
  uint64_t written() const;

 private:
  void check();
  // The trigger due now ("interval", "growth", "high-water", "rss", "cgroup"), or "".
  std::string due_trigger(std::chrono::steady_clock::time_point now, uint64_t allocated);
  void write_one(const std::string& trigger);
  PeriodicSnapshotOptions options_;
  mutable std::mutex mu_;
  uint64_t seq_ = 0;
  std::chrono::steady_clock::time_point last_time_;
  uint64_t last_allocated_ = 0;
  uint64_t high_water_ = 0;
  std::chrono::steady_clock::time_point last_triggered_{};
  bool triggered_once_ = false;
  std::unique_ptr<CgroupMemoryReader> cgroup_;
  std::unique_ptr<PeriodicTask> task_;
};

}  // namespace leakscope::profiler
