// diff_profiles in process: rows matched by name, unchanged ones omitted, largest change first, and
// --normalize's factor inside the report it returns (normalize_test.cpp checks it against the views).
#include "leakscope/analyzer/diff_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {
namespace {

DiffReport diff_of(const std::string& base_text, const std::string& now_text, bool normalize,
                   const StackOptions& stacks = {}) {
  Profile base = read_folded(base_text, "base"), now = read_folded(now_text, "now");
  return diff_profiles(base, StackTable(base, stacks), 0, now, StackTable(now, stacks), 0, normalize);
}

std::vector<std::string> names(const DiffReport& d) {
  std::vector<std::string> out;
  for (const auto& r : d.rows) out.push_back(r.name);
  return out;
}

TEST(Diff, RowsByLargestChangeUnchangedOmitted) {
  DiffReport d = diff_of("main;grows 100\nmain;same 500\nmain;shrinks 400\nmain;gone 50\n",
                         "main;grows 1100\nmain;same 500\nmain;shrinks 100\nmain;born 200\n", false);
  EXPECT_EQ(names(d), (std::vector<std::string>{"grows", "shrinks", "born", "gone"}));
  EXPECT_EQ(d.rows[0].delta(), 1000);
  EXPECT_EQ(d.rows[1].delta(), -300);
  EXPECT_EQ(d.rows[3].now, 0) << "a function only in the base";
  EXPECT_EQ(d.base_total, 1050);
  EXPECT_EQ(d.new_total, 1900);
  EXPECT_FALSE(d.normalized);
  EXPECT_DOUBLE_EQ(d.base_scale, 1.0);
}

TEST(Diff, NormalizeScalesTheBaseToTheNewTotalInsideTheReport) {
  DiffReport d = diff_of("main;a 100\nmain;b 100\n", "main;a 300\nmain;b 500\n", true);
  EXPECT_TRUE(d.normalized);
  EXPECT_DOUBLE_EQ(d.base_scale, 4.0);
  EXPECT_EQ(d.base_total, 800) << "the scaled base";
  EXPECT_EQ(names(d), (std::vector<std::string>{"a", "b"})) << "a: 300 - 400, b: 500 - 400";
  EXPECT_EQ(d.rows[0].delta(), -100);
  EXPECT_EQ(d.rows[1].delta(), 100);
}

TEST(Diff, EmptyBaseIsNotScaled) {
  DiffReport d = diff_of("main;a 0\n", "main;a 300\n", true);
  EXPECT_DOUBLE_EQ(d.base_scale, 1.0);
  ASSERT_EQ(d.rows.size(), 1u);
  EXPECT_EQ(d.rows[0].delta(), 300);
}

TEST(Diff, JsonCarriesTheRowsAndTheirCap) {
  DiffReport d = diff_of("main;a 100\nmain;b 10\n", "main;a 400\nmain;b 30\n", false);
  auto j = nlohmann::json::parse(render_diff_json(d, 1));
  EXPECT_EQ(j["base_total"], 110);
  EXPECT_EQ(j["new_total"], 430);
  ASSERT_EQ(j["rows"].size(), 1u);
  EXPECT_EQ(j["rows"][0]["name"], "a");
  EXPECT_EQ(j["rows"][0]["delta"], 300);
}

}  // namespace
}  // namespace leakscope::analyzer
