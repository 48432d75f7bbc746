// In-process heap snapshots: prof.dump -> the analyzer's jemalloc reader -> in-process
// symbolization (a Symbolizer cached across snapshots) -> a self-contained profile.
// Snapshots are serialized; the calling thread does not sample while it works.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "leakscope/analyzer/profile.h"

namespace leakscope {
class Symbolizer;
}

namespace leakscope::profiler {

class Snapshotter {
 public:
  static Snapshotter& instance();

  // A symbolized heap profile of this process now, with allocator frames marked as drop_frames.
  // Throws std::runtime_error when profiling is not enabled.
  Profile take();
  // The same, as gzipped profile.proto.
  std::string take_proto_gz();
  uint64_t count() const;
  // A count of work done (messages, requests); each snapshot records its value, so a trend can
  // report growth per unit of work, not only per second.
  void set_work_counter(std::string unit, std::function<int64_t()> counter);

 private:
  Snapshotter();
  ~Snapshotter();
  mutable std::mutex mu_;
  std::unique_ptr<Symbolizer> symbolizer_;
  uint64_t count_ = 0;
  std::string work_unit_;
  std::function<int64_t()> work_counter_;
};

}  // namespace leakscope::profiler
