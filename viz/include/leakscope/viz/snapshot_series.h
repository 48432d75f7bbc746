// A time-ordered series of heap snapshots for `leakscope serve DIR|SNAP...|URL`: each snapshot is
// kept as a summary (file, time, total, flat bytes per function, the profiler's memory figures),
// and only the few profiles a view needs (a window's two ends) are read again on demand, through a
// small cache, so a 1,000-snapshot series does not hold 1,000 full profiles in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "leakscope/analyzer/memory_figures.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/trend_report.h"

namespace leakscope::viz {

struct SnapshotSummary {
  std::string file;
  int64_t time_nanos = 0;  // 0: the snapshot carries no time
  int64_t total = 0;       // at the series' sample type, every sample
  int64_t period = 1;
  std::optional<analyzer::MemoryFigures> memory;
  uint64_t order = 0;  // the feed's order: ties on time (and snapshots without one) keep it
};

// How far a feed's background reading of the series has come (pages show it while it lasts).
struct LoadProgress {
  size_t read = 0, expected = 0;
  bool done() const { return read >= expected; }
};

class SnapshotSeries {
 public:
  // `load` reads (and symbolizes) one snapshot, throwing InputError; `sample_type` empty: the first
  // snapshot's default. At most `max_snapshots` are kept: a live series drops its oldest.
  using Loader = std::function<analyzer::Profile(const std::string& source)>;
  SnapshotSeries(Loader load, analyzer::StackOptions stacks, std::string sample_type, size_t max_snapshots,
                 size_t cached_profiles = 4);

  // Reads and summarizes `source`, keeping the series in time order (then `order`). Returns a
  // warning (the file is skipped) when it cannot be read or lacks the series' sample type; an empty
  // string when added. Safe to call from several threads once one snapshot is in.
  std::string add(const std::string& source, uint64_t order);

  void set_progress(LoadProgress p);
  LoadProgress progress() const;

  size_t size() const;
  // Changes with every snapshot added (or dropped with it): a page drawn at another generation is stale.
  uint64_t generation() const;
  analyzer::ValueType sample_type() const;
  std::vector<SnapshotSummary> summaries() const;
  std::string file(size_t index) const;
  // Seconds since the first snapshot, per snapshot; the index when the snapshots carry no times.
  std::vector<double> times_s() const;
  bool has_times() const;
  // The full profile of snapshot `index`, read again through the cache.
  std::shared_ptr<const analyzer::Profile> profile(size_t index) const;
  // The trend verdict over snapshots [from, to] (make_trend and the newest's age evidence, the
  // `leakscope trend` rule); a window of more than 100 snapshots is judged on 100 evenly spaced
  // ones, its ends included.
  analyzer::TrendReport trend(size_t from, size_t to, const analyzer::TrendThresholds& thresholds = {}) const;
  // The `n` functions with the largest flat value in the last snapshot, largest first.
  std::vector<std::string> top_functions(size_t n) const;
  // Flat values of `name` in every snapshot.
  std::vector<int64_t> values_of(const std::string& name) const;

 private:
  Loader load_;
  analyzer::StackOptions stacks_;
  std::string type_name_;
  analyzer::ValueType type_;
  size_t max_snapshots_, cached_profiles_;
  mutable std::mutex mu_;
  std::vector<SnapshotSummary> snapshots_;
  std::vector<std::vector<std::pair<uint32_t, int64_t>>> flat_;  // per snapshot: (function name id, flat value)
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> name_ids_;
  mutable std::list<std::pair<std::string, std::shared_ptr<const analyzer::Profile>>> cache_;  // most recent first
  LoadProgress progress_;
  // Recent verdicts, by the series' state (bumped by every add), window and thresholds.
  using TrendKey = std::tuple<uint64_t, size_t, size_t, double, double, double, double, double, double, double, double,
                              double, double>;
  uint64_t generation_ = 0;
  mutable std::list<std::pair<TrendKey, analyzer::TrendReport>> trends_;  // most recent first

  uint32_t name_id(const std::string& name);
  void remember(const std::string& file, std::shared_ptr<const analyzer::Profile> p) const;
  std::vector<int64_t> time_nanos_locked() const;  // with mu_ held
  std::shared_ptr<const analyzer::Profile> profile_of(const std::string& file) const;
};

}  // namespace leakscope::viz
