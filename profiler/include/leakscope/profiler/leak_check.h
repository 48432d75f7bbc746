// Leak checks for test suites: what a piece of code left live, and which functions hold it.
// LeakSanitizer and Valgrind report memory nothing points to; both historic relay leaks were
// *reachable* (a backlog, a listener registry still referenced), so they passed them. A LeakCheck
// compares jemalloc's live totals before and after the code instead, and, with profiling on, names
// the allocating functions from the delta of two heap dumps.
//
// Figures are process-wide: allocations other threads make in the window count too (only this
// thread's cache is flushed, so other threads' figures may lag). They are exact when every
// allocation is sampled (MALLOC_CONF=lg_prof_sample:0, what leakscope_add_leak_checked_test sets:
// the delta profile's totals are then the figures);
// at a coarser rate the byte and object totals stay exact but the named sites are estimates.
//
// Configuration (LEAKSCOPE_LEAKCHECK_SUPPRESSIONS names the file, like LSan's suppressions):
//   # a comment
//   max_bytes 4096            net bytes allowed (default 4096)
//   max_objects 16            net objects allowed (default 16)
//   ^absl::Registry  reason   any other line: a function regex (RE2, unanchored, no spaces), then why
// Growth whose stack has a suppressed function anywhere on it (LSan's rule: the library code it calls
// is covered too) does not count against the thresholds; the report lists it, marked.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "leakscope/analyzer/pattern.h"

namespace leakscope::profiler {

class HeapDump;

struct LeakSuppression {
  analyzer::Pattern function;
  std::string reason;
};

struct LeakCheckConfig {
  int64_t max_bytes = 4096;
  int64_t max_objects = 16;
  std::vector<LeakSuppression> suppressions;

  // Parses the format above; throws std::invalid_argument "<source>:<line>: <why>".
  static LeakCheckConfig parse(const std::string& text, const std::string& source);
  // The file named by LEAKSCOPE_LEAKCHECK_SUPPRESSIONS, or the defaults when it is unset.
  static LeakCheckConfig from_environment();
};

// Net figures of jemalloc for the whole process.
struct LiveTotals {
  int64_t bytes = 0;    // stats.allocated
  int64_t objects = 0;  // small + large nmalloc - ndalloc over all arenas
};
LiveTotals read_live_totals();  // refreshes the stats epoch, flushes this thread's tcache

// One function that holds memory the checked code left live (the first frame outside the allocator
// and the standard library).
struct LeakSite {
  std::string function;
  std::string file;
  int64_t line = 0;
  int64_t bytes = 0;
  int64_t objects = 0;
  std::string suppressed;  // the suppression's reason, when one matched
};

struct RunGrowth {
  int run = 0;  // 1-based
  int64_t bytes = 0;
  int64_t objects = 0;
};

struct LeakReport {
  int64_t bytes = 0;  // net growth that counts (repeat: over runs 2..n)
  int64_t objects = 0;
  int64_t suppressed_bytes = 0;
  int64_t suppressed_objects = 0;
  std::vector<RunGrowth> runs;  // repeat only: every run, the warm-up included
  bool leaked = false;
  bool profiled = false;        // sites come from a delta profile
  std::vector<LeakSite> sites;  // by bytes, largest first
  std::string delta_proto_gz;   // the delta profile, when one was taken
  std::string why;              // one line: the verdict and its reason

  // The verdict, the per-run growth and a table: function, file:line, bytes, objects.
  std::string text() const;
};

class LeakCheck {
 public:
  explicit LeakCheck(LeakCheckConfig config = LeakCheckConfig::from_environment());
  ~LeakCheck();
  LeakCheck(const LeakCheck&) = delete;
  LeakCheck& operator=(const LeakCheck&) = delete;

  // Takes the first heap dump (when profiling is active) and the live totals.
  void start();
  // Compares with start(); takes the delta profile only when the growth is over a threshold.
  LeakReport finish();

  // Runs `body` n times (n >= 2). The first run is a warm-up (caches, lazy statics) and does not
  // count; a leak is growth over runs 2..n above a threshold *and* growth in at least half of them.
  static LeakReport repeat(int n, const std::function<void()>& body,
                           const LeakCheckConfig& config = LeakCheckConfig::from_environment());

 private:
  // Decides on `growth` and, when it is over a threshold and a dump was taken, names the sites.
  LeakReport judge(LiveTotals growth);

  LeakCheckConfig config_;
  std::unique_ptr<HeapDump> before_;
  LiveTotals start_totals_;
};

// Whether jemalloc is sampling now (so a LeakCheck can name sites).
bool leak_check_can_profile();

}  // namespace leakscope::profiler
