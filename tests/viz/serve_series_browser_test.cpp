// The Timeline of `leakscope serve DIR` in a real browser (Debian's Chromium via playwright-core):
// drag a window on the chart, then Top, the flame graph and Peek show that window's growth, checked
// against `leakscope diff`, `leakscope flame --base` and `leakscope top --base` of the same two files. Screenshots are
// kept in build/tests/artifacts/. And the series' reading progress and a watched directory's new
// snapshots, followed by the page without a manual reload.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "child_process.h"
#include "serve_port.h"
#include "viz_test_support.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(TimelineInBrowser, DraggedWindowShowsItsGrowthInTopAndFlameGraph) {
  std::string work = scratch_dir("timeline_browser");
  ASSERT_TRUE(make_backlog_series(work));
  std::string dir = work + "/series";
  fs::create_directories(dir);
  for (int i = 1; i <= 5; ++i) {
    std::string name = "/snapshot." + std::to_string(i) + ".heap";
    fs::copy_file(work + name, dir + name, fs::copy_options::overwrite_existing);
    fs::last_write_time(dir + name, fs::last_write_time(work + name));  // a dump's time is its mtime
  }
  // The window 1..4 is snapshot.2 -> snapshot.5.
  auto r = run_program(
      {kLeakscope, "diff", "--json", "--nodecount", "0", dir + "/snapshot.2.heap", dir + "/snapshot.5.heap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ofstream(work + "/diff.json") << r.out;  // the page check reads these from files
  r = run_program(
      {kLeakscope, "flame", dir + "/snapshot.5.heap", "--base", dir + "/snapshot.2.heap", "-o", work + "/window.svg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_program(
      {kLeakscope, "top", "--nodecount", "0", dir + "/snapshot.5.heap", "--base", dir + "/snapshot.2.heap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ofstream(work + "/top-base.txt") << r.out;
  ChildProcess serve({kLeakscope, "serve", dir, "--http", "127.0.0.1:0"}, {});
  int port = serve_port(serve);
  ASSERT_NE(port, 0) << serve.err();
  ASSERT_TRUE(serve_read_series(serve)) << serve.err();
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  fs::create_directories(artifacts);
  r = run_program({"node", BROWSER_TEST_DIR "/timeline_check.mjs", "http://127.0.0.1:" + std::to_string(port), "1", "4",
                   work + "/diff.json", work + "/window.svg", work + "/top-base.txt", artifacts});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"clicked\""), std::string::npos) << r.out;
  for (const char* shot :
       {"timeline.png", "timeline-window.png", "timeline-top.png", "timeline-flame.png", "timeline-peek.png"})
    EXPECT_TRUE(fs::exists(artifacts + "/" + shot)) << shot;
  serve.terminate();
  EXPECT_EQ(serve.wait_exit(10s), 0) << serve.err();
}

// The series read in the background and a watched directory, in the browser: `serve DIR FIFO`
// holds its last snapshot back (reading a FIFO waits for its writer) until the page has shown the
// progress; then the page must reload by itself, and again when a snapshot is copied into DIR.
TEST(TimelineInBrowser, ShowsReadingProgressThenFollowsNewSnapshotsWithoutAManualReload) {
  std::string work = scratch_dir("timeline_live_browser");
  ASSERT_TRUE(make_backlog_series(work));
  std::string dir = work + "/series";
  fs::create_directories(dir);
  for (int i = 1; i <= 4; ++i) {
    std::string name = "/snapshot." + std::to_string(i) + ".heap";
    fs::copy_file(work + name, dir + name, fs::copy_options::overwrite_existing);
    fs::last_write_time(dir + name, fs::last_write_time(work + name));  // a dump's time is its mtime
  }
  // The snapshot that will appear in the watched directory: the last one again, written later.
  fs::copy_file(work + "/snapshot.5.heap", work + "/snapshot.6.heap", fs::copy_options::overwrite_existing);
  std::string fifo = work + "/held-back.heap";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  ChildProcess serve({kLeakscope, "serve", dir, fifo, "--http", "127.0.0.1:0", "--every", "0.2"}, {});
  int port = serve_port(serve);
  ASSERT_NE(port, 0) << serve.err();
  std::string artifacts = std::string(LEAKSCOPE_TEST_SCRATCH) + "/../artifacts";
  fs::create_directories(artifacts);
  auto r = run_program({"node", BROWSER_TEST_DIR "/timeline_live_check.mjs", "http://127.0.0.1:" + std::to_string(port),
                        fifo, work + "/snapshot.5.heap", work + "/snapshot.6.heap", dir, artifacts});
  // A script that failed before writing the FIFO leaves serve's reader waiting: an empty write ends it.
  int unblock = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (unblock >= 0) ::close(unblock);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"live\""), std::string::npos) << r.out;
  for (const char* shot : {"timeline-loading.png", "timeline-live.png"})
    EXPECT_TRUE(fs::exists(artifacts + "/" + shot)) << shot;
  serve.terminate();
  EXPECT_EQ(serve.wait_exit(10s), 0) << serve.err();
}

}  // namespace
}  // namespace leakscope::test
