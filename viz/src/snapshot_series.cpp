#include "leakscope/viz/snapshot_series.h"

#include <algorithm>
#include <climits>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/trend_ages.h"
#include "leakscope/analyzer/trend_series.h"

namespace leakscope::viz {

namespace {
constexpr size_t kMaxTrendSnapshots = 100;
constexpr size_t kCachedTrends = 4;
}  // namespace

SnapshotSeries::SnapshotSeries(Loader load, analyzer::StackOptions stacks, std::string sample_type,
                               size_t max_snapshots, size_t cached_profiles)
    : load_(std::move(load)),
      stacks_(std::move(stacks)),
      type_name_(std::move(sample_type)),
      max_snapshots_(std::max<size_t>(max_snapshots, 2)),
      cached_profiles_(std::max<size_t>(cached_profiles, 2)) {}

uint32_t SnapshotSeries::name_id(const std::string& name) {
  auto [it, added] = name_ids_.emplace(name, static_cast<uint32_t>(names_.size()));
  if (added) names_.push_back(name);
  return it->second;
}

void SnapshotSeries::remember(const std::string& file, std::shared_ptr<const analyzer::Profile> p) const {
  cache_.remove_if([&](const auto& e) { return e.first == file; });
  cache_.emplace_front(file, std::move(p));
  while (cache_.size() > cached_profiles_) cache_.pop_back();
}

std::string SnapshotSeries::add(const std::string& source, uint64_t order) {
  std::shared_ptr<const analyzer::Profile> p;
  try {
    p = std::make_shared<const analyzer::Profile>(load_(source));
  } catch (const std::exception& e) {
    return std::string(e.what()) + " (skipped)";
  }
  std::string type_name;
  {
    std::lock_guard lock(mu_);
    if (type_name_.empty()) type_name_ = p->sample_types.at(p->default_sample_index()).type;
    type_name = type_name_;
  }
  int index = p->sample_index(type_name);
  if (index < 0) {
    std::string have;
    for (const auto& t : p->sample_types) have += (have.empty() ? "" : ", ") + t.type;
    return source + ": no sample type " + type_name + " like the rest of the series (it has: " + have + "; skipped)";
  }
  SnapshotSummary s;
  s.file = source;
  s.time_nanos = p->time_nanos;
  s.period = std::max<int64_t>(p->period, 1);
  s.memory = analyzer::memory_figures_of(*p);
  s.order = order;
  // Outside the lock: the feed reads snapshots on several threads, and this is most of the work.
  analyzer::Aggregate a = analyzer::aggregate(*p, analyzer::StackTable(*p, stacks_), index);
  s.total = a.total;
  std::lock_guard lock(mu_);
  if (snapshots_.empty()) type_ = p->sample_types[index];
  std::vector<std::pair<uint32_t, int64_t>> flat;
  for (const auto& [name, v] : a.nodes)
    if (v.flat != 0) flat.emplace_back(name_id(name), v.flat);
  std::sort(flat.begin(), flat.end());  // by function id: values_of looks one up per snapshot
  // Time order, then the feed's; snapshots without times keep the feed's order.
  auto at =
      s.time_nanos > 0
          ? std::upper_bound(snapshots_.begin(), snapshots_.end(), s,
                             [](const SnapshotSummary& x, const SnapshotSummary& y) {
                               return x.time_nanos != y.time_nanos ? x.time_nanos < y.time_nanos : x.order < y.order;
                             })
          : std::upper_bound(snapshots_.begin(), snapshots_.end(), s,
                             [](const SnapshotSummary& x, const SnapshotSummary& y) { return x.order < y.order; });
  flat_.insert(flat_.begin() + (at - snapshots_.begin()), std::move(flat));
  snapshots_.insert(at, std::move(s));
  if (snapshots_.size() > max_snapshots_) {
    snapshots_.erase(snapshots_.begin());
    flat_.erase(flat_.begin());
  }
  ++generation_;
  remember(source, std::move(p));
  return "";
}

void SnapshotSeries::set_progress(LoadProgress p) {
  std::lock_guard lock(mu_);
  progress_ = p;
}

LoadProgress SnapshotSeries::progress() const {
  std::lock_guard lock(mu_);
  return progress_;
}

size_t SnapshotSeries::size() const {
  std::lock_guard lock(mu_);
  return snapshots_.size();
}

uint64_t SnapshotSeries::generation() const {
  std::lock_guard lock(mu_);
  return generation_;
}

analyzer::ValueType SnapshotSeries::sample_type() const {
  std::lock_guard lock(mu_);
  return type_;
}

std::vector<SnapshotSummary> SnapshotSeries::summaries() const {
  std::lock_guard lock(mu_);
  return snapshots_;
}

std::string SnapshotSeries::file(size_t index) const {
  std::lock_guard lock(mu_);
  return index < snapshots_.size() ? snapshots_[index].file : "";
}

std::vector<int64_t> SnapshotSeries::time_nanos_locked() const {
  std::vector<int64_t> out;
  for (const auto& s : snapshots_) out.push_back(s.time_nanos);
  return out;
}

bool SnapshotSeries::has_times() const {
  std::lock_guard lock(mu_);
  bool from_times = false;
  analyzer::series_times_s(time_nanos_locked(), &from_times);
  return from_times;
}

std::vector<double> SnapshotSeries::times_s() const {
  std::lock_guard lock(mu_);
  return analyzer::series_times_s(time_nanos_locked());
}

std::shared_ptr<const analyzer::Profile> SnapshotSeries::profile(size_t index) const {
  std::string file;
  {
    std::lock_guard lock(mu_);
    if (index >= snapshots_.size())
      throw std::invalid_argument("no snapshot " + std::to_string(index) + "; the series has " +
                                  std::to_string(snapshots_.size()) + " (0 to " +
                                  std::to_string(snapshots_.size() - 1) + ")");
    file = snapshots_[index].file;
  }
  return profile_of(file);
}

std::shared_ptr<const analyzer::Profile> SnapshotSeries::profile_of(const std::string& file) const {
  {
    std::lock_guard lock(mu_);
    for (const auto& [f, p] : cache_)
      if (f == file) {
        auto hit = p;
        remember(file, hit);
        return hit;
      }
  }
  auto p = std::make_shared<const analyzer::Profile>(load_(file));  // outside the lock: reading takes a while
  std::lock_guard lock(mu_);
  remember(file, p);
  return p;
}

analyzer::TrendReport SnapshotSeries::trend(size_t from, size_t to, const analyzer::TrendThresholds& thresholds) const {
  // A verdict depends on the series as it stands: the page and /api/timeline of one window, and a
  // window looked at again, reuse it until a snapshot is added.
  auto key_of = [&](uint64_t generation) {
    return TrendKey{generation,
                    from,
                    to,
                    thresholds.min_r2,
                    thresholds.min_monotonicity,
                    thresholds.noise_sigmas,
                    thresholds.min_periods,
                    thresholds.min_late_share,
                    thresholds.min_sampled_periods,
                    static_cast<double>(thresholds.min_sampled_bytes),
                    static_cast<double>(thresholds.min_rising_steps),
                    thresholds.max_step_share,
                    thresholds.max_drop_share};
  };
  std::string newest_file;
  {
    std::lock_guard lock(mu_);
    to = std::min(to, snapshots_.size() - 1);
    const TrendKey key = key_of(generation_);
    for (const auto& [k, r] : trends_)
      if (k == key) return r;
    newest_file = snapshots_[to].file;
  }
  // `leakscope trend` weighs the age of the newest snapshot's live bytes; so does the window's
  // verdict, from its last snapshot (read and weighed outside the lock, through the cache).
  std::shared_ptr<const analyzer::Profile> newest = profile_of(newest_file);
  std::optional<analyzer::AgeReport> ages;
  if (int index = newest->sample_index(sample_type().type); index >= 0)
    ages = analyzer::newest_age_report(*newest, stacks_, index);
  std::lock_guard lock(mu_);
  to = std::min(to, snapshots_.size() - 1);
  // A live series that dropped its oldest meanwhile moved the window: judge it, but do not keep it.
  const bool same_window = snapshots_[to].file == newest_file;
  // A long window is judged on evenly spaced snapshots, ends included (1,000 full Aggregates of
  // 5,000 functions took 900 MiB and a second, scripts/bench_timeline.sh).
  std::vector<size_t> picked;
  size_t span = to - from;
  if (span + 1 <= kMaxTrendSnapshots) {
    for (size_t i = from; i <= to; ++i) picked.push_back(i);
  } else {
    for (size_t k = 0; k < kMaxTrendSnapshots; ++k) picked.push_back(from + k * span / (kMaxTrendSnapshots - 1));
  }
  // Straight from the summaries' (function id, flat) pairs into one column per function seen.
  analyzer::TrendColumns columns;
  std::vector<int32_t> column_of(names_.size(), -1);
  std::vector<int64_t> time_nanos;
  int64_t period = 1;
  for (size_t k = 0; k < picked.size(); ++k) {
    size_t i = picked[k];
    for (auto [id, flat] : flat_[i]) {
      if (column_of[id] < 0) {
        column_of[id] = static_cast<int32_t>(columns.names.size());
        columns.names.push_back(names_[id]);
        columns.values.emplace_back(picked.size(), 0);
      }
      columns.values[column_of[id]][k] = flat;
    }
    columns.totals.push_back(snapshots_[i].total);
    time_nanos.push_back(snapshots_[i].time_nanos);
    period = std::max(period, snapshots_[i].period);
  }
  // The window's own clock, as `trend` of the window's files would read it.
  bool from_times = false;
  std::vector<double> times = analyzer::series_times_s(time_nanos, &from_times);
  analyzer::TrendReport r = analyzer::make_trend(std::move(columns), times, type_, period, thresholds);
  r.times_from_files = !from_times;
  if (ages && same_window) analyzer::apply_age_evidence(r, *ages);
  if (same_window) {
    trends_.emplace_front(key_of(generation_), r);
    if (trends_.size() > kCachedTrends) trends_.pop_back();
  }
  return r;
}

std::vector<std::string> SnapshotSeries::top_functions(size_t n) const {
  std::lock_guard lock(mu_);
  if (snapshots_.empty()) return {};
  auto flat = flat_.back();
  std::sort(flat.begin(), flat.end(), [&](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : names_[a.first] < names_[b.first];
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < flat.size() && i < n; ++i) out.push_back(names_[flat[i].first]);
  return out;
}

std::vector<int64_t> SnapshotSeries::values_of(const std::string& name) const {
  std::lock_guard lock(mu_);
  std::vector<int64_t> out(snapshots_.size(), 0);
  auto id = name_ids_.find(name);
  if (id == name_ids_.end()) return out;
  for (size_t i = 0; i < snapshots_.size(); ++i) {
    auto at = std::lower_bound(flat_[i].begin(), flat_[i].end(), std::pair<uint32_t, int64_t>(id->second, INT64_MIN));
    if (at != flat_[i].end() && at->first == id->second) out[i] = at->second;
  }
  return out;
}

}  // namespace leakscope::viz
