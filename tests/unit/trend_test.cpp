#include "leakscope/analyzer/trend_report.h"

#include "leakscope/analyzer/work_counter.h"

#include <gtest/gtest.h>

namespace leakscope {
namespace {

// A series of aggregates from per-function flat values (one vector per function).
std::vector<Aggregate> series(const std::map<std::string, std::vector<int64_t>>& values) {
  size_t n = values.begin()->second.size();
  std::vector<Aggregate> out(n);
  for (const auto& [name, v] : values)
    for (size_t i = 0; i < n; ++i) {
      out[i].nodes[name] = {v[i], v[i]};
      out[i].total += v[i];
    }
  return out;
}

std::vector<double> seconds(size_t n) {
  std::vector<double> t;
  for (size_t i = 0; i < n; ++i) t.push_back(static_cast<double>(i) * 10);
  return t;
}

std::vector<std::string> names(const std::vector<TrendRow>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}

TEST(Trend, SteadyGrowersAreSuspectsSpikesSawtoothsAndStartupAreNot) {
  auto s = series({{"steady", {1000, 1500, 2000, 2500, 3000, 3500}},
                   {"small_steady", {10, 13, 16, 19, 22, 25}},
                   {"spike", {100, 100, 50000, 100, 100, 100}},
                   {"sawtooth", {100, 4100, 100, 4100, 100, 4100}},
                   {"startup", {100000, 100000, 100000, 100000, 100000, 100000}},
                   {"shrinking", {5000, 4000, 3000, 2000, 1000, 0}}});
  TrendReport r = make_trend(s, seconds(6), {"inuse_space", "bytes"}, 1, {});
  EXPECT_EQ(names(r.suspects), (std::vector<std::string>{"steady", "small_steady"})) << "strongest first";
  EXPECT_TRUE(r.growing.empty());
  EXPECT_EQ(r.stable, 4u);
  EXPECT_DOUBLE_EQ(r.suspects[0].slope_per_s, 50.0);
  EXPECT_NEAR(r.suspects[0].r2, 1.0, 1e-9);
  EXPECT_EQ(r.suspects[0].growth, 2000);
}

TEST(Trend, AStepAfterTheFirstSnapshotIsNotSteady) {
  // A large allocation made once, between the first and second snapshot.
  auto s = series({{"cache_fill", {0, 80000, 80000, 80000, 80000, 80000, 80000, 80000}}});
  TrendReport r = make_trend(s, seconds(8), {"inuse_space", "bytes"}, 1, {});
  EXPECT_TRUE(r.suspects.empty()) << "R^2 " << (r.growing.empty() ? 0 : r.growing[0].r2);
}

TEST(Trend, GrowthMustExceedSamplingNoise) {
  // At the default 512 KiB period, 1 MB of growth on a 2 MB base is within noise (3 sigma ~ 3 MB).
  auto quiet = series({{"f", {2000000, 2200000, 2400000, 2600000, 2800000, 3000000}}});
  EXPECT_TRUE(make_trend(quiet, seconds(6), {"inuse_space", "bytes"}, 524288, {}).suspects.empty());
  auto loud = series({{"f", {2000000, 12000000, 22000000, 32000000, 42000000, 52000000}}});
  EXPECT_EQ(make_trend(loud, seconds(6), {"inuse_space", "bytes"}, 524288, {}).suspects.size(), 1u);
}

TEST(Trend, SlopePerUnitOfWork) {
  auto s = series({{"per_message", {0, 2048, 4096, 6144}}});
  TrendReport r = make_trend(s, seconds(4), {"inuse_space", "bytes"}, 1, {}, {0, 100, 200, 300}, "message");
  ASSERT_EQ(r.suspects.size(), 1u);
  EXPECT_DOUBLE_EQ(r.suspects[0].slope_per_work, 20.48);
  EXPECT_EQ(r.work_unit, "message");
}

TEST(WorkCounter, CommentRoundTrip) {
  Profile p;
  p.comments = {"something else", format_work_comment(12345, "message")};
  auto w = work_count_of(p);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->value, 12345);
  EXPECT_EQ(w->unit, "message");
  p.comments = {"leakscope:work=oops"};
  EXPECT_FALSE(work_count_of(p).has_value());
}

TEST(Trend, TwoSnapshotsCanShowGrowthButNotASteadyTrend) {
  auto s = series({{"f", {0, 100000}}});
  TrendReport r = make_trend(s, seconds(2), {"inuse_space", "bytes"}, 1, {});
  EXPECT_TRUE(r.suspects.empty());
  EXPECT_EQ(r.growing.size(), 1u);
}

}  // namespace
}  // namespace leakscope
