#include "leakscope/profiler/snapshotter.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/sample_promotion.h"
#include "leakscope/analyzer/snapshot_assembly.h"
#include "leakscope/analyzer/work_counter.h"
#include "leakscope/analyzer/writers.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/fd_contents.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "loaded_images.h"
#include "reset_sentinel.h"
#include "sample_promotion.h"
#include "symbolizer_helper.h"

namespace leakscope::profiler {
namespace {

// A helper gets this long; past it the snapshot is made in-process, unsymbolized.
constexpr std::chrono::milliseconds kHelperDeadline{30000};
// Helper messages passed on to stderr once each; more distinct ones than this are dropped.
constexpr size_t kMaxWarnings = 64;

int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string read_fd(int fd, const char* what) {
  std::optional<std::string> s = read_whole_fd(fd);
  if (!s) throw std::runtime_error(std::string("cannot read the ") + what);
  return std::move(*s);
}

void write_fd(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n <= 0) throw std::runtime_error("cannot write the snapshot");
    done += static_cast<size_t>(n);
  }
  // A helper that failed may have written more than this before it stopped.
  if (ftruncate(fd, static_cast<off_t>(bytes.size())) != 0) throw std::runtime_error("cannot write the snapshot");
}

std::vector<std::string> helper_args(const HeapDump& now, const SnapshotRequest& r) {
  std::vector<std::string> args = {"--format",
                                   r.format == SnapshotFormat::kLegacyText ? "legacy" : "proto",
                                   "--time-nanos",
                                   std::to_string(now.time_nanos()),
                                   "--sample-promotion-size",
                                   std::to_string(sample_promotion_size())};
  if (r.base) args.insert(args.end(), {"--duration-nanos", std::to_string(now.time_nanos() - r.base->time_nanos())});
  if (!r.default_sample_type.empty()) args.insert(args.end(), {"--default-sample-type", r.default_sample_type});
  for (const auto& image : loaded_images()) args.insert(args.end(), {"--image", analyzer::format_loaded_image(image)});
  for (const auto* list : {&now.comments(), &r.comments})
    for (const auto& c : *list) args.insert(args.end(), {"--comment", c});
  return args;
}

struct HelperSummary {
  int64_t inuse_space = -1;
  std::optional<uint64_t> sample_promotion;
};

HelperSummary parse_summary(const std::string& summary_json) {
  HelperSummary s;
  auto j = nlohmann::json::parse(summary_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return s;
  if (j.contains("totals") && j["totals"].contains("inuse_space") && j["totals"]["inuse_space"].is_number_integer())
    s.inuse_space = j["totals"]["inuse_space"].get<int64_t>();
  if (j.contains("sample_promotion") && j["sample_promotion"].is_number_unsigned())
    s.sample_promotion = j["sample_promotion"].get<uint64_t>();
  return s;
}

}  // namespace

HeapDump::HeapDump(int fd, int64_t time_nanos, std::vector<std::string> comments, uint64_t profiling_resets)
    : fd_(fd), time_nanos_(time_nanos), comments_(std::move(comments)), profiling_resets_(profiling_resets) {}
HeapDump::HeapDump(HeapDump&& o) noexcept
    : fd_(o.fd_),
      time_nanos_(o.time_nanos_),
      comments_(std::move(o.comments_)),
      profiling_resets_(o.profiling_resets_) {
  o.fd_ = -1;
}
HeapDump::HeapDump(HeapDump&& o, std::vector<std::string> comments) noexcept : HeapDump(std::move(o)) {
  comments_ = std::move(comments);
}
HeapDump::~HeapDump() {
  if (fd_ >= 0) close(fd_);
}

Snapshotter& Snapshotter::instance() {
  // Never destroyed: snapshots may be requested by other threads during exit.
  static Snapshotter* s = new Snapshotter;
  return *s;
}

SnapshotterStats Snapshotter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Snapshotter::set_work_counter(std::string unit, std::function<int64_t()> counter) {
  std::lock_guard lock(mu_);
  work_unit_ = std::move(unit);
  work_counter_ = std::move(counter);
}

HeapDump Snapshotter::dump() {
  ThreadSamplingOff quiet;
  arm_reset_sentinel();
  int64_t t = now_nanos();
  uint64_t resets = profiling_resets();
  int fd = -1;
  {
    SamplingPausedForDump pause;
    fd = dump_heap_to_memfd();
  }
  // A reset by the program since the last dump is counted now (dropping figures read off earlier
  // dumps); this dump was taken after it.
  if (detect_program_reset(fd)) ++resets;
  HeapDump dumped(fd, t, {}, resets);
  // This dump's sample promotion is not known yet: whoever reads the dump (the helper, or the
  // in-process fallback) fills the comment's field in encode(), off this process's CPU when it can.
  AllocatorStats figures = read_allocator_stats();
  figures.sample_promotion = 0;
  std::vector<std::string> comments = {"leakscope in-process snapshot", memory_figures_comment(figures)};
  {
    std::lock_guard lock(mu_);
    if (work_counter_) comments.push_back(analyzer::format_work_comment(work_counter_(), work_unit_));
  }
  if (uint64_t age_clock = allocation_age_clock_ms()) comments.push_back(analyzer::format_age_clock_comment(age_clock));
  return HeapDump(std::move(dumped), std::move(comments));
}

void Snapshotter::record_sample_promotion(const HeapDump& now, uint64_t bytes) {
  std::lock_guard lock(mu_);
  if (now.time_nanos() < stats_.last_sample_promotion_time_nanos) return;  // a newer dump's figure stands
  stats_.last_sample_promotion_bytes = bytes;
  stats_.last_sample_promotion_time_nanos = now.time_nanos();
  stats_.last_sample_promotion_resets = now.profiling_resets();
}

// Called with encode_mu_ held.
void Snapshotter::warn_once(const std::string& line) {
  for (const auto& w : warned_)
    if (w == line) return;
  if (warned_.size() >= kMaxWarnings) return;
  warned_.push_back(line);
  std::fprintf(stderr, "%s\n", line.c_str());
}

Snapshot Snapshotter::encode(const HeapDump& now, const SnapshotRequest& request) {
  std::lock_guard serial(encode_mu_);
  ThreadSamplingOff quiet;
  std::string helper = find_symbolizer_helper();
  Snapshot snap;
  int out = request.out_fd;
  if (helper.empty()) {
    snap = encode_in_process(now, request, "no snapshot helper found (LEAKSCOPE_SYMBOLIZER names it; see README)");
  } else {
    int memfd = out >= 0 ? -1 : memfd_create("leakscope-snapshot", MFD_CLOEXEC);
    if (out < 0 && memfd < 0) throw std::runtime_error("memfd_create failed");
    HelperRun run =
        run_symbolizer_helper(helper, {now.fd(), request.base ? request.base->fd() : -1, out >= 0 ? out : memfd},
                              helper_args(now, request), kHelperDeadline);
    for (const auto& e : run.errors) warn_once(e);
    if (run.ok) {
      if (memfd >= 0) snap.bytes = read_fd(memfd, "snapshot");
      snap.symbolized = true;
      HelperSummary summary = parse_summary(run.summary);
      snap.sampled_inuse_bytes = summary.inuse_space;
      // A summary without it (unreadable, or cut short): the figure is read here, as without a helper.
      record_sample_promotion(now, summary.sample_promotion
                                       ? *summary.sample_promotion
                                       : sample_promotion_bytes(now.fd(), sample_promotion_size()));
    }
    if (memfd >= 0) close(memfd);
    if (!run.ok) snap = encode_in_process(now, request, run.failure);
  }
  std::lock_guard lock(mu_);
  ++stats_.count;
  stats_.last_sampled_inuse_bytes = snap.sampled_inuse_bytes;
  stats_.last_time_nanos = now.time_nanos();
  stats_.last_symbolized = snap.symbolized;
  return snap;
}

// The fallback: the same assembly without a symbolizer. Costs the process the parse (transiently),
// never the DWARF state.
Snapshot Snapshotter::encode_in_process(const HeapDump& now, const SnapshotRequest& request, const std::string& why) {
  warn_once("leakscope: snapshots are unsymbolized: " + why +
            "; symbolize one later with `leakscope convert SNAPSHOT -o out.pb.gz --binary-path DIR`");
  std::string dump = read_fd(now.fd(), "heap dump"), base;
  std::string_view base_view;
  analyzer::SnapshotParts parts;
  parts.dump = dump;
  if (request.base) {
    base = read_fd(request.base->fd(), "heap dump");
    base_view = base;
    parts.base = &base_view;
    parts.duration_nanos = now.time_nanos() - request.base->time_nanos();
  }
  parts.images = loaded_images();
  // The scan the helper does when one runs (sample_promotion.h).
  uint64_t promotion = analyzer::sample_promotion_bytes(dump, sample_promotion_size());
  record_sample_promotion(now, promotion);
  for (const auto& c : now.comments()) parts.comments.push_back(analyzer::with_sample_promotion(c, promotion));
  parts.comments.insert(parts.comments.end(), request.comments.begin(), request.comments.end());
  parts.comments.push_back("leakscope: unsymbolized: " + why);
  parts.time_nanos = now.time_nanos();
  parts.default_sample_type = request.default_sample_type;
  analyzer::Profile p = analyzer::assemble_snapshot(parts, nullptr);
  Snapshot snap;
  snap.sampled_inuse_bytes = p.sample_index("inuse_space") >= 0 ? p.total(p.sample_index("inuse_space")) : -1;
  snap.bytes =
      request.format == SnapshotFormat::kLegacyText ? analyzer::write_legacy_heap_text(p) : analyzer::write_proto_gz(p);
  if (request.out_fd >= 0) {
    write_fd(request.out_fd, snap.bytes);
    snap.bytes.clear();
  }
  return snap;
}

std::string Snapshotter::take_proto_gz() {
  HeapDump now = dump();
  return encode(now, {}).bytes;
}

analyzer::Profile Snapshotter::take() {
  std::string gz = take_proto_gz();
  ThreadSamplingOff quiet;
  return analyzer::read_proto(analyzer::gunzip(gz, "snapshot", 1ull << 30), "snapshot");
}

}  // namespace leakscope::profiler
