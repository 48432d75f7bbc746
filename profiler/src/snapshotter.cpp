#include "leakscope/profiler/snapshotter.h"

#include <chrono>
#include <stdexcept>

#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/work_counter.h"
#include "leakscope/analyzer/writers.h"
#include "leakscope/profiler/jemalloc_control.h"

namespace leakscope::profiler {

// Bound on addresses the symbolizer remembers between snapshots (about 100 bytes each).
constexpr size_t kMaxCachedAddresses = 256 * 1024;

Snapshotter& Snapshotter::instance() {
  // Never destroyed: snapshots may be requested by other threads during exit.
  static Snapshotter* s = new Snapshotter;
  return *s;
}

Snapshotter::Snapshotter() {
  ThreadSamplingOff quiet;
  symbolizer_ = std::make_unique<Symbolizer>(SymbolizeOptions{}, kMaxCachedAddresses);
}

Snapshotter::~Snapshotter() = default;

uint64_t Snapshotter::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

void Snapshotter::set_work_counter(std::string unit, std::function<int64_t()> counter) {
  std::lock_guard lock(mu_);
  work_unit_ = std::move(unit);
  work_counter_ = std::move(counter);
}

Profile Snapshotter::take() {
  std::lock_guard lock(mu_);
  ThreadSamplingOff quiet;  // the dump, parse and symbolization must not be sampled themselves
  auto now = std::chrono::system_clock::now();
  std::string text = dump_heap();
  Profile p = read_jemalloc_heap(text, "prof.dump");
  text.clear();
  text.shrink_to_fit();
  symbolizer_->symbolize(p);
  p.drop_frames = allocator_frames_regex();
  p.time_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  p.comments.push_back("leakscope in-process snapshot");
  if (work_counter_) p.comments.push_back(format_work_comment(work_counter_(), work_unit_));
  ++count_;
  return p;
}

std::string Snapshotter::take_proto_gz() {
  Profile p = take();
  ThreadSamplingOff quiet;
  return write_proto_gz(p);
}

}  // namespace leakscope::profiler
