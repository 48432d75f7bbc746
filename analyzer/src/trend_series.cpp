#include "leakscope/analyzer/trend_series.h"

#include <algorithm>

#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/age_report.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/sample_index.h"
#include "leakscope/analyzer/work_counter.h"

namespace leakscope::analyzer {

namespace {
bool every_snapshot_has_a_time(const std::vector<SeriesSnapshot>& series) {
  return std::all_of(series.begin(), series.end(), [](const SeriesSnapshot& s) { return s.profile->time_nanos > 0; });
}
}  // namespace

std::vector<double> series_times_s(const std::vector<int64_t>& time_nanos_in_order, bool* from_times) {
  const auto& t = time_nanos_in_order;
  bool distinct = !t.empty() && t.front() > 0;
  for (size_t i = 1; distinct && i < t.size(); ++i) distinct = t[i] > t[i - 1];
  if (from_times) *from_times = distinct;
  std::vector<double> out;
  for (size_t i = 0; i < t.size(); ++i)
    out.push_back(distinct ? static_cast<double>(t[i] - t[0]) / 1e9 : static_cast<double>(i));
  return out;
}

std::vector<size_t> series_order(const std::vector<SeriesSnapshot>& series) {
  std::vector<size_t> order(series.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Stable: snapshots taken in the same nanosecond keep the order they were given in.
  if (every_snapshot_has_a_time(series))
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return series[a].profile->time_nanos < series[b].profile->time_nanos; });
  return order;
}

TrendReport make_trend(const std::vector<SeriesSnapshot>& series, const TrendOptions& options) {
  if (series.size() < 2)
    throw InputError(series.empty() ? "" : series.front().source, "",
                     "a trend needs two or more snapshots, got " + std::string(series.empty() ? "none" : "one"));
  const SeriesSnapshot& given_first = series.front();
  const ValueType type =
      given_first.profile
          ->sample_types[sample_index_for(*given_first.profile, options.sample_index, given_first.source)];
  std::vector<size_t> order = series_order(series);
  std::vector<int64_t> time_nanos;
  for (size_t i : order) time_nanos.push_back(series[i].profile->time_nanos);
  bool from_times = false;
  std::vector<double> times = series_times_s(time_nanos, &from_times);
  std::vector<Aggregate> aggregates;
  int64_t period = 1;
  std::vector<int64_t> work;
  std::string work_unit;
  for (size_t k = 0; k < order.size(); ++k) {
    const SeriesSnapshot& s = series[order[k]];
    const Profile& p = *s.profile;
    if (auto w = work_count_of(p)) {
      work.push_back(w->value);
      work_unit = w->unit;
    }
    int index = sample_index_for(p, type.type, s.source);
    aggregates.push_back(aggregate(p, StackTable(p, options.stacks), index));
    period = std::max(period, p.period);
  }
  if (work.size() != aggregates.size()) work.clear();  // slopes per work only when every snapshot has a count
  TrendReport r = make_trend(aggregates, times, type, period, options.thresholds, work, work_unit);
  r.times_from_files = !from_times;
  return r;
}

std::optional<AgeReport> newest_age_report(const Profile& newest, const StackOptions& stacks, int sample_index) {
  if (std::none_of(newest.samples.begin(), newest.samples.end(), [](const Sample& s) { return age_of(s).has_value(); }))
    return std::nullopt;
  AgeReport ages = make_age_report(newest, StackTable(newest, stacks), sample_index, 0);
  if (!ages.has_ages()) return std::nullopt;
  return ages;
}

SeriesTrend make_series_trend(const std::vector<SeriesSnapshot>& series, const TrendOptions& options) {
  SeriesTrend t{make_trend(series, options), std::nullopt};
  const SeriesSnapshot& newest = series[series_order(series).back()];
  int index = sample_index_for(*newest.profile, t.trend.sample_type.type, newest.source);
  if (auto ages = newest_age_report(*newest.profile, options.stacks, index)) {
    apply_age_evidence(t.trend, *ages);
    t.ages = trend_ages(t.trend, *ages);
  }
  return t;
}

std::string render_series_trend_text(const SeriesTrend& t, size_t max_rows) {
  std::string out = render_trend_text(t.trend, max_rows);
  if (t.ages) out += render_trend_ages_text(*t.ages, t.trend.sample_type.unit);
  return out;
}

std::string render_series_trend_json(const SeriesTrend& t) {
  if (!t.ages) return render_trend_json(t.trend);
  auto j = trend_json(t.trend);
  j["age"] = trend_ages_json(*t.ages);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace leakscope::analyzer
