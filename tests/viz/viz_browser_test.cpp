// Flame graph and report pages in a real browser (Debian's Chromium via playwright-core), opened
// from file:// as users do. Screenshots are kept in build/tests/artifacts/.
#include <gtest/gtest.h>

#include <filesystem>

#include "viz_test_support.h"

namespace leakscope::test {
namespace {

TEST(VizInBrowser, FlameSearchZoomUrlStateAndReport) {
  std::string dir = scratch_dir("viz_browser");
  auto r = run_command("MALLOC_CONF=prof:true,lg_prof_sample:16 " + std::string(BACKLOG_DEMO_BIN) + " " + dir);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string snaps;
  for (int i = 1; i <= 5; ++i) snaps += " " + dir + "/snapshot." + std::to_string(i) + ".heap";
  r = run_command(kLeakscope + " trend --json" + snaps + " > " + dir + "/trend.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_command(kLeakscope + " report " + dir + "/snapshot.5.heap --base " + dir + "/snapshot.1.heap --trend-json " +
                  dir + "/trend.json -o " + dir + "/report");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  std::filesystem::create_directories(artifacts);
  r = run_command("node " + shell_quote(BROWSER_TEST_DIR "/flame_check.mjs") + " " + dir + "/report/flame.svg " +
                  shell_quote("(anonymous namespace)::recv_content") + " recv_content " + dir + "/report " + artifacts);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"zoomed\""), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/flame-zoom.png"));
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/report.png"));
}

}  // namespace
}  // namespace leakscope::test
