// Flame graph and report pages in a real browser (Debian's Chromium via playwright-core), opened
// from file:// as users do. Screenshots are kept in build/tests/artifacts/.
#include <gtest/gtest.h>

#include <filesystem>

#include "child_process.h"
#include "serve_port.h"
#include "viz_test_support.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;

TEST(VizInBrowser, FlameSearchZoomUrlStateAndReport) {
  std::string dir = scratch_dir("viz_browser");
  ASSERT_TRUE(make_backlog_series(dir));
  CommandResult r;
  r = run_program({kLeakscope, "report", dir + "/snapshot.5.heap", "--base", dir + "/snapshot.1.heap", "--trend-json",
                   dir + "/trend.json", "-o", dir + "/report"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  std::filesystem::create_directories(artifacts);
  r = run_program({"node", BROWSER_TEST_DIR "/flame_check.mjs", dir + "/report/flame.svg",
                   "(anonymous namespace)::recv_content", "recv_content", dir + "/report", artifacts});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"zoomed\""), std::string::npos) << r.out;
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/flame-zoom.png"));
  EXPECT_TRUE(std::filesystem::exists(artifacts + "/report.png"));
}

TEST(VizInBrowser, ServeViewsSearchSampleTypesRefineZoomAndDownload) {
  std::string dir = scratch_dir("serve_browser");
  auto r = run_program({std::string(BACKLOG_DEMO_BIN), dir}, {"MALLOC_CONF=prof:true,lg_prof_sample:16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ChildProcess serve({kLeakscope, "serve", dir + "/snapshot.5.heap", "--http", "127.0.0.1:0"}, {});
  int port = serve_port(serve, 30s);
  ASSERT_NE(port, 0) << serve.err();
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  std::filesystem::create_directories(artifacts);
  r = run_program({"node", BROWSER_TEST_DIR "/serve_check.mjs", "http://127.0.0.1:" + std::to_string(port),
                   "(anonymous namespace)::recv_content", "recv_content", artifacts});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"zoom\""), std::string::npos) << r.out;
  serve.terminate();
  EXPECT_EQ(serve.wait_exit(10s), 0) << "SIGTERM stops the server cleanly: " << serve.err();
}

}  // namespace
}  // namespace leakscope::test
