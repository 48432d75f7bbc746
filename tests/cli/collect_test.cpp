// `leakscope collect` against real profiled processes (profiled_service, linking the profiler) on
// loopback: a fleet of three, one leaking, judged by `trend DIR`; a target that goes away and comes
// back restarted; SIGTERM during a fetch; --retain; and the bad input of collect and trend DIR.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "child_process.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/series_files.h"
#include "run_command.h"
#include "wait_until.h"

namespace leakscope::test {

using analyzer::instance_of;
using analyzer::kInstanceLabel;
using analyzer::Label;
using analyzer::list_series_files;
using analyzer::Profile;
using analyzer::read_profile;
using analyzer::series_file_name;
using analyzer::SeriesFile;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
const std::string kLeakscope = LEAKSCOPE_BIN;
const std::string kService = PROFILED_SERVICE_BIN;
const std::string kLeakFunction = "(anonymous namespace)::leak_step";
const std::vector<std::string> kNoToken = {"env", "-u", "LEAKSCOPE_DEBUG_TOKEN"};

// A loopback port nobody listens on right now (bound, read, released).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// A profiled_service leaking `rate` KiB per 10 ms tick (0: only churn), sampling every 4 KiB.
struct Service {
  std::unique_ptr<ChildProcess> process;
  int port = 0;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/debug/pprof/heap"; }
  std::string instance() const { return "127.0.0.1:" + std::to_string(port); }
};

Service start_service(int rate, int port = 0) {
  Service s;
  s.process =
      std::make_unique<ChildProcess>(std::vector<std::string>{kService, "--rate", std::to_string(rate)},
                                     std::vector<std::string>{"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:" + std::to_string(port),
                                                              "MALLOC_CONF=lg_prof_sample:12"});
  s.port = wait_for_debug_port(*s.process, 10s);
  EXPECT_GT(s.port, 0) << s.process->err();
  return s;
}

CommandResult leakscope(const std::vector<std::string>& args) {
  std::vector<std::string> argv = kNoToken;
  argv.push_back(kLeakscope);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv);
}

// `leakscope collect` in the background, for tests that act on it while it runs.
std::unique_ptr<ChildProcess> start_collect(const std::vector<std::string>& args) {
  std::vector<std::string> argv{kLeakscope, "collect"};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<ChildProcess>(argv, std::vector<std::string>{"LEAKSCOPE_DEBUG_TOKEN="});
}

std::vector<SeriesFile> files_of(const std::string& dir, const std::string& instance) {
  std::vector<SeriesFile> mine;
  for (auto& f : list_series_files(dir))
    if (f.instance == instance) mine.push_back(f);
  return mine;
}

size_t count_of(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// Every file in `dir` is a whole series file: no temporary or partial names, each parses.
void expect_only_whole_series_files(const std::string& dir) {
  size_t listed = list_series_files(dir).size(), present = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++present;
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(read_profile(e.path().string()));
  }
  EXPECT_EQ(listed, present) << "only <instance>.<seq>.pb.gz files in " << dir;
}

TEST(Collect, FleetOfThreeTrendNamesOnlyTheLeakingInstance) {
  Service quiet1 = start_service(0), leaking = start_service(20), quiet2 = start_service(0);
  auto dir = scratch_dir("collect-fleet");
  auto r =
      leakscope({"collect", quiet1.url(), leaking.url(), quiet2.url(), "--every", "0.5", "--count", "8", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(count_of(r.out, "collect: round "), 8u) << r.out;
  EXPECT_NE(r.out.find("collect: round 8 at "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("3 of 3 instances answered"), std::string::npos) << r.out;

  // The files: <host:port>.<seq>.pb.gz, each labelled with its instance, collection times rising.
  for (const Service* s : {&quiet1, &leaking, &quiet2}) {
    auto mine = files_of(dir, s->instance());
    ASSERT_EQ(mine.size(), 8u) << s->instance();
    int64_t last_time = 0;
    for (size_t i = 0; i < mine.size(); ++i) {
      EXPECT_EQ(fs::path(mine[i].path).filename().string(), series_file_name(s->instance(), i + 1));
      Profile p = read_profile(mine[i].path);
      for (const auto& sample : p.samples) {  // a quiet process's profile may have none: the name says it
        auto label = std::find_if(sample.labels.begin(), sample.labels.end(),
                                  [](const Label& l) { return l.key == kInstanceLabel; });
        ASSERT_NE(label, sample.labels.end());
        EXPECT_EQ(label->str, s->instance());
      }
      if (s == &leaking) {
        EXPECT_EQ(instance_of(p), s->instance());
      }
      EXPECT_GT(p.time_nanos, last_time);
      last_time = p.time_nanos;
    }
  }

  // pprof reads the label as a tag: the referee for how it is encoded.
  auto tags = run_program({"go", "tool", "pprof", "-tags", files_of(dir, leaking.instance()).back().path});
  ASSERT_EQ(tags.exit_code, 0) << tags.err;
  EXPECT_NE(tags.out.find("instance: Total"), std::string::npos) << tags.out;
  EXPECT_NE(tags.out.find("(  100%): " + leaking.instance()), std::string::npos) << tags.out;

  auto t = leakscope({"trend", "--json", dir});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  auto j = nlohmann::json::parse(t.out);
  ASSERT_EQ(j["instances"].size(), 3u) << t.out;
  for (const auto& one : j["instances"]) {
    std::set<std::string> suspects;
    for (const auto& s : one["suspects"]) suspects.insert(s["name"]);
    EXPECT_EQ(one["snapshots"], 8);
    if (one["instance"] == leaking.instance())
      EXPECT_TRUE(suspects.count(kLeakFunction)) << one.dump();
    else
      EXPECT_TRUE(suspects.empty()) << one.dump();
  }
  ASSERT_FALSE(j["fleet_suspects"].empty()) << t.out;
  for (const auto& s : j["fleet_suspects"])
    EXPECT_EQ(s["instances"], nlohmann::json::array({leaking.instance()})) << s.dump();

  // The text report's verdict names the instance, and --fail-on-leak fails on it.
  auto text = leakscope({"trend", "--fail-on-leak", dir});
  EXPECT_EQ(text.exit_code, 1) << text.err;
  EXPECT_NE(text.out.find("Verdict: LEAK SUSPECTED on " + leaking.instance() + " (1 of 3 instances)"),
            std::string::npos)
      << text.out;

  // One instance's series, as files, is an ordinary trend; any file is an ordinary report.
  std::vector<std::string> trend_args = {"trend", "--json"};
  for (const auto& f : files_of(dir, leaking.instance())) trend_args.push_back(f.path);
  auto single = leakscope(trend_args);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  EXPECT_EQ(nlohmann::json::parse(single.out)["suspects"][0]["name"], kLeakFunction) << single.out;
  auto report = leakscope({"report", files_of(dir, leaking.instance()).back().path, "-o", dir + "-report"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(read_file(dir + "-report/index.html").find("leak_step"), std::string::npos);
}

TEST(Collect, TargetThatGoesAwayIsSaidOnceAndPickedUpWhenItReturns) {
  Service steady = start_service(0);
  int port = free_port();
  Service coming_and_going = start_service(0, port);
  auto dir = scratch_dir("collect-restart");
  auto collect = start_collect({steady.url(), coming_and_going.url(), "--every", "0.3", "--out", dir});
  ASSERT_TRUE(collect->wait_for_output("collect: round 2 ", 20s)) << collect->out() << collect->err();

  coming_and_going.process->terminate();
  ASSERT_TRUE(collect->wait_for_output("collect: " + coming_and_going.instance() + " went away", 20s))
      << collect->out();
  // Rounds go on with the other target while it is away.
  size_t steady_before = files_of(dir, steady.instance()).size();
  ASSERT_TRUE(wait_until([&] { return files_of(dir, steady.instance()).size() >= steady_before + 3; }, 20s));
  size_t away_files = files_of(dir, coming_and_going.instance()).size();

  Service back = start_service(0, port);  // a new process on the same port
  ASSERT_TRUE(collect->wait_for_output("collect: " + coming_and_going.instance() + " is back", 20s)) << collect->out();
  ASSERT_TRUE(wait_until([&] { return files_of(dir, coming_and_going.instance()).size() >= away_files + 2; }, 20s));

  collect->terminate();
  EXPECT_EQ(collect->wait_exit(5s), 0);
  std::string out = collect->out();
  EXPECT_EQ(count_of(out, "went away"), 1u) << "said once, not every round: " << out;
  EXPECT_NE(out.find(coming_and_going.instance() + " is back (restarted)"), std::string::npos) << out;
  EXPECT_NE(out.find("1 of 2 instances answered"), std::string::npos) << out;
  EXPECT_NE(out.find("collect: stopped by signal"), std::string::npos) << out;
  // The returned process's files go on with the numbering.
  auto mine = files_of(dir, coming_and_going.instance());
  for (size_t i = 0; i < mine.size(); ++i) EXPECT_EQ(mine[i].seq, i + 1);
  expect_only_whole_series_files(dir);
}

TEST(Collect, SigtermDuringAFetchStopsPromptlyLeavingOnlyWholeFiles) {
  Service s = start_service(5);
  auto dir = scratch_dir("collect-sigterm");
  // --seconds 6: each fetch is a delta profile that takes six seconds to answer.
  auto collect = start_collect({s.url(), "--seconds", "6", "--every", "0.5", "--out", dir});
  ASSERT_TRUE(collect->wait_for_output("collect: round 1 ", 30s)) << collect->out() << collect->err();
  ASSERT_EQ(files_of(dir, s.instance()).size(), 1u);
  std::this_thread::sleep_for(500ms);  // into round 2's fetch
  ::kill(collect->pid(), SIGTERM);
  // Well before the fetch would have ended (it is aborted, not waited for); the bound keeps a hang red.
  EXPECT_EQ(collect->wait_exit(4s), 0) << collect->out() << collect->err();
  EXPECT_NE(collect->out().find("collect: stopped by signal after 1 rounds; 1 files"), std::string::npos)
      << collect->out();
  EXPECT_EQ(files_of(dir, s.instance()).size(), 1u) << "the interrupted fetch wrote nothing";
  expect_only_whole_series_files(dir);
}

TEST(Collect, RetainKeepsTheNewestPerInstance) {
  Service a = start_service(0), b = start_service(0);
  auto dir = scratch_dir("collect-retain");
  auto r = leakscope({"collect", a.url(), b.url(), "--every", "0.2", "--count", "6", "--retain", "3", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const Service* s : {&a, &b}) {
    auto mine = files_of(dir, s->instance());
    ASSERT_EQ(mine.size(), 3u);
    EXPECT_EQ(mine.front().seq, 4u);
    EXPECT_EQ(mine.back().seq, 6u);
  }
  // Collecting again into the same directory goes on from the last number.
  r = leakscope({"collect", a.url(), "--every", "0.2", "--count", "1", "--out", dir});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_of(dir, a.instance()).back().seq, 7u);
}

// Readers take only whole series files: not a .partial a killed collect left, nor other files.
TEST(SeriesFiles, ListingSkipsPartialAndForeignFiles) {
  auto dir = scratch_dir("series-listing");
  for (std::string name : {"127.0.0.1:6060.000002.pb.gz", "127.0.0.1:6060.000010.pb.gz", "[::1]:80.000001.pb.gz",
                           "127.0.0.1:6060.000003.pb.gz.partial", "notes.txt", "127.0.0.1:6060.pb.gz", "x.12a.pb.gz"})
    std::ofstream(dir + "/" + name) << "x";
  fs::create_directories(dir + "/sub.000001.pb.gz");
  auto files = list_series_files(dir);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].instance, "127.0.0.1:6060");
  EXPECT_EQ(files[0].seq, 2u);
  EXPECT_EQ(files[1].seq, 10u) << "numeric order, not text order";
  EXPECT_EQ(files[2].instance, "[::1]:80");
  EXPECT_EQ(series_file_name("127.0.0.1:6060", 7), "127.0.0.1:6060.000007.pb.gz");
}

// The error contract: exit 2, one line on stderr naming what is wrong, no files written.
void expect_one_line_error(const CommandResult& r, const std::string& first_words) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(count_of(r.err, "\n"), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("leakscope: " + first_words, 0), 0u) << r.err;
}

TEST(Collect, BadInputIsOneLineAndExit2) {
  Service s = start_service(0);
  auto dir = scratch_dir("collect-bad");
  std::string refused = "http://127.0.0.1:" + std::to_string(free_port()) + "/debug/pprof/heap";
  {
    auto r = leakscope({"collect", s.url(), refused, "--every", "1", "--count", "2", "--out", dir + "/out"});
    expect_one_line_error(r, refused + ": connection refused");
    EXPECT_TRUE(!fs::exists(dir + "/out") || fs::is_empty(dir + "/out"))
        << "nothing written when a target is down at start";
  }
  for (const std::string every : {"0", "-1", "abc", "1e999"}) {
    auto r = leakscope({"collect", s.url(), "--every", every, "--count", "1", "--out", dir + "/out"});
    SCOPED_TRACE(every);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--every"), std::string::npos) << r.err;
    EXPECT_EQ(count_of(r.err, "\n"), 1u) << r.err;
  }
  {
    std::ofstream(dir + "/a-file") << "x";
    auto r = leakscope({"collect", s.url(), "--every", "1", "--count", "1", "--out", dir + "/a-file"});
    expect_one_line_error(r, dir + "/a-file: is not a directory");
  }
  {
    auto r = leakscope({"collect", dir + "/a-file", "--every", "1", "--count", "1", "--out", dir + "/out"});
    expect_one_line_error(r, dir + "/a-file: collect polls http:// or https:// URLs");
  }
  {
    auto r = leakscope({"collect", s.url(), s.url(), "--every", "1", "--count", "1", "--out", dir + "/out"});
    expect_one_line_error(r, s.url() + ": instance " + s.instance() + " given twice");
  }
  {
    auto r = leakscope({"collect", s.url(), "--every", "1", "--count", "1", "--duration", "3", "--out", dir + "/out"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--duration"), std::string::npos) << r.err;
  }
  {
    fs::create_directories(dir + "/empty");
    auto r = leakscope({"trend", dir + "/empty"});
    expect_one_line_error(r, dir + "/empty: empty directory, expected heap snapshots");
  }
}

}  // namespace
}  // namespace leakscope::test
