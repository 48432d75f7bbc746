// The age of live bytes deciding a trend verdict (trend_ages.h): a cache that filled over a few
// snapshots passes the sampled-counting rule, but its bytes are all of one old epoch and the newest
// epoch got none of what the slope predicts, so it is not a suspect; a leak whose bytes are mostly
// one old pile keeps its verdict while the newest epoch holds its share.
#include "leakscope/analyzer/trend_ages.h"

#include <gtest/gtest.h>

#include "aggregate_series.h"

#include <map>
#include <nlohmann/json.hpp>

#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/trend_report.h"

namespace leakscope::analyzer {
namespace {

constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kPeriod = 512 * 1024;  // production's sampling

std::vector<int64_t> mib(std::initializer_list<int64_t> v) {
  std::vector<int64_t> out;
  for (int64_t x : v) out.push_back(x * kMiB);
  return out;
}

// Nine snapshots 10 s apart, the last at 100 s of age clock; epochs of 10 s: e0 [0,10), e1 [10,30),
// e2 [30,70), e3 [70,150) s, so the newest epoch covers the window's last 30 s.
const std::vector<double> kTimes = {0, 10, 20, 30, 40, 50, 60, 70, 80};

AgeReport ages(const std::map<std::string, std::vector<int64_t>>& by_epoch) {
  AgeReport r;
  r.sample_type = {"inuse_space", "bytes"};
  r.epoch_ms = 10'000;
  r.clock_ms = 100'000;
  for (unsigned k = 0; k < 4; ++k) {
    AgeEpoch e{r.epoch_ms, k};
    r.epochs.push_back({k, e.start_ms(), e.end_ms(), -1, -1});
  }
  for (const auto& [name, v] : by_epoch) {
    AgeRow row{name, 0, v, AgeShape::kUnknown, ""};
    for (int64_t x : v) row.total += x;
    row.shape = classify_age(row.by_epoch, &row.why);
    r.total += row.total;
    r.rows.push_back(row);
  }
  return r;
}

const TrendRow* row_named(const std::vector<TrendRow>& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r.name == name) return &r;
  return nullptr;
}

TEST(TrendAges, ACacheFilledInAnOldEpochIsNotASuspectAndTheWhySaysSo) {
  // Filled over three steps (clock 30-50 s, all in e2), then kept.
  auto s = series({{"cache_fill", mib({0, 4, 8, 12, 12, 12, 12, 12, 12})}, {"leak", mib({0, 1, 2, 3, 4, 5, 6, 7, 8})}});
  TrendReport r = make_trend(s, kTimes, {"inuse_space", "bytes"}, kPeriod, {});
  ASSERT_NE(row_named(r.suspects, "cache_fill"), nullptr) << "the counting rule alone suspects the filling cache";
  ASSERT_NE(row_named(r.suspects, "leak"), nullptr);

  AgeReport last = ages({{"cache_fill", mib({0, 0, 12, 0})}, {"leak", mib({0, 1, 4, 3})}});
  EXPECT_EQ(apply_age_evidence(r, last), 1u);
  EXPECT_EQ(row_named(r.suspects, "cache_fill"), nullptr);
  ASSERT_NE(row_named(r.suspects, "leak"), nullptr) << "every-age: its verdict stands";
  const TrendRow* cache = row_named(r.growing, "cache_fill");
  ASSERT_NE(cache, nullptr) << "moved to the growing rows";
  EXPECT_TRUE(cache->rule.empty());
  EXPECT_NE(cache->age.find("one-age (cache-like): 100% of its live bytes were allocated in e2"), std::string::npos)
      << cache->age;
  EXPECT_NE(cache->age.find("the newest epoch e3 (the window's last 30.0 s) holds 0B"), std::string::npos)
      << cache->age;

  // The text says why it is not a suspect, and the JSON carries the evidence.
  std::string text = render_trend_text(r, 0);
  EXPECT_NE(text.find("why not: age decides: one-age (cache-like)"), std::string::npos) << text;
  EXPECT_NE(text.find("suspected by sampled counting: rose in 3 of 8 steps"), std::string::npos) << text;
  EXPECT_NE(text.find("Verdict: LEAK SUSPECTED in leak"), std::string::npos) << text;
  auto j = trend_json(r);
  bool found = false;
  for (const auto& row : j["growing"])
    if (row["name"] == "cache_fill") {
      found = true;
      EXPECT_EQ(row["age_evidence"], cache->age);
      EXPECT_EQ(row["rule"], "");
    }
  EXPECT_TRUE(found) << j.dump();
  for (const auto& row : j["suspects"]) EXPECT_FALSE(row.contains("age_evidence")) << row.dump();

  TrendAges a = trend_ages(r, last);
  ASSERT_EQ(a.rows.size(), 2u);
  EXPECT_EQ(a.rows[0].name, "leak");
  EXPECT_EQ(a.rows[0].reading, "age agrees");
  EXPECT_EQ(a.rows[1].name, "cache_fill");
  EXPECT_EQ(a.rows[1].reading, "age decides: not a leak");
}

TEST(TrendAges, ALeakBesideAnOldPileKeepsItsVerdictWhileTheNewestEpochGetsItsShare) {
  // 100 MiB kept from the first epoch, then 1 MiB per step: 92% of its bytes are one old age, but
  // the newest epoch's 30 s hold the 3 MiB the slope predicts.
  auto s = series({{"pile_and_leak", mib({100, 101, 102, 103, 104, 105, 106, 107, 108})}});
  TrendReport r = make_trend(s, kTimes, {"inuse_space", "bytes"}, kPeriod, {});
  ASSERT_EQ(r.suspects.size(), 1u);
  AgeReport last = ages({{"pile_and_leak", mib({100, 1, 4, 3})}});
  ASSERT_EQ(last.rows[0].shape, AgeShape::kOneAge) << last.rows[0].why;
  EXPECT_EQ(apply_age_evidence(r, last), 0u);
  EXPECT_EQ(r.suspects.size(), 1u);
  EXPECT_TRUE(r.suspects[0].age.empty());
  EXPECT_EQ(trend_ages(r, last).rows[0].reading, "age disagrees");
}

TEST(TrendAges, WithoutTheAgeClockOrTimesTheAgeDecidesNothing) {
  auto s = series({{"cache_fill", mib({0, 4, 8, 12, 12, 12, 12, 12, 12})}});
  AgeReport last = ages({{"cache_fill", mib({0, 0, 12, 0})}});
  last.clock_ms = -1;
  TrendReport r = make_trend(s, kTimes, {"inuse_space", "bytes"}, kPeriod, {});
  EXPECT_EQ(apply_age_evidence(r, last), 0u) << "no clock: how long the newest epoch ran is unknown";
  last.clock_ms = 100'000;
  r.times_from_files = true;
  EXPECT_EQ(apply_age_evidence(r, last), 0u) << "file order: the slope is per snapshot, not per second";
  EXPECT_EQ(r.suspects.size(), 1u);
}

}  // namespace
}  // namespace leakscope::analyzer
