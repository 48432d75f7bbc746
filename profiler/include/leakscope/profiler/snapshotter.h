// Heap snapshots of this process at a bounded cost to it. Inside the process only what must happen
// there: jemalloc's prof.dump (into a memfd, off the heap) and the build-ids of the loaded images.
// Symbolization runs in a short-lived helper process (`leakscope symbolize-snapshot`, see
// symbolizer_helper.h), so its DWARF state never becomes the service's memory. When no helper can
// run, the snapshot is still produced in-process, unsymbolized but with mappings and build-ids, and a
// warning says how to symbolize it later. Snapshots are serialized; the calling thread does not sample
// while it works.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::profiler {

// A prof.dump held in a memfd, with the moment it was taken.
class HeapDump {
 public:
  HeapDump(int fd, int64_t time_nanos, std::vector<std::string> comments, uint64_t profiling_resets = 0);
  HeapDump(HeapDump&& other) noexcept;
  HeapDump(HeapDump&& dumped, std::vector<std::string> comments) noexcept;  // the same dump, these comments
  HeapDump& operator=(HeapDump&&) = delete;
  ~HeapDump();
  int fd() const { return fd_; }
  int64_t time_nanos() const { return time_nanos_; }
  const std::vector<std::string>& comments() const { return comments_; }  // work count, memory figures
  uint64_t profiling_resets() const { return profiling_resets_; }         // jemalloc_control.h's count when dumped

 private:
  int fd_;
  int64_t time_nanos_;
  std::vector<std::string> comments_;
  uint64_t profiling_resets_;
};

enum class SnapshotFormat { kProtoGz, kLegacyText };

struct SnapshotRequest {
  SnapshotFormat format = SnapshotFormat::kProtoGz;
  const HeapDump* base = nullptr;     // a delta: the result is now - base
  int out_fd = -1;                    // write the encoding here (from offset 0) instead of returning it
  std::vector<std::string> comments;  // e.g. the trigger that asked for it
  std::string default_sample_type;    // when the profile has it (allocs: "alloc_space")
};

struct Snapshot {
  std::string bytes;  // the encoded profile; empty when written to out_fd
  bool symbolized = false;
  int64_t sampled_inuse_bytes = -1;  // the profile's unsampled inuse_space total
};

struct SnapshotterStats {
  uint64_t count = 0;
  int64_t last_sampled_inuse_bytes = -1;  // -1 before the first snapshot
  int64_t last_time_nanos = 0;
  bool last_symbolized = false;
  // What the newest encoded dump's live samples add to stats.allocated, read off that dump (by the
  // helper, or in-process when none runs); the time that dump was taken (0 before any) and
  // profiling_resets() then, since a prof.reset makes the figure stale (allocator_stats.h).
  uint64_t last_sample_promotion_bytes = 0;
  int64_t last_sample_promotion_time_nanos = 0;
  uint64_t last_sample_promotion_resets = 0;
};

class Snapshotter {
 public:
  static Snapshotter& instance();

  // prof.dump now. Throws std::runtime_error when profiling is not enabled.
  HeapDump dump();
  // Encodes `now` (symbolized by the helper when one runs). Throws std::runtime_error.
  Snapshot encode(const HeapDump& now, const SnapshotRequest& request);
  // dump() + encode() as gzipped profile.proto.
  std::string take_proto_gz();
  // The same, decoded (for tests and callers that want the model).
  analyzer::Profile take();
  SnapshotterStats stats() const;
  uint64_t count() const { return stats().count; }
  // A count of work done (messages, requests); each snapshot records its value, so a trend can
  // report growth per unit of work, not only per second.
  void set_work_counter(std::string unit, std::function<int64_t()> counter);

 private:
  Snapshotter() = default;
  Snapshot encode_in_process(const HeapDump& now, const SnapshotRequest& request, const std::string& why);
  void warn_once(const std::string& line);
  void record_sample_promotion(const HeapDump& now, uint64_t bytes);

  std::mutex encode_mu_;   // one snapshot at a time; held while the helper runs
  mutable std::mutex mu_;  // the figures below, never held across a dump or a helper run
  SnapshotterStats stats_;
  std::string work_unit_;
  std::function<int64_t()> work_counter_;
  std::vector<std::string> warned_;  // helper messages already passed on (bounded)
};

}  // namespace leakscope::profiler
