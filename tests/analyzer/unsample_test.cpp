#include "leakscope/analyzer/unsample.h"

#include <gtest/gtest.h>

namespace leakscope::analyzer {
namespace {

TEST(Unsample, MatchesPprofScaleHeapSample) {
  // pprof scales "2: 1048576 @ heap_v2/524288" to 3 objects / 1658822 bytes.
  auto [count, bytes] = unsample(2, 1048576, 524288);
  EXPECT_EQ(count, 3);
  EXPECT_EQ(bytes, 1658822);
}

TEST(Unsample, SmallAllocationsScaleUpByAboutRoverS) {
  auto [count, bytes] = unsample(1, 64, 524288);
  EXPECT_NEAR(static_cast<double>(bytes), 524288.0 + 32, 64);  // ~R + S/2
  EXPECT_EQ(count, bytes / 64);
}

TEST(Unsample, PeriodOneOrZeroCountsAreUnchanged) {
  EXPECT_EQ(unsample(7, 7000, 1), (std::pair<int64_t, int64_t>{7, 7000}));
  EXPECT_EQ(unsample(0, 100, 524288), (std::pair<int64_t, int64_t>{0, 0}));
  EXPECT_EQ(unsample(3, 0, 524288), (std::pair<int64_t, int64_t>{0, 0}));
}

}  // namespace
}  // namespace leakscope::analyzer
