// make_trend over real profiles, in process: the series order (collection time, else as given), the
// times, work counts and period it derives before the trend rules judge it.
#include "leakscope/analyzer/trend_series.h"

#include <gtest/gtest.h>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/work_counter.h"

namespace leakscope::analyzer {
namespace {

constexpr int64_t kSecond = 1000000000;

// A snapshot in which `leaky` holds `leaked` bytes beside a steady 1000 in `steady`.
Profile snapshot(int64_t leaked, int64_t time_nanos = 0, int64_t period = 0) {
  Profile p = read_folded("main;leaky " + std::to_string(leaked) + "\nmain;steady 1000\n", "snapshot");
  p.time_nanos = time_nanos;
  p.period = period;
  return p;
}

std::vector<SeriesSnapshot> series_of(const std::vector<Profile>& profiles) {
  std::vector<SeriesSnapshot> s;
  for (size_t i = 0; i < profiles.size(); ++i) s.push_back({&profiles[i], "snap" + std::to_string(i)});
  return s;
}

std::vector<int64_t> leaky_values(const TrendReport& r) {
  for (const auto* rows : {&r.suspects, &r.growing})
    for (const auto& row : *rows)
      if (row.name == "leaky") return row.values;
  return {};
}

TEST(TrendSeries, SnapshotsAreOrderedByCollectionTime) {
  // Given newest first: ordered by time the series rises steadily, as given it would fall.
  std::vector<Profile> p{snapshot(50000, 40 * kSecond), snapshot(10000, 10 * kSecond), snapshot(30000, 30 * kSecond),
                         snapshot(20000, 20 * kSecond), snapshot(40000, 35 * kSecond)};
  auto series = series_of(p);
  EXPECT_EQ(series_order(series), (std::vector<size_t>{1, 3, 2, 4, 0}));
  TrendReport r = make_trend(series, {});
  EXPECT_FALSE(r.times_from_files);
  EXPECT_DOUBLE_EQ(r.duration_s, 30.0) << "seconds from the first snapshot in time to the last";
  EXPECT_EQ(leaky_values(r), (std::vector<int64_t>{10000, 20000, 30000, 40000, 50000}));
  ASSERT_EQ(r.suspects.size(), 1u);
  EXPECT_EQ(r.suspects[0].name, "leaky");
}

TEST(TrendSeries, WithoutTimesTheGivenOrderOneSecondApart) {
  // One snapshot without a time: all are taken as given.
  std::vector<Profile> p{snapshot(10000, 5 * kSecond), snapshot(20000), snapshot(30000, 1 * kSecond),
                         snapshot(40000, 2 * kSecond)};
  auto series = series_of(p);
  EXPECT_EQ(series_order(series), (std::vector<size_t>{0, 1, 2, 3}));
  TrendReport r = make_trend(series, {});
  EXPECT_TRUE(r.times_from_files);
  EXPECT_DOUBLE_EQ(r.duration_s, 3.0);
  EXPECT_EQ(leaky_values(r), (std::vector<int64_t>{10000, 20000, 30000, 40000}));
}

TEST(TrendSeries, TimesThatDoNotTellTheSnapshotsApartArePositions) {
  // Dumps copied together share one mtime, their only time: equal times would give no slope, and
  // `serve` of the same files judges them in positions (series_times_s is the one rule).
  std::vector<Profile> p{snapshot(10000, 7 * kSecond), snapshot(20000, 7 * kSecond), snapshot(30000, 9 * kSecond)};
  TrendReport r = make_trend(series_of(p), {});
  EXPECT_TRUE(r.times_from_files);
  EXPECT_DOUBLE_EQ(r.duration_s, 2.0) << "positions 0, 1, 2";
  EXPECT_EQ(leaky_values(r), (std::vector<int64_t>{10000, 20000, 30000}));
  bool from_times = true;
  EXPECT_EQ(series_times_s({7 * kSecond, 7 * kSecond, 9 * kSecond}, &from_times), (std::vector<double>{0, 1, 2}));
  EXPECT_FALSE(from_times);
  EXPECT_EQ(series_times_s({7 * kSecond, 8 * kSecond, 10 * kSecond}, &from_times), (std::vector<double>{0, 1, 3}));
  EXPECT_TRUE(from_times);
}

TEST(TrendSeries, WorkCountsOnlyWhenEverySnapshotHasOneAndTheCoarsestPeriod) {
  std::vector<Profile> p{snapshot(10000, 1 * kSecond, 4096), snapshot(20000, 2 * kSecond, 65536),
                         snapshot(30000, 3 * kSecond, 4096)};
  for (size_t i = 0; i < p.size(); ++i) p[i].comments.push_back(format_work_comment(100 * (i + 1), "messages"));
  TrendReport r = make_trend(series_of(p), {});
  EXPECT_EQ(r.period, 65536);
  EXPECT_EQ(r.work_unit, "messages");
  EXPECT_EQ(r.work, (std::vector<int64_t>{100, 200, 300}));
  p[1].comments.clear();
  TrendReport partial = make_trend(series_of(p), {});
  EXPECT_TRUE(partial.work.empty()) << "a count missing from one snapshot: no slopes per work";
  EXPECT_TRUE(partial.work_unit.empty());
}

TEST(TrendSeries, OptionsChooseTheSampleTypeAndTheStacks) {
  std::vector<Profile> p{snapshot(10000), snapshot(20000), snapshot(30000)};
  TrendOptions options;
  options.stacks.ignore = "leaky";
  TrendReport r = make_trend(series_of(p), options);
  EXPECT_TRUE(leaky_values(r).empty()) << "--ignore drops the leaky stack";
  EXPECT_EQ(r.totals, (std::vector<int64_t>{1000, 1000, 1000}));
  options = {};
  options.sample_index = "alloc_space";
  try {
    make_trend(series_of(p), options);
    FAIL() << "a sample type the profiles lack";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("snap0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no sample type 'alloc_space'"), std::string::npos) << e.what();
  }
}

TEST(TrendSeries, OneSnapshotIsAnInputError) {
  std::vector<Profile> p{snapshot(10000)};
  EXPECT_THROW(make_trend(series_of(p), {}), InputError);
}

TEST(TrendSeries, WithoutAgesTheSeriesTrendRendersAsTheTrend) {
  std::vector<Profile> p{snapshot(10000, 1 * kSecond), snapshot(20000, 2 * kSecond), snapshot(30000, 3 * kSecond)};
  SeriesTrend t = make_series_trend(series_of(p), {});
  EXPECT_FALSE(t.ages.has_value()) << "folded profiles carry no allocation ages";
  EXPECT_EQ(render_series_trend_json(t), render_trend_json(t.trend));
  EXPECT_EQ(render_series_trend_text(t, 20), render_trend_text(t.trend, 20));
}

}  // namespace
}  // namespace leakscope::analyzer
