// The leak scenarios as regression checks (ctest label: scenario). Each runs scenarios/run for real,
// then checks the verdict against the raw artifacts it did not compute itself: the deliveries fake-fcm
// recorded, the snapshot files, and `leakscope diff` of the first and last snapshot (a different
// path from the trend verdict).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "child_process.h"
#include "leakscope/relay/job.h"
#include "run_command.h"
#include "wait_until.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::string kBinDir = fs::path(LEAKSCOPE_BIN).parent_path().string();
const std::string kRun = std::string(SCENARIOS_DIR) + "/run";

struct Outcome {
  int exit_code;
  nlohmann::json verdict;
  std::string dir;
};

Outcome run_scenario(const std::string& name, const std::string& variant,
                     const std::vector<std::string>& extra = {"--duration", "12"}) {
  std::string dir = scratch_dir("scenario-" + name + "-" + variant);
  std::vector<std::string> argv = {kRun, name, "--variant", variant};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), {"--out", dir});
  auto r = run_program(argv, {"LEAKSCOPE_BUILD=" + fs::path(kBinDir).parent_path().string()});
  std::cerr << r.out;
  nlohmann::json v = nlohmann::json::object();
  if (fs::exists(dir + "/verdict.json")) v = nlohmann::json::parse(read_file(dir + "/verdict.json"));
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  return {r.exit_code, v, dir};
}

std::vector<std::string> snapshots(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir + "/snapshots")) files.push_back(e.path().string());
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    auto seq = [](const std::string& f) { return std::stoull(f.substr(f.rfind('.', f.size() - 7) + 1)); };
    return seq(a) < seq(b);
  });
  return files;
}

// Distinct job ids fake-fcm accepted, and all acceptances.
std::pair<size_t, size_t> recorded_deliveries(const std::string& dir) {
  std::ifstream in(dir + "/accepted.jsonl");
  std::set<std::string> ids;
  size_t all = 0;
  for (std::string line; std::getline(in, line); ++all) ids.insert(relay::job_id(nlohmann::json::parse(line)));
  return {ids.size(), all};
}

std::string top_growth(const std::string& dir) {
  auto s = snapshots(dir);
  auto r = run_program({std::string(LEAKSCOPE_BIN), "diff", "--json", s.front(), s.back()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto d = nlohmann::json::parse(r.out);
  return d["rows"].empty() ? "" : d["rows"][0]["name"].get<std::string>();
}

void expect_consistent(const Outcome& o) {
  auto [unique, all] = recorded_deliveries(o.dir);
  EXPECT_EQ(o.verdict["delivered"].get<size_t>(), unique);
  EXPECT_EQ(o.verdict["duplicates"].get<size_t>(), all - unique);
  EXPECT_EQ(o.verdict["snapshots"].get<size_t>(), snapshots(o.dir).size());
  EXPECT_GE(snapshots(o.dir).size(), 8u);
  EXPECT_TRUE(fs::exists(o.dir + "/report/index.html"));
  EXPECT_TRUE(fs::exists(o.dir + "/report/diff-flame.svg"));
}

// memory.csv's rows that have a sampled heap: (relay allocated, sampled heap) of the first and last.
std::pair<std::pair<double, double>, std::pair<double, double>> allocated_and_sampled_ends(const std::string& dir) {
  std::ifstream csv(dir + "/memory.csv");
  std::string line;
  std::getline(csv, line);  // seconds,relay RSS,RSS in jemalloc,other anonymous,file-backed,relay allocated,profiler's
                            // own,sampled heap
  std::vector<std::pair<double, double>> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
    if (cells.size() >= 8 && !cells[7].empty())
      rows.push_back({std::atof(cells[5].c_str()), std::atof(cells[7].c_str())});
  }
  EXPECT_GE(rows.size(), 2u);
  if (rows.size() < 2) return {};
  return {rows.front(), rows.back()};
}

// Memory that adds up while it leaks: the relay's allocated bytes (the profiler's own apart) grow by
// what its heap profile grows by. At the scenarios' 4 KiB sampling jemalloc's 16 KiB extents for
// sampled objects made them grow 3.6 times faster until the profiler charged those to itself.
void expect_allocated_growth_explained_by_profile(const Outcome& o) {
  auto [first, last] = allocated_and_sampled_ends(o.dir);
  double allocated_growth = last.first - first.first, sampled_growth = last.second - first.second;
  EXPECT_GT(sampled_growth, 1e6);
  EXPECT_NEAR(allocated_growth, sampled_growth, 0.3 * sampled_growth + 2e6)
      << "relay allocated " << first.first << " -> " << last.first << ", sampled heap " << first.second << " -> "
      << last.second;
}

// A leaky run: the runner's verdict names `function`, and so does leakscope diff of the raw snapshots.
Outcome expect_leak_in(const std::string& scenario, const std::string& function) {
  auto o = run_scenario(scenario, "leaky");
  EXPECT_EQ(o.exit_code, 0) << o.verdict.dump(1);
  EXPECT_FALSE(o.verdict["suspects"].empty()) << o.verdict.dump(1);
  if (!o.verdict["suspects"].empty()) {
    EXPECT_EQ(o.verdict["suspects"][0]["name"], function);
  }
  expect_consistent(o);
  EXPECT_EQ(top_growth(o.dir), function);
  expect_allocated_growth_explained_by_profile(o);
  return o;
}

// Production mode holds no leak, and the profiler must not add one of its own: RSS and the relay's
// allocated bytes at the end within 8 and 4 MiB of the first sample (issue #13; the in-process symbolizer
// made this 23 -> 70 MiB), a snapshot a second, at any sampling rate. And every memory.csv row's parts
// add up to the RSS beside them.
void expect_flat_memory_that_adds_up(const Outcome& o) {
  constexpr int64_t kMiB = 1 << 20;
  EXPECT_LE(o.verdict["rss_end"].get<int64_t>() - o.verdict["rss_start"].get<int64_t>(), 8 * kMiB) << o.verdict.dump(1);
  EXPECT_LE(o.verdict["allocated_end"].get<int64_t>() - o.verdict["allocated_start"].get<int64_t>(), 4 * kMiB)
      << o.verdict.dump(1);
  std::ifstream csv(o.dir + "/memory.csv");
  std::string line;
  std::getline(csv, line);
  ASSERT_EQ(line.rfind("seconds,relay RSS,RSS in jemalloc,other anonymous,file-backed,", 0), 0u) << line;
  size_t rows = 0;
  while (std::getline(csv, line)) {
    std::vector<int64_t> v;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) v.push_back(cell.empty() ? -1 : std::atoll(cell.c_str()));
    ASSERT_GE(v.size(), 5u) << line;
    int64_t rss = v[1], parts = v[2] + v[3] + v[4];
    // Shared memory is the only part not in the CSV; the relay maps none beyond a few pages.
    EXPECT_NEAR(static_cast<double>(parts), static_cast<double>(rss), 2.0 * kMiB) << line;
    ++rows;
  }
  EXPECT_GE(rows, 8u);
}

// The relay's allocated bytes are what its heap profile explains: the profiler's share (its arena,
// sample promotion, jemalloc's records) and the thread caches' free objects apart, what is left is
// sampling error and the few allocations made before sampling started (measured: 0.4 MB). Only at the
// scenarios' 4 KiB: at 512 KiB a relay's 1.5 MB heap is a handful of samples.
void expect_allocated_explained_by_profile(const Outcome& o) {
  constexpr double kMiB = 1 << 20;
  auto last = allocated_and_sampled_ends(o.dir).second;
  EXPECT_NEAR(last.first, last.second, 0.3 * last.second + 1.0 * kMiB)
      << "relay allocated " << last.first << ", sampled heap " << last.second;
}

TEST(Scenario, AutoackLeakyBlamesRecvContent) {
  auto o = expect_leak_in("autoack", "leakscope::relay::recv_content");
  // Auto-ack's real damage: what sat in the relay's buffer when it stopped is gone.
  EXPECT_GT(o.verdict["lost"].get<int64_t>(), 0);
}

TEST(Scenario, AutoackFixedIsCleanAndLosesNothing) {
  auto o = run_scenario("autoack", "fixed");
  EXPECT_EQ(o.exit_code, 0) << o.verdict.dump(1);
  EXPECT_TRUE(o.verdict["suspects"].empty()) << o.verdict.dump(1);
  EXPECT_EQ(o.verdict["lost"], 0);
  expect_consistent(o);
  EXPECT_GT(o.verdict["still_queued"].get<int64_t>(), 0) << "the backlog waited in the broker";
  expect_flat_memory_that_adds_up(o);
  expect_allocated_explained_by_profile(o);
}

// At production's sampling rate (512 KiB, jemalloc's default) the first leak is still named and the
// fix still clean. The auto-ack backlog is a queue that is also drained (sent bodies are freed), so
// its sampled bytes fall at times and only the steady fit applies: 20 s (about 20 periods) flagged
// it in 1 of 2 runs; 45 s gave the fit about 1.6 times the growth it needs, but one clean-clone run
// under ctest -j2 grew only 9.0 MB between the thirds of its series against 10.3 MB of 3-sigma noise
// (its backlog rose in bursts). Growth scales with the duration and the noise with its square root:
// 90 s doubles the one and multiplies the other by 1.4, which puts even that run above the noise.
TEST(Scenario, AutoackAtProductionSampling) {
  auto leaky = run_scenario("autoack", "leaky", {"--lg-sample", "19", "--duration", "90"});
  EXPECT_EQ(leaky.verdict["sampling_period_bytes"], 512 * 1024);
  ASSERT_FALSE(leaky.verdict["suspects"].empty()) << leaky.verdict.dump(1);
  EXPECT_EQ(leaky.verdict["suspects"][0]["name"], "leakscope::relay::recv_content");
  auto fixed = run_scenario("autoack", "fixed", {"--lg-sample", "19", "--duration", "20"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.verdict.dump(1);
  EXPECT_TRUE(fixed.verdict["suspects"].empty()) << fixed.verdict.dump(1);
  EXPECT_EQ(fixed.verdict["lost"], 0);
  expect_flat_memory_that_adds_up(fixed);  // issue #13 §1: the retained budget at 512 KiB under load too
}

TEST(Scenario, NotifyCloseLeakyBlamesNotifyClose) {
  auto o = expect_leak_in("notify-close", "leakscope::relay::notify_close");
  EXPECT_GT(o.verdict["close_listeners_at_end"].get<int64_t>(), 100);
}

TEST(Scenario, NotifyCloseFixedIsCleanAndEveryReconnectWorks) {
  auto o = run_scenario("notify-close", "fixed");
  EXPECT_EQ(o.exit_code, 0) << o.verdict.dump(1);
  EXPECT_TRUE(o.verdict["suspects"].empty()) << o.verdict.dump(1);
  EXPECT_EQ(o.verdict["lost"], 0);
  EXPECT_EQ(o.verdict["close_listeners_at_end"], 0);
  EXPECT_GE(o.verdict["connection_cuts"].get<int>(), 15);
  EXPECT_GE(o.verdict["reconnects"].get<int>(), o.verdict["connection_cuts"].get<int>() - 1);
  EXPECT_TRUE(o.verdict["connected_at_end"].get<bool>());
  expect_flat_memory_that_adds_up(o);
  expect_allocated_explained_by_profile(o);
  expect_consistent(o);
}

// Ctrl-C mid-run: the runner stops every process it started. This test process becomes a child
// subreaper, so anything the runner left behind would be reparented here and show up in waitpid.
TEST(Scenario, InterruptLeavesNoOrphans) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  std::string dir = scratch_dir("scenario-interrupt");
  {
    ChildProcess runner(
        {kBinDir + "/scenario-run", "notify-close", "--variant", "leaky", "--duration", "30", "--out", dir}, {});
    ASSERT_TRUE(runner.wait_for_event("publishing", 120s, {{"scenario", "notify-close"}})) << runner.err();
    std::this_thread::sleep_for(2s);
    kill(runner.pid(), SIGINT);
    EXPECT_EQ(runner.wait_exit(60s), 130) << runner.err();
    EXPECT_NE(runner.err().find("interrupted"), std::string::npos);
  }
  // What is left running under this process: processes the runner stopped may take a moment to
  // exit (they are reaped below), so wait until none is left, within a bound.
  std::vector<std::string> left;
  std::vector<pid_t> left_pids;
  auto list_left = [&] {
    left.clear();
    left_pids.clear();
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::string stat = read_file(e.path().string() + "/stat");
      if (stat.empty()) continue;
      size_t close = stat.rfind(')');
      if (close == std::string::npos) continue;
      int ppid = 0;
      char state = 0;
      if (sscanf(stat.c_str() + close + 2, "%c %d", &state, &ppid) == 2 && ppid == getpid() && state != 'Z') {
        left.push_back(stat.substr(0, close + 1));
        left_pids.push_back(std::stoi(stat));
      }
    }
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    return left.empty();
  };
  wait_until(list_left, 10s, 100ms);
  EXPECT_TRUE(left.empty()) << "orphans: " << ::testing::PrintToString(left);
  for (pid_t p : left_pids) kill(-p, SIGKILL), kill(p, SIGKILL);  // never leave them to the next test
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

}  // namespace
}  // namespace leakscope::test
