// Leak verdicts from a time-ordered series of heap snapshots: per function (or line), the growth,
// a least-squares slope with its fit (R^2), how monotone the rise is, and its share of all growth.
// Two rules make a suspect; each row says which one and why (or why not), in numbers:
// - steady fit: grew by more than sampling noise, steadily (good fit, mostly rising steps). This
//   needs many samples per function, i.e. sampling far finer than the leak. A leak is still growing
//   at the end: a row that rose and then stayed flat (a pool filling to its bound, like the relay's
//   idle libcurl handles reaching the peak concurrency) fits a line well too, so the last third of
//   the steps must bring at least min_late_share of what the fitted slope predicts for them.
// - sampled counting: at a coarse period (production's 512 KiB) a leak holds only a few samples, but
//   a leaked object, once sampled, is in every later snapshot; so a leak's sampled bytes never fall
//   and rise in several steps, while a cache arrives in one step and churn, spikes and sawtooths
//   fall. A function that rose by >= min_sampled_periods periods (and >= min_sampled_bytes) in >= min_rising_steps
//   steps, no step bringing more than max_step_share of it, and never fell by more than max_drop_share of it, is a
//   suspect. (Measured with tests/programs/trend_shapes: see README, "trend".)
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct TrendThresholds {
  double min_r2 = 0.8;            // linear fit of the rise
  double min_monotonicity = 0.7;  // share of steps that do not go down
  double noise_sigmas = 3.0;      // growth must exceed this many sampling standard deviations
  double min_periods = 2.0;       // ... and this many sampling periods
  double min_late_share = 0.25;   // of the fitted slope's growth over the last third of the steps
  // The sampled-counting rule (sampled profiles only, period > 1).
  double min_sampled_periods = 2.5;  // growth in periods: ~3 sampled small objects
  // ... and in bytes: the rule is for coarse sampling, where the steady fit cannot see a leak. At a
  // fine period (the scenarios' 4 KiB) 2.5 periods is a few KiB, and a pool that fills over a few
  // steps (libcurl's connection cache) would pass; there the steady fit decides.
  int64_t min_sampled_bytes = 1 << 20;
  size_t min_rising_steps = 2;
  double max_step_share = 0.7;  // of the growth, in the largest single step (a one-off: ~1)
  double max_drop_share = 0.1;  // of the growth, the largest fall from an earlier high
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
  // The last third of the steps: what they brought and what the fitted slope predicts for them.
  int64_t late_growth = 0;
  double late_expected = 0;
  // The counting view: last - first, in sampling periods; steps that rose / fell; the largest
  // single step and the largest fall from an earlier high, as shares of that growth.
  double periods = 0;
  size_t rising_steps = 0, falling_steps = 0;
  double largest_step_share = 0, drop_share = 0;
  int64_t max_drop = 0;
  enum class Kind { kSuspect, kGrowing, kStable } kind = Kind::kStable;
  std::string rule;  // for a suspect: "steady fit" or "sampled counting"
  std::string why;   // the numbers behind the verdict, for suspects and growing rows
  std::string age;   // set when the age of live bytes decided the verdict (trend_ages.h): why
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
// The same rules on values already laid out per function, as a series' summaries keep them:
// `values[f]` holds `names[f]`'s flat value in each snapshot, `totals` each snapshot's total. The
// overload above lays its aggregates out this way; a 100-snapshot window of 5,000 functions no
// longer builds 100 hash maps of names to judge them.
struct TrendColumns {
  std::vector<std::string> names;
  std::vector<std::vector<int64_t>> values;
  std::vector<int64_t> totals;
};
TrendReport make_trend(TrendColumns columns, const std::vector<double>& times_s, const ValueType& type, int64_t period,
                       const TrendThresholds& thresholds, const std::vector<int64_t>& work = {},
                       const std::string& work_unit = "");
std::string render_trend_text(const TrendReport& r, size_t max_rows);
nlohmann::ordered_json trend_json(const TrendReport& r);
std::string render_trend_json(const TrendReport& r);  // trend_json, printed

}  // namespace leakscope::analyzer
