// The scenario runner's pass/fail rules on plain facts (no broker): each rule that can fail a run
// is shown failing it, alone.
#include "leakscope/scenarios/verdict.h"

#include <gtest/gtest.h>

namespace leakscope::scenarios {
namespace {

RunFacts clean_fixed_run() {
  RunFacts f;
  f.variant = "fixed";
  f.expected_suspect = "leakscope::relay::notify_close";
  f.cut_connections = true;
  f.connected_at_end = true;
  return f;
}

TEST(ScenarioVerdict, FixedRunThatEndsCleanAndConnectedPasses) {
  RunVerdict v = decide_verdict(clean_fixed_run());
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.result, "clean: no suspect, nothing lost");
}

// The defect this guards: the runner released the fault proxy before deciding, so "a proxy was used"
// read false and a fixed notify-close run that ended disconnected still passed.
TEST(ScenarioVerdict, FixedRunWhoseConnectionWasCutFailsWhenDisconnectedAtTheEnd) {
  RunFacts f = clean_fixed_run();
  f.connected_at_end = false;
  RunVerdict v = decide_verdict(f);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.result.find("not connected"), std::string::npos) << v.result;
}

TEST(ScenarioVerdict, ConnectionStateDoesNotMatterWhenNothingCutIt) {
  RunFacts f = clean_fixed_run();
  f.cut_connections = false;
  f.connected_at_end = false;
  EXPECT_TRUE(decide_verdict(f).passed);
}

TEST(ScenarioVerdict, FixedRunFailsOnASuspectALossOrLoadgen) {
  RunFacts suspect = clean_fixed_run();
  suspect.suspects = 1;
  suspect.top_suspect = "leakscope::relay::recv_content";
  RunVerdict v = decide_verdict(suspect);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.result.find("suspect leakscope::relay::recv_content"), std::string::npos) << v.result;

  RunFacts lost = clean_fixed_run();
  lost.lost = 3;
  v = decide_verdict(lost);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.result.find("3 lost"), std::string::npos) << v.result;

  RunFacts loadgen = clean_fixed_run();
  loadgen.loadgen_ok = false;
  v = decide_verdict(loadgen);
  EXPECT_FALSE(v.passed);
  EXPECT_NE(v.result.find("loadgen"), std::string::npos) << v.result;
}

TEST(ScenarioVerdict, LeakyRunPassesOnlyWhenTheExpectedFunctionIsBlamed) {
  RunFacts f;
  f.variant = "leaky";
  f.expected_suspect = "leakscope::relay::notify_close";
  f.suspects = 1;
  f.top_suspect = "leakscope::relay::notify_close";
  f.connected_at_end = false;  // the leaky variant is judged by its suspect alone
  f.cut_connections = true;
  RunVerdict v = decide_verdict(f);
  EXPECT_TRUE(v.passed);
  EXPECT_EQ(v.result, "leak detected in leakscope::relay::notify_close");

  f.top_suspect = "leakscope::relay::recv_content";
  EXPECT_FALSE(decide_verdict(f).passed);
  f.suspects = 0;
  f.top_suspect = "";
  v = decide_verdict(f);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.result, "FAILED: expected suspect leakscope::relay::notify_close, got none");
}

}  // namespace
}  // namespace leakscope::scenarios
