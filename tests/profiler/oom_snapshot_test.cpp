// A snapshot before the OOM: a profiled program grows until its cgroup's OOM killer ends it; the
// cgroup trigger must have left a last snapshot on disk that names the growing function. The test
// runs as root and makes a child cgroup with a small limit under whichever hierarchy is writable.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "child_process.h"
#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/analyzer/symbolizer.h"
#include "run_command.h"

namespace leakscope::test {

using analyzer::aggregate;
using analyzer::needs_symbolization;
using analyzer::Profile;
using analyzer::read_profile;
using analyzer::StackTable;
using analyzer::symbolize;

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr uint64_t kLimit = 96ull << 20;

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

// This process's path in the v1 memory hierarchy ("4:memory:/a/b") or in v2 ("0::/a/b").
std::string own_cgroup(bool v1) {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    std::string controllers = line.substr(a + 1, b - a - 1);
    if (v1 ? ("," + controllers + ",").find(",memory,") != std::string::npos : (controllers.empty() && line[0] == '0'))
      return line.substr(b + 1);
  }
  return "";
}

// A fresh child cgroup limited to kLimit; "" with `why` set when none can be made here.
std::string make_limited_cgroup(std::string& why) {
  std::string name = "leakscope-oom-test-" + std::to_string(::getpid());
  if (std::string own = own_cgroup(true); !own.empty() && fs::exists("/sys/fs/cgroup/memory" + own)) {
    std::string dir = "/sys/fs/cgroup/memory" + own + "/" + name;
    if (::mkdir(dir.c_str(), 0755) == 0) {
      if (write_text(dir + "/memory.limit_in_bytes", std::to_string(kLimit))) {
        write_text(dir + "/memory.memsw.limit_in_bytes", std::to_string(kLimit));  // no swapping instead of OOM
        return dir;
      }
      ::rmdir(dir.c_str());
    }
    why += "cgroup v1 memory hierarchy not writable; ";
  }
  if (std::string own = own_cgroup(false); !own.empty() && fs::exists("/sys/fs/cgroup/cgroup.controllers")) {
    std::string parent = "/sys/fs/cgroup" + (own == "/" ? std::string() : own);
    std::string dir = parent + "/" + name;
    if (write_text(parent + "/cgroup.subtree_control", "+memory") && ::mkdir(dir.c_str(), 0755) == 0) {
      if (write_text(dir + "/memory.max", std::to_string(kLimit))) {
        write_text(dir + "/memory.swap.max", "0");
        return dir;
      }
      ::rmdir(dir.c_str());
    }
    why += "cgroup v2 memory controller cannot be delegated to a child here; ";
  }
  if (why.empty()) why = "no cgroup memory controller mounted";
  return "";
}

TEST(SnapshotBeforeOom, TheCgroupTriggerLeavesALastSnapshotNamingTheLeak) {
  std::string why;
  std::string cgroup = make_limited_cgroup(why);
  if (cgroup.empty()) GTEST_SKIP() << why;
  std::string dir = scratch_dir("oom-snapshots");
  {
    // 100 KiB leaked per 10 ms: the limit is reached in about 10 s.
    ChildProcess program(
        {"/bin/sh", "-c",
         "echo $$ > " + shell_quote(cgroup + "/cgroup.procs") + " && exec " + PROFILED_SERVICE_BIN + " --rate 100"},
        {"LEAKSCOPE_SNAPSHOT_DIR=" + dir, "LEAKSCOPE_SNAPSHOT_CGROUP_FRACTION=0.5", "LEAKSCOPE_SNAPSHOT_MIN_GAP=0.5",
         "MALLOC_CONF=lg_prof_sample:14"});
    int code = program.wait_exit(120s);
    EXPECT_EQ(code, 128 + SIGKILL) << "ended by the OOM killer; stderr: " << program.err();
  }
  ::rmdir(cgroup.c_str());
  fs::path newest;
  uint64_t newest_seq = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.size() < 6 || name.substr(name.size() - 6) != ".pb.gz") continue;
    std::string stem = name.substr(0, name.size() - 6);
    uint64_t seq = std::stoull(stem.substr(stem.rfind('.') + 1));
    if (seq > newest_seq) newest_seq = seq, newest = e.path();
  }
  ASSERT_FALSE(newest.empty()) << "no snapshot left in " << dir;
  Profile p = read_profile(newest.string());
  if (needs_symbolization(p)) symbolize(p, {});  // a helper squeezed out by the limit: read as a user would
  bool by_cgroup = false;
  for (const auto& c : p.comments) by_cgroup |= c == "leakscope:trigger=cgroup";
  EXPECT_TRUE(by_cgroup) << newest;
  int index = p.sample_index("inuse_space");
  auto agg = aggregate(p, StackTable(p, {}), index);
  auto leak = agg.nodes.find("(anonymous namespace)::leak_step");
  ASSERT_NE(leak, agg.nodes.end()) << newest;
  EXPECT_GT(leak->second.flat, p.total(index) / 2) << "the growing function holds most of the last snapshot";
  EXPECT_GT(leak->second.flat, static_cast<int64_t>(kLimit / 4)) << "taken near the limit, not at the start";
}

}  // namespace
}  // namespace leakscope::test
