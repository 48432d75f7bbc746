// /debug/charts in a real browser (Debian's Chromium via playwright-core): data points that change
// over time, asserted from the DOM. The screenshot is kept in build/tests/artifacts/.
#include <gtest/gtest.h>

#include <filesystem>

#include "child_process.h"
#include "run_command.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;

TEST(ChartsInBrowser, LiveChartShowsChangingData) {
  ChildProcess service({PROFILED_SERVICE_BIN, "--rate", "30"}, {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
  ASSERT_TRUE(service.wait_for_output("ready", 10s)) << service.err();
  int port = debug_port(service);
  ASSERT_GT(port, 0);
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  std::filesystem::create_directories(artifacts);
  std::string shot = artifacts + "/debug-charts.png";
  std::filesystem::remove(shot);
  auto r = run_command("node " + shell_quote(BROWSER_TEST_DIR "/charts_check.mjs") +
                       " http://127.0.0.1:" + std::to_string(port) + "/debug/charts " + shell_quote(shot));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"plotted\""), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(shot));
}

}  // namespace
}  // namespace leakscope::test
