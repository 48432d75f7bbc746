// make_report_page in process: the sections a page gets from its inputs, and tables that show the
// numbers the library reports compute (diff_profiles, make_trend), not numbers of its own.
#include "leakscope/viz/report_page.h"

#include <gtest/gtest.h>

#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/profiler/leak_check_warm_up.h"
#include "leakscope/viz/markup.h"
#include "viz_test_support.h"

namespace leakscope::test {

using analyzer::diff_profiles;
using analyzer::DiffReport;
using analyzer::format_delta;
using analyzer::format_value;
using analyzer::Profile;
using analyzer::read_folded;
using analyzer::StackTable;
using analyzer::TrendReport;
using analyzer::TrendRow;

namespace {

const char* kBase = "main;serve;recv_content 1000\nmain;serve;parse 400\nmain;idle 200\n";
const char* kNow = "main;serve;recv_content 9000\nmain;serve;parse 300\nmain;idle 200\n";

viz::ReportPage page_with_base(const Profile& now, const Profile& base) {
  viz::ReportInput in;
  in.view = {&now, 0, &base, 0, true, {}};
  in.profile_name = "now.folded";
  in.base_name = "base.folded";
  return viz::make_report_page(in);
}

viz::ReportPage page_alone(const Profile& now, const TrendReport* verdict) {
  viz::ReportInput in;
  in.view = {&now, 0, nullptr, 0, false, {}};
  in.profile_name = "now.folded";
  in.verdict = verdict;
  in.memory = std::vector<viz::ChartSeries>{{"rss", {0, 1, 2}, {1000, 2000, 4000}}};
  return viz::make_report_page(in);
}

// Graphviz loads its plugins (dlopen) on the first render in a process, and cairo, pango and
// fontconfig keep a cache entry per font face and size drawn: the same pages drawn once here fill
// them, so each test is checked for what its own page leaves.
LEAKSCOPE_LEAK_CHECK_WARM_UP(graphviz_font_caches) {
  Profile base = read_folded(kBase, "base.folded"), now = read_folded(kNow, "now.folded");
  page_with_base(now, base);
  page_alone(now, nullptr);
}

std::vector<std::string> file_names(const viz::ReportPage& page) {
  std::vector<std::string> out;
  for (const auto& f : page.files) out.push_back(f.first);
  return out;
}

TEST(ReportPage, GrowthTableShowsTheDiffOfTheTwoProfiles) {
  Profile base = read_folded(kBase, "base.folded"), now = read_folded(kNow, "now.folded");
  viz::ReportPage page = page_with_base(now, base);
  EXPECT_EQ(file_names(page), (std::vector<std::string>{"diff-flame.svg", "flame.svg", "graph.svg", "graph.dot"}));

  DiffReport diff = diff_profiles(base, StackTable(base, {}), 0, now, StackTable(now, {}), 0, true);
  const std::string unit = now.sample_types[0].unit;
  std::vector<std::vector<std::string>> expected;
  for (const auto& r : diff.rows)
    expected.push_back({viz::xml_escape(r.name), format_value(r.base, unit), format_value(r.now, unit),
                        format_delta(r.delta(), unit)});
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(table_rows(page.index_html, "growth-table"), expected);
  EXPECT_EQ(page.index_html.find("id=\"verdict\""), std::string::npos) << "no verdict without one";
  EXPECT_EQ(page.index_html.find("id=\"memory\""), std::string::npos) << "no chart without data";
}

TEST(ReportPage, WithoutABaseNoGrowthSectionsAndTheVerdictAndChartWhenGiven) {
  Profile now = read_folded(kNow, "now.folded");
  TrendReport verdict;
  verdict.snapshots = 6;
  verdict.sample_type = now.sample_types[0];
  TrendRow suspect;
  suspect.name = "recv_content";
  suspect.growth = 8000;
  verdict.suspects.push_back(suspect);
  viz::ReportPage page = page_alone(now, &verdict);
  EXPECT_EQ(file_names(page), (std::vector<std::string>{"flame.svg", "graph.svg", "graph.dot"}));
  const std::string& html = page.index_html;
  EXPECT_EQ(html.find("id=\"growth-table\""), std::string::npos);
  EXPECT_NE(html.find("Leak suspect: recv_content (1 suspect(s) over 6 snapshots)"), std::string::npos);
  EXPECT_NE(html.find("id=\"memory\""), std::string::npos);
  auto top = table_rows(html, "top-table");
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0][0], "recv_content");
  EXPECT_EQ(top[0][1], format_value(9000, now.sample_types[0].unit));
}

}  // namespace
}  // namespace leakscope::test
