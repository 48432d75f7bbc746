#include "leakscope/analyzer/trend_report.h"

#include "leakscope/analyzer/work_counter.h"

#include <gtest/gtest.h>

#include "aggregate_series.h"

namespace leakscope::analyzer {
namespace {

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

// Seen in CI on the fixed notify-close scenario (4 KiB sampling, 12 snapshots): the relay's pool of
// idle libcurl handles grew to the peak concurrency and stayed there. It fits a line (R^2 0.84) and
// never falls; only the flat end tells it from a leak. A leak of the same size still rising is kept.
TEST(Trend, APoolThatFilledAndLevelledOffIsNotASuspect) {
  auto s = series(
      {{"pool", {191172, 251525, 251525, 275419, 275419, 355069, 402861, 402861, 402861, 402861, 402861, 402861}},
       {"leak", {191172, 211525, 231525, 251419, 271419, 291069, 311861, 331861, 351861, 371861, 391861, 411861}}});
  std::vector<double> t;
  for (int i = 0; i < 12; ++i) t.push_back(i * 1.8);
  TrendReport r = make_trend(s, t, {"inuse_space", "bytes"}, 4096, {});
  EXPECT_EQ(names(r.suspects), std::vector<std::string>{"leak"});
  ASSERT_EQ(names(r.growing), std::vector<std::string>{"pool"});
  const TrendRow& pool = r.growing[0];
  EXPECT_GT(pool.r2, 0.8) << "the fit alone would call it a leak";
  EXPECT_EQ(pool.late_growth, 0);
  EXPECT_GT(pool.late_expected, 50000);
  EXPECT_NE(pool.why.find("levelled off"), std::string::npos) << pool.why;
  TrendThresholds off;
  off.min_late_share = 0;
  EXPECT_EQ(make_trend(s, t, {"inuse_space", "bytes"}, 4096, off).suspects.size(), 2u);
}

TEST(Trend, GrowthMustExceedSamplingNoise) {
  // At the default 512 KiB period, 1 MB of growth on a 2 MB base is within noise (3 sigma ~ 3 MB).
  auto quiet = series({{"f", {2000000, 2200000, 2400000, 2600000, 2800000, 3000000}}});
  EXPECT_TRUE(make_trend(quiet, seconds(6), {"inuse_space", "bytes"}, 524288, {}).suspects.empty());
  auto loud = series({{"f", {2000000, 12000000, 22000000, 32000000, 42000000, 52000000}}});
  EXPECT_EQ(make_trend(loud, seconds(6), {"inuse_space", "bytes"}, 524288, {}).suspects.size(), 1u);
}

// At production's 512 KiB period a leak holds few samples, but they never go away: the counting rule.
constexpr int64_t kR = 524288;

std::vector<int64_t> periods(const std::vector<int64_t>& n) {
  std::vector<int64_t> v;
  for (auto x : n) v.push_back(x * kR);
  return v;
}

const TrendRow* row_named(const TrendReport& r, const std::string& name) {
  for (const auto* table : {&r.suspects, &r.growing})
    for (const auto& row : *table)
      if (row.name == name) return &row;
  return nullptr;
}

TEST(Trend, AtACoarsePeriodASparseNeverFallingRiseIsASuspect) {
  // 8 samples over 8 steps: far inside the 3-sigma noise of the steady-fit rule (it needs > 9 periods).
  auto s = series({{"leak", periods({0, 1, 1, 3, 3, 4, 6, 7, 8})},
                   {"cache", periods({0, 0, 0, 40, 40, 40, 40, 40, 40})},
                   {"cache_then_trickle", periods({0, 40, 40, 40, 40, 41, 41, 41, 42})},
                   {"spike", periods({0, 0, 0, 0, 0, 80, 0, 0, 0})},
                   {"sawtooth", periods({0, 4, 8, 12, 0, 4, 8, 12, 0})},
                   {"churn", periods({16, 19, 14, 17, 21, 15, 18, 22, 20})},
                   {"too_few", periods({0, 0, 0, 1, 1, 1, 2, 2, 2})},
                   {"one_step", periods({0, 0, 0, 0, 0, 0, 0, 0, 8})}});
  TrendReport r = make_trend(s, seconds(9), {"inuse_space", "bytes"}, kR, {});
  ASSERT_EQ(names(r.suspects), (std::vector<std::string>{"leak"}));
  const TrendRow& leak = r.suspects[0];
  EXPECT_EQ(leak.rule, "sampled counting");
  EXPECT_EQ(leak.rising_steps, 6u);
  EXPECT_EQ(leak.falling_steps, 0u);
  EXPECT_EQ(leak.max_drop, 0);
  EXPECT_DOUBLE_EQ(leak.periods, 8.0);
  EXPECT_DOUBLE_EQ(leak.largest_step_share, 0.25);
  EXPECT_EQ(leak.why, "rose in 6 of 8 steps, never fell, largest step 25% of growth, 8.0 periods sampled");
  // The one-offs rose without falling: shown as growing, with the reason they are not suspects.
  for (const char* name : {"cache", "cache_then_trickle", "one_step"}) {
    const TrendRow* row = row_named(r, name);
    ASSERT_NE(row, nullptr) << name;
    EXPECT_EQ(row->kind, TrendRow::Kind::kGrowing) << name;
    EXPECT_NE(row->why.find("arrived at once"), std::string::npos) << name << ": " << row->why;
  }
  EXPECT_EQ(row_named(r, "cache")->why.rfind("steady fit: R^2 0.", 0), 0u) << row_named(r, "cache")->why;
  EXPECT_NE(row_named(r, "cache")->why.find("of steps not falling"), std::string::npos) << row_named(r, "cache")->why;
  EXPECT_NE(row_named(r, "cache_then_trickle")->why.find("largest step 95% > 70%"), std::string::npos)
      << row_named(r, "cache_then_trickle")->why;
  for (const char* name : {"spike", "sawtooth", "churn", "too_few"})
    EXPECT_EQ(row_named(r, name), nullptr) << name << ": " << row_named(r, name)->why;
}

TEST(Trend, TheCountingRuleNamesWhatItMissed) {
  // A large allocation freed in part and made again (above noise, but not a fit), and a rise of two steps.
  auto s = series({{"refilled", periods({0, 100, 100, 100, 40, 100, 100, 100, 100})},
                   {"two_steps", periods({0, 0, 0, 0, 0, 0, 0, 3, 6})}});
  TrendThresholds th;
  th.min_rising_steps = 3;
  TrendReport r = make_trend(s, seconds(9), {"inuse_space", "bytes"}, kR, th);
  EXPECT_TRUE(r.suspects.empty());
  const TrendRow* fell = row_named(r, "refilled");
  ASSERT_NE(fell, nullptr);
  EXPECT_NE(fell->why.find("fell 60% > 10% of growth (freed again)"), std::string::npos) << fell->why;
  const TrendRow* two = row_named(r, "two_steps");
  ASSERT_NE(two, nullptr);
  EXPECT_NE(two->why.find("rose in 2 < 3 steps"), std::string::npos) << two->why;
  // With the default of 2 rising steps, two even steps are enough.
  EXPECT_EQ(names(make_trend(s, seconds(9), {"inuse_space", "bytes"}, kR, {}).suspects),
            (std::vector<std::string>{"two_steps"}));
}

TEST(Trend, ExactProfilesUseOnlyTheSteadyFit) {
  // At period 1 there is no sampling to count: a two-step rise is judged by its fit alone.
  auto s = series({{"f", {0, 0, 0, 0, 0, 0, 0, 3000, 6000}}});
  TrendReport r = make_trend(s, seconds(9), {"inuse_space", "bytes"}, 1, {});
  EXPECT_TRUE(r.suspects.empty());
  ASSERT_EQ(r.growing.size(), 1u);
  EXPECT_EQ(r.growing[0].why.find("sampled counting"), std::string::npos) << r.growing[0].why;
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
}  // namespace leakscope::analyzer
