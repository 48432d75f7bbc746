// What a snapshot costs the profiled process, measured from outside it: a service whose heap has
// 12,000 distinct stacks over three shared libraries (many_stacks_service) is snapshotted again and
// again through its endpoint; its jemalloc allocated bytes and its RSS (read here from /proc, not
// from the service) must stay within 1 MiB of where they were, and its peak within 4 MiB.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "child_process.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "process_memory.h"
#include "run_command.h"

namespace leakscope::test {

using analyzer::gunzip;
using analyzer::Profile;
using analyzer::read_proto;

namespace {

using namespace std::chrono_literals;
constexpr int64_t kMiB = 1 << 20;

void reset_peak_rss(pid_t pid) { std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5"; }

class SnapshotBudget : public ::testing::Test {
 protected:
  void start(std::vector<std::string> env) {
    env.insert(env.end(), {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0", "MALLOC_CONF=lg_prof_sample:0"});
    service_ = std::make_unique<ChildProcess>(std::vector<std::string>{MANY_STACKS_BIN, "--stacks", "12000"}, env);
    ASSERT_TRUE(service_->wait_for_output("ready", 30s)) << service_->err();
    int port = debug_port(*service_);
    ASSERT_GT(port, 0) << service_->err();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_read_timeout(60, 0);
  }
  int64_t allocated() { return debug_vars_allocated(*client_); }
  Profile snapshot() {
    auto r = client_->Get("/debug/pprof/heap");
    if (!r || r->status != 200) throw std::runtime_error("no snapshot: " + (r ? r->body : "no answer"));
    return read_proto(gunzip(r->body, "snapshot", 1 << 30), "snapshot");
  }
  std::unique_ptr<ChildProcess> service_;
  std::unique_ptr<httplib::Client> client_;
};

size_t samples_through(const Profile& p, const std::string& function) {
  size_t n = 0;
  for (const auto& s : p.samples) {
    bool hit = false;
    for (uint64_t id : s.location_ids)
      for (const auto& line : p.location(id).lines) hit |= p.function(line.function_id).name == function;
    n += hit;
  }
  return n;
}

TEST_F(SnapshotBudget, ManySnapshotsOfTwelveThousandStacksLeaveUnderOneMiB) {
  start({});
  allocated();  // the first request sets up the server's own state
  int64_t allocated_before = allocated(), rss_before = status_bytes(service_->pid(), "VmRSS");
  ASSERT_GT(allocated_before, 0);
  reset_peak_rss(service_->pid());
  int64_t peak_base = status_bytes(service_->pid(), "VmRSS");
  Profile first = snapshot();
  int64_t peak = status_bytes(service_->pid(), "VmHWM");
  EXPECT_GE(first.samples.size(), 12000u);
  EXPECT_GE(samples_through(first, "stack_step_b"), 8000u) << "symbolized, across the shared libraries";
  for (int i = 0; i < 9; ++i) snapshot();
  int64_t allocated_after = allocated(), rss_after = status_bytes(service_->pid(), "VmRSS");
  EXPECT_LE(allocated_after - allocated_before, kMiB) << allocated_before << " -> " << allocated_after;
  EXPECT_LE(rss_after - rss_before, kMiB) << rss_before << " -> " << rss_after;
  EXPECT_LE(peak - peak_base, 4 * kMiB) << "peak RSS while a snapshot is taken";
}

// The memory figures of /debug/vars against this test's own reading of /proc: the RSS split adds up,
// the profiler's share is apart from the service's, and the sampled heap is the last snapshot's total.
TEST_F(SnapshotBudget, MemoryFiguresAddUpAgainstProc) {
  start({});
  Profile p = snapshot();
  auto r = client_->Get("/debug/vars");
  ASSERT_TRUE(r);
  int64_t proc_rss = status_bytes(service_->pid(), "VmRSS");
  auto m = nlohmann::json::parse(r->body)["memory"];
  int64_t total = m["rss"]["total"].get<int64_t>();
  EXPECT_NEAR(static_cast<double>(total), static_cast<double>(proc_rss), 1.0 * kMiB) << m.dump(1);
  int64_t parts = m["rss"]["jemalloc_resident"].get<int64_t>() + m["rss"]["other_anon"].get<int64_t>() +
                  m["rss"]["file"].get<int64_t>() + m["rss"]["shmem"].get<int64_t>();
  EXPECT_NEAR(static_cast<double>(parts), static_cast<double>(total), 0.02 * static_cast<double>(total)) << m.dump(1);
  EXPECT_EQ(m["service_allocated"].get<int64_t>() + m["profiler"]["allocated"].get<int64_t>() +
                m["profiler"]["sample_promotion"].get<int64_t>() + m["profiler"]["allocator_internal"].get<int64_t>() +
                m["thread_caches"].get<int64_t>(),
            m["jemalloc"]["allocated"].get<int64_t>());
  // Every allocation is sampled here, so the profile is the live heap itself: the service's allocated
  // bytes are what the snapshot shows (plus what was allocated before sampling started), not the
  // 16 KiB extent jemalloc gives each sample (which made them 32x larger) nor jemalloc's records of
  // the 12,000 sampled stacks (+7 MB).
  double sampled = static_cast<double>(p.total(p.sample_index("inuse_space")));
  EXPECT_NEAR(static_cast<double>(m["service_allocated"].get<int64_t>()), sampled, 0.1 * sampled + 2.0 * kMiB)
      << m.dump(1);
  EXPECT_GT(m["profiler"]["allocated"].get<int64_t>(), 0) << "the debug server's own memory is counted apart";
  EXPECT_LT(m["profiler"]["allocated"].get<int64_t>(), kMiB);
  EXPECT_EQ(m["sampled_heap"]["bytes"].get<int64_t>(), p.total(p.sample_index("inuse_space")));
  bool commented = false;
  for (const auto& c : p.comments) commented |= c.rfind("leakscope:memory allocated=", 0) == 0;
  EXPECT_TRUE(commented) << "the snapshot carries the figures too";
}

TEST_F(SnapshotBudget, WithoutAHelperSnapshotsComeBackUnsymbolizedWithBuildIds) {
  start({"LEAKSCOPE_SYMBOLIZER=off"});
  auto r = client_->Get("/debug/pprof/heap");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Profile p = read_proto(gunzip(r->body, "snapshot", 1 << 30), "snapshot");
  EXPECT_GE(p.samples.size(), 12000u);
  EXPECT_TRUE(p.functions.empty()) << "no symbols in the process";
  size_t with_build_id = 0;
  for (const auto& m : p.mappings) with_build_id += !m.build_id.empty();
  EXPECT_GE(with_build_id, 4u) << "the executable and the three step libraries at least";
  EXPECT_TRUE(service_->wait_for_output("snapshots are unsymbolized", 5s)) << service_->err();
  // Later, where the binaries are: the reader symbolizes it.
  std::string dir = scratch_dir("budget-unsymbolized"), file = dir + "/heap.pb.gz";
  std::ofstream(file, std::ios::binary) << r->body;
  CommandResult top = run_program({std::string(LEAKSCOPE_BIN), "top", file, "--nodecount", "3"});
  EXPECT_EQ(top.exit_code, 0) << top.err;
  EXPECT_NE(top.out.find("stack_step_"), std::string::npos) << top.out;
}

}  // namespace
}  // namespace leakscope::test
