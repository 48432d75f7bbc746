// `leakscope trend` as a library call: snapshots in, the verdict out. What a series needs before the
// trend rules (trend_report.h) can judge it is derived here, once, for the CLI and the scenario
// runner alike: the order (by collection time when every snapshot has one, else as given), each
// snapshot's time (seconds since the first; snapshot order, one second apart, without times), the
// work counts (only when every snapshot carries one), and the coarsest sampling period.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/trend_ages.h"
#include "leakscope/analyzer/trend_report.h"

namespace leakscope::analyzer {

struct SeriesSnapshot {
  const Profile* profile = nullptr;
  std::string source;  // its file or URL, for errors
};

struct TrendOptions {
  std::string sample_index;  // as --sample-index; the first snapshot's choice holds for the series
  StackOptions stacks;
  TrendThresholds thresholds;
};

// Indexes into `series` in series order.
std::vector<size_t> series_order(const std::vector<SeriesSnapshot>& series);

// Each snapshot's time for the trend rules, given the collection times in series order: seconds
// since the first when the times tell every snapshot apart (strictly increasing), else positions
// one second apart. Files copied together share one mtime (a heap dump's only time), and equal
// times would make slopes meaningless. `from_times` says which it was. `trend` and `serve` both
// use it, so the two judge the same files on the same clock.
std::vector<double> series_times_s(const std::vector<int64_t>& time_nanos_in_order, bool* from_times = nullptr);

// The verdict over two or more snapshots (throws InputError for fewer, or a sample type one lacks).
TrendReport make_trend(const std::vector<SeriesSnapshot>& series, const TrendOptions& options);

// The age report (every row, trend_ages.h) of the series' newest snapshot, the evidence `trend` and
// `serve` weigh; none when its samples carry no allocation ages (then no stack table is built).
std::optional<AgeReport> newest_age_report(const Profile& newest, const StackOptions& stacks, int sample_index);

// The verdict and, when the newest snapshot carries allocation ages, the age shapes of its rows.
struct SeriesTrend {
  TrendReport trend;
  std::optional<TrendAges> ages;
};
SeriesTrend make_series_trend(const std::vector<SeriesSnapshot>& series, const TrendOptions& options);
std::string render_series_trend_text(const SeriesTrend& t, size_t max_rows);
// render_trend_json's object, with "age":{"rows":[...]} when there are ages.
std::string render_series_trend_json(const SeriesTrend& t);

}  // namespace leakscope::analyzer
