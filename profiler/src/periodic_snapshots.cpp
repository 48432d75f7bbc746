#include "leakscope/profiler/periodic_snapshots.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "cgroup_memory.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/snapshotter.h"
#include "periodic_task.h"

namespace leakscope::profiler {
namespace fs = std::filesystem;

PeriodicSnapshots::PeriodicSnapshots(PeriodicSnapshotOptions options)
    : options_(std::move(options)), task_(std::make_unique<PeriodicTask>()) {}

PeriodicSnapshots::~PeriodicSnapshots() { stop(); }

void PeriodicSnapshots::start() {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (!fs::is_directory(options_.dir)) throw std::runtime_error("cannot create snapshot directory " + options_.dir);
  last_time_ = std::chrono::steady_clock::now();
  last_allocated_ = high_water_ = read_allocator_stats().allocated;
  if (options_.cgroup_fraction > 0) {
    cgroup_ = std::make_unique<CgroupMemoryReader>();
    if (!cgroup_->found())
      std::fprintf(stderr, "leakscope: no cgroup memory controller found; the cgroup snapshot trigger is off\n");
  }
  // Check often enough for growth triggers; time triggers are exact to this granularity.
  auto tick = std::chrono::milliseconds(options_.interval_seconds > 0 && options_.interval_seconds < 0.5
                                            ? static_cast<int>(options_.interval_seconds * 1000 / 2 + 1)
                                            : 250);
  task_->start(tick, [this] { check(); });
}

void PeriodicSnapshots::stop() { task_->stop(); }

uint64_t PeriodicSnapshots::written() const {
  std::lock_guard lock(mu_);
  return seq_;
}

void PeriodicSnapshots::write_one(const std::string& trigger) {
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = seq_ + 1;
  }
  std::string base = options_.name + "." + std::to_string(::getpid()) + ".";
  fs::path path = fs::path(options_.dir) / (base + std::to_string(seq) + ".pb.gz");
  fs::path tmp = path.string() + ".tmp";
  {
    auto& snapshotter = Snapshotter::instance();
    HeapDump now = snapshotter.dump();
    // The helper writes straight into the file: the encoded snapshot never passes through this heap.
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      std::fprintf(stderr, "leakscope: cannot write snapshot %s\n", tmp.c_str());
      return;
    }
    SnapshotRequest request;
    request.out_fd = fd;
    request.comments.push_back("leakscope:trigger=" + trigger);
    try {
      snapshotter.encode(now, request);
    } catch (...) {
      ::close(fd);
      fs::remove(tmp);
      throw;
    }
    ::close(fd);
  }
  fs::rename(tmp, path);  // readers never see a half-written snapshot
  {
    std::lock_guard lock(mu_);
    seq_ = seq;
  }
  if (options_.retain == 0 || seq <= options_.retain) return;
  std::error_code ec;
  fs::remove(fs::path(options_.dir) / (base + std::to_string(seq - options_.retain) + ".pb.gz"), ec);
}

std::string PeriodicSnapshots::due_trigger(std::chrono::steady_clock::time_point now, uint64_t allocated) {
  auto seconds_since = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(now - t).count();
  };
  if (options_.interval_seconds > 0 && seconds_since(last_time_) >= options_.interval_seconds) return "interval";
  if (options_.growth_bytes > 0 && allocated >= last_allocated_ + options_.growth_bytes) return "growth";
  if (triggered_once_ && seconds_since(last_triggered_) < options_.min_gap_seconds) return "";
  if (options_.high_water_percent > 0 &&
      static_cast<double>(allocated) >= static_cast<double>(high_water_) * (1 + options_.high_water_percent / 100)) {
    high_water_ = allocated;
    return "high-water";
  }
  if (options_.rss_above_bytes > 0 && process_rss_bytes() > options_.rss_above_bytes) return "rss";
  if (cgroup_ && options_.cgroup_fraction > 0)
    if (auto m = cgroup_->read();
        m && m->limit > 0 && static_cast<double>(m->usage) >= options_.cgroup_fraction * static_cast<double>(m->limit))
      return "cgroup";
  return "";
}

// One tick: a snapshot when a trigger is due.
void PeriodicSnapshots::check() {
  auto now = std::chrono::steady_clock::now();
  uint64_t allocated = read_allocator_stats().allocated;
  std::string trigger = due_trigger(now, allocated);
  if (trigger.empty()) return;
  try {
    write_one(trigger);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakscope: snapshot failed: %s\n", e.what());
  }
  if (trigger == "interval" || trigger == "growth") {
    last_time_ = now;
    last_allocated_ = allocated;
  } else {
    last_triggered_ = now;
    triggered_once_ = true;
  }
}

}  // namespace leakscope::profiler
