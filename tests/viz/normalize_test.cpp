// --normalize means one thing on every surface: `leakscope diff` (diff_profiles) and the drawn views
// of `report`, `flame`, `dot` and `serve` (viz::base_scale) scale the base by the same factor, taken
// from the whole profiles before --focus/--ignore, so a focused normalized diff shows the same numbers
// in the growth table, the differential flame graph and the call graph.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "leakscope/analyzer/diff_report.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/viz/views.h"
#include "viz_test_support.h"

namespace leakscope::test {

using analyzer::diff_profiles;
using analyzer::DiffReport;
using analyzer::DiffRow;
using analyzer::format_delta;
using analyzer::format_value;
using analyzer::Profile;
using analyzer::read_folded;
using analyzer::StackOptions;
using analyzer::StackTable;

namespace {

// Whole profiles 400 -> 1600 (factor 4); the focused function x 100 -> 300 (factor 3). Normalizing
// by the focused totals would hide x's change; by the whole profiles, x grew less than the rest.
const char* kBase = "main;a;x 100\nmain;b 300\n";
const char* kNow = "main;a;x 300\nmain;b 1300\n";

int64_t flat_of(const DiffReport& d, const std::string& name, int64_t DiffRow::*column) {
  for (const auto& r : d.rows)
    if (r.name == name) return r.*column;
  return INT64_MIN;
}

TEST(Normalize, FocusedDiffAndViewsScaleTheBaseByTheSameWholeProfileFactor) {
  Profile base = read_folded(kBase, "base"), now = read_folded(kNow, "now");
  StackOptions focus;
  focus.focus = "^x$";
  DiffReport d = diff_profiles(base, StackTable(base, focus), 0, now, StackTable(now, focus), 0, true);
  EXPECT_DOUBLE_EQ(d.base_scale, 4.0) << "the whole profiles' totals, not the focused ones";
  EXPECT_EQ(flat_of(d, "x", &DiffRow::base), 400);
  EXPECT_EQ(flat_of(d, "x", &DiffRow::now), 300);

  viz::ViewInput view{&now, 0, &base, 0, true, focus};
  EXPECT_DOUBLE_EQ(viz::base_scale(view), d.base_scale);
  viz::FlameTree tree = viz::flame_tree_for(view, false);
  bool found = false;
  for (uint32_t n = 0; n < tree.nodes().size(); ++n) {
    if (tree.name(n) != "x") continue;
    found = true;
    EXPECT_EQ(tree.nodes()[n].base, flat_of(d, "x", &DiffRow::base)) << "differential flame graph, base column";
    EXPECT_EQ(tree.nodes()[n].value, flat_of(d, "x", &DiffRow::now)) << "differential flame graph, new column";
  }
  EXPECT_TRUE(found) << "x in the differential flame graph";
  viz::CallGraphOptions all;
  all.nodecount = 0;
  all.nodefraction = all.edgefraction = 0;
  viz::CallGraph graph = viz::call_graph_for(view, all);
  found = false;
  for (const auto& node : graph.nodes) {
    if (node.name != "x") continue;
    found = true;
    EXPECT_EQ(node.flat, -100) << "call graph of the growth: 300 - 4 x 100";
  }
  EXPECT_TRUE(found) << "x in the call graph";
}

// The CLI's diff goes through the same function: its JSON rows carry the whole-profile factor.
TEST(Normalize, DiffCommandUsesTheWholeProfileFactor) {
  std::string dir = scratch_dir("normalize_focus");
  write_text(dir + "/base.folded", kBase);
  write_text(dir + "/now.folded", kNow);
  auto r = run_program(
      {kLeakscope, "diff", "--json", "--normalize", "--focus", "^x$", dir + "/base.folded", dir + "/now.folded"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 1u) << r.out;
  EXPECT_EQ(j["rows"][0]["name"], "x");
  EXPECT_EQ(j["rows"][0]["base"], 400);
  EXPECT_EQ(j["rows"][0]["new"], 300);
  EXPECT_EQ(j["rows"][0]["delta"], -100);
}

// `diff --normalize --focus X` and `report --normalize --focus X` print the same numbers for the same input.
TEST(Normalize, DiffAndReportCommandsPrintTheSameFocusedNormalizedNumbers) {
  std::string dir = scratch_dir("normalize_report");
  write_text(dir + "/base.folded", "main;a;x 100\nmain;a;y 50\nmain;b 250\n");
  write_text(dir + "/now.folded", "main;a;x 300\nmain;a;y 400\nmain;b 900\n");
  auto diff = run_program(
      {kLeakscope, "diff", "--json", "--normalize", "--focus", "^a$", dir + "/base.folded", dir + "/now.folded"});
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  auto report = run_program({kLeakscope, "report", "--normalize", "--focus", "^a$", dir + "/now.folded", "--base",
                             dir + "/base.folded", "-o", dir + "/out"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  auto j = nlohmann::json::parse(diff.out);
  const std::string unit = j["unit"];
  std::vector<std::vector<std::string>> from_diff;
  for (const auto& row : j["rows"])
    from_diff.push_back({row["name"], format_value(row["base"], unit), format_value(row["new"], unit),
                         format_delta(row["delta"], unit)});
  // Whole profiles 400 -> 1600: the base x4, so y +200 and x -100 (the focused totals, 150 -> 700, give x4.67).
  ASSERT_EQ(from_diff.size(), 2u) << diff.out;
  EXPECT_EQ(table_rows(read_file(dir + "/out/index.html"), "growth-table"), from_diff);
}

}  // namespace
}  // namespace leakscope::test
