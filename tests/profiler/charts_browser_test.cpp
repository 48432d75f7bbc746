// /debug/charts in a real browser (Debian's Chromium via playwright-core): data points that change
// over time, asserted from the DOM. The screenshot is kept in build/tests/artifacts/.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

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
  auto r = run_program({"node", BROWSER_TEST_DIR "/charts_check.mjs",
                        "http://127.0.0.1:" + std::to_string(port) + "/debug/charts", shot});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The check's figures: samples in the first and second look, points on the line at the second.
  auto figures = nlohmann::json::parse(r.out.substr(r.out.rfind('{')), nullptr, false);
  ASSERT_TRUE(figures.is_object()) << r.out;
  EXPECT_GT(figures["second"].get<int>(), 0) << r.out;
  EXPECT_EQ(figures["plotted"], figures["second"]) << "one point per sample: " << r.out;
  EXPECT_TRUE(std::filesystem::exists(shot));
}

}  // namespace
}  // namespace leakscope::test
