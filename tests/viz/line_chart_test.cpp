// The memory-over-time chart's stacked areas: each stacked series sits on the ones before it, and
// the stack's height is the sum of their values on the same scale as the lines drawn over it.
#include <gtest/gtest.h>

#include <sstream>

#include "leakscope/viz/line_chart.h"
#include "viz_test_support.h"

namespace leakscope::test {
namespace {

using Points = std::vector<std::pair<double, double>>;

Points parse_points(const std::string& text) {
  Points out;
  std::stringstream in(text);
  double x, y;
  char comma;
  while (in >> x >> comma >> y) out.emplace_back(x, y);
  return out;
}

TEST(LineChart, StackedSeriesAreAreasOnTopOfEachOtherUnderTheLines) {
  std::vector<viz::ChartSeries> series = {
      {"total", {0, 1, 2}, {10, 10, 10}, false}, {"a", {0, 1, 2}, {1, 2, 3}, true}, {"b", {0, 1, 2}, {3, 4, 5}, true}};
  std::string svg = viz::render_line_chart(series, "bytes");
  auto areas = all_matches(svg, R"re(<polygon class="stacked"[^>]* points="([^"]*)")re");
  auto lines = all_matches(svg, R"re(<polyline[^>]* points="([^"]*)")re");
  ASSERT_EQ(areas.size(), 2u) << svg;
  ASSERT_EQ(lines.size(), 1u) << svg;
  Points a = parse_points(areas[0]), b = parse_points(areas[1]), total = parse_points(lines[0]);
  ASSERT_EQ(a.size(), 6u);  // the upper edge forward, the lower edge back
  ASSERT_EQ(b.size(), 6u);
  ASSERT_EQ(total.size(), 3u);
  // b's lower edge is a's upper edge.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(b[5 - i], a[i]) << i;
    EXPECT_DOUBLE_EQ(a[i].first, total[i].first);
  }
  // Heights above the baseline (a's lower edge: value 0) are proportional to the values: the stack's
  // top is a + b, the line 10.
  for (int i = 0; i < 3; ++i) {
    double baseline = a[5 - i].second;
    double stack = baseline - b[i].second, line = baseline - total[i].second;
    EXPECT_NEAR(stack / line, (series[1].y[i] + series[2].y[i]) / 10.0, 0.02) << i;
  }
  // Areas come before the lines in the document, so the lines are drawn over them.
  EXPECT_LT(svg.find("<polygon"), svg.find("<polyline"));
}

TEST(LineChart, TheScaleFitsTheStackWhenItIsTallerThanEveryLine) {
  std::vector<viz::ChartSeries> series = {
      {"a", {0, 1}, {6, 6}, true}, {"b", {0, 1}, {6, 6}, true}, {"line", {0, 1}, {8, 8}, false}};
  std::string svg = viz::render_line_chart(series, "bytes");
  auto areas = all_matches(svg, R"re(<polygon class="stacked"[^>]* points="([^"]*)")re");
  ASSERT_EQ(areas.size(), 2u);
  Points b = parse_points(areas[1]);
  auto frame = all_matches(svg, R"re(<rect x="[^"]*" y="([^"]*)")re");
  ASSERT_FALSE(frame.empty());
  EXPECT_GE(b[0].second, std::stod(frame[0])) << "the stack's top (12) is inside the plot";
}

}  // namespace
}  // namespace leakscope::test
