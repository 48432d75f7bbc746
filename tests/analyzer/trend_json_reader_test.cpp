// read_trend_json reads back what render_trend_json wrote, and refuses what it did not write with
// one error naming the file.
#include "leakscope/analyzer/trend_json_reader.h"

#include <gtest/gtest.h>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::analyzer {
namespace {

TEST(TrendJsonReader, ReadsBackTheSuspectsRenderTrendJsonWrote) {
  std::vector<Aggregate> series(4);
  for (size_t i = 0; i < series.size(); ++i) {
    int64_t leaked = 10000 * static_cast<int64_t>(i + 1);
    series[i].nodes["leaky"] = {leaked, leaked};
    series[i].nodes["steady"] = {500, 500};
    series[i].total = leaked + 500;
  }
  TrendReport written = make_trend(series, {0, 10, 20, 30}, {"inuse_space", "bytes"}, 1, {});
  ASSERT_EQ(written.suspects.size(), 1u);
  TrendReport read = read_trend_json(render_trend_json(written), "trend.json");
  EXPECT_EQ(read.snapshots, 4u);
  EXPECT_EQ(read.sample_type.type, "inuse_space");
  EXPECT_EQ(read.sample_type.unit, "bytes");
  ASSERT_EQ(read.suspects.size(), 1u);
  const TrendRow& w = written.suspects[0];
  const TrendRow& r = read.suspects[0];
  EXPECT_EQ(r.name, "leaky");
  EXPECT_EQ(r.growth, w.growth);
  EXPECT_DOUBLE_EQ(r.slope_per_s, w.slope_per_s);
  EXPECT_DOUBLE_EQ(r.r2, w.r2);
  EXPECT_DOUBLE_EQ(r.monotonicity, w.monotonicity);
  EXPECT_DOUBLE_EQ(r.share, w.share);
  EXPECT_EQ(r.rule, w.rule);
}

TEST(TrendJsonReader, EachClassOfBadInputIsAnInputErrorNamingTheFile) {
  for (const char* bad :
       {"{not json", "[1, 2]", "{\"nope\": 1}", "{\"suspects\": 3}", "{\"suspects\": [7]}",
        "{\"suspects\": [{\"name\": \"f\", \"growth\": \"a lot\"}]}", "{\"snapshots\": \"five\", \"suspects\": []}"}) {
    try {
      read_trend_json(bad, "trend.json");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const InputError& e) {
      std::string what = e.what();
      EXPECT_EQ(what.rfind("trend.json: expected `leakscope trend --json` output", 0), 0u) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace leakscope::analyzer
