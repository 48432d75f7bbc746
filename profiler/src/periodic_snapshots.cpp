#include "leakscope/profiler/periodic_snapshots.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

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
  last_allocated_ = read_allocator_stats().allocated;
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

void PeriodicSnapshots::write_one() {
  std::string bytes = Snapshotter::instance().take_proto_gz();
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = seq_ + 1;
  }
  std::string base = options_.name + "." + std::to_string(::getpid()) + ".";
  fs::path path = fs::path(options_.dir) / (base + std::to_string(seq) + ".pb.gz");
  fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "leakscope: cannot write snapshot %s\n", tmp.c_str());
      return;
    }
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

// One tick: a snapshot when the interval has passed or allocated memory grew enough.
void PeriodicSnapshots::check() {
  auto now = std::chrono::steady_clock::now();
  uint64_t allocated = read_allocator_stats().allocated;
  bool due = options_.interval_seconds > 0 &&
             std::chrono::duration<double>(now - last_time_).count() >= options_.interval_seconds;
  bool grown = options_.growth_bytes > 0 && allocated >= last_allocated_ + options_.growth_bytes;
  if (!due && !grown) return;
  try {
    write_one();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakscope: snapshot failed: %s\n", e.what());
  }
  last_time_ = now;
  last_allocated_ = allocated;
}

}  // namespace leakscope::profiler
