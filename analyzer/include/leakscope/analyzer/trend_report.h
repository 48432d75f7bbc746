// Leak verdicts from a time-ordered series of heap snapshots: per function (or line), the growth,
// a least-squares slope with its fit (R^2), how monotone the rise is, and its share of all growth.
// A function is a leak suspect when it grew by more than sampling noise, steadily (good fit, mostly
// rising steps) and ended well above where it started; so a one-off spike, a sawtooth or a big
// allocation made once at start-up is not, and a small but steady grower is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/profile.h"

namespace leakscope {

struct TrendThresholds {
  double min_r2 = 0.8;            // linear fit of the rise
  double min_monotonicity = 0.7;  // share of steps that do not go down
  double noise_sigmas = 3.0;      // growth must exceed this many sampling standard deviations
  double min_periods = 2.0;       // ... and this many sampling periods
};

struct TrendRow {
  std::string name;
  std::vector<int64_t> values;  // flat value in each snapshot
  int64_t growth = 0;           // mean of the last third - mean of the first third
  double slope_per_s = 0;       // least squares
  double slope_per_work = 0;    // least squares against the work counter, when snapshots carry one
  double r2 = 0;
  double monotonicity = 0;
  double share = 0;  // of the sum of positive growth
  double noise = 0;  // growth needed to count at all
  enum class Kind { kSuspect, kGrowing, kStable } kind = Kind::kStable;
};

struct TrendReport {
  ValueType sample_type;
  size_t snapshots = 0;
  double duration_s = 0;
  int64_t period = 1;
  bool times_from_files = false;  // no timestamps: snapshot order, one second apart
  std::string work_unit;          // set when every snapshot carries a work count
  std::vector<int64_t> work;
  TrendThresholds thresholds;
  std::vector<int64_t> totals;
  std::vector<TrendRow> suspects, growing;  // strongest first
  size_t stable = 0;
};

// `series` in time order with their times (seconds); aggregated at one granularity and sample type.
// `work`, when not empty, is each snapshot's work count (same order); slopes per unit of work follow.
TrendReport make_trend(const std::vector<Aggregate>& series, const std::vector<double>& times_s, const ValueType& type,
                       int64_t period, const TrendThresholds& thresholds, const std::vector<int64_t>& work = {},
                       const std::string& work_unit = "");
std::string render_trend_text(const TrendReport& r, size_t max_rows);
std::string render_trend_json(const TrendReport& r);

}  // namespace leakscope
