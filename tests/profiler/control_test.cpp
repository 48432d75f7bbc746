// The profiler library in this very process (the test binary links leakscope_profiler, so its
// default malloc_conf applies: profiling enabled, inactive until started).
#include <gtest/gtest.h>
#include <jemalloc/jemalloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/memory_figures.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/sample_promotion.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/fd_contents.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/preload_target.h"
#include "leakscope/profiler/snapshotter.h"
#include "run_command.h"

namespace leakscope::profiler {

using analyzer::aggregate;
using analyzer::gunzip;
using analyzer::memory_figures_of;
using analyzer::Profile;
using analyzer::read_proto;
using analyzer::StackTable;

namespace {

std::vector<char*> kept;

__attribute__((noinline)) void control_test_alloc(int n, size_t size) {
  for (int i = 0; i < n; ++i) {
    char* p = new char[size];
    std::memset(p, 7, size);
    kept.push_back(p);
  }
}

int64_t inuse_bytes_of(const Profile& p, const std::string& function) {
  int index = p.sample_index("inuse_space");
  auto agg = aggregate(p, StackTable(p, {}), index);
  auto it = agg.nodes.find(function);
  return it == agg.nodes.end() ? 0 : it->second.flat;
}

TEST(ProfilerControl, DefaultConfigIsEnabledButInactive) {
  ProfilingState s = profiling_state();
  EXPECT_TRUE(s.compiled_in);
  EXPECT_TRUE(s.enabled);
  EXPECT_FALSE(s.active) << "the default malloc_conf keeps sampling off until started";
  EXPECT_EQ(s.lg_sample, 19);
}

TEST(ProfilerControl, ActivateResetAndThreadSwitch) {
  ASSERT_TRUE(set_profiling_active(true));
  EXPECT_TRUE(profiling_state().active);
  ASSERT_TRUE(reset_profiling(12));
  EXPECT_EQ(profiling_state().lg_sample, 12);
  EXPECT_EQ(profiling_state().sample_period(), 4096u);
  {
    ThreadSamplingOff off;
    EXPECT_FALSE(profiling_state().thread_active);
  }
  EXPECT_TRUE(profiling_state().thread_active);
  EXPECT_FALSE(reset_profiling(-1));
  ASSERT_TRUE(set_profiling_active(false));
  EXPECT_FALSE(profiling_state().active);
}

TEST(ProfilerControl, FastUnwinderInstalls) {
  EXPECT_TRUE(install_fast_backtrace());
  EXPECT_TRUE(fast_backtrace_installed());
  EXPECT_TRUE(install_fast_backtrace()) << "idempotent";
}

// The ExactSampling tests run with MALLOC_CONF=lg_prof_sample:0 from process start (set by ctest):
// after prof.reset, a thread keeps its next-sample threshold from the old rate for a while.
TEST(ExactSampling, SnapshotNamesTheAllocatingFunctionWithExactBytes) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  install_fast_backtrace();
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  control_test_alloc(50, 3000);  // size class 3072
  Profile p = Snapshotter::instance().take();
  set_profiling_active(false);
  EXPECT_EQ(inuse_bytes_of(p, "leakscope::profiler::(anonymous namespace)::control_test_alloc"), 50 * 3072);
  EXPECT_GT(p.time_nanos, 0);
  EXPECT_FALSE(p.drop_frames.empty());
  // Self-contained: every location already carries its function.
  for (const auto& loc : p.locations) EXPECT_FALSE(loc.lines.empty());
}

TEST(ExactSampling, SamplingOffThreadsAreNotRecorded) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  {
    ThreadSamplingOff off;
    control_test_alloc(20, 5000);  // 20 x 5120, not recorded
  }
  control_test_alloc(3, 5000);  // recorded
  Profile p = Snapshotter::instance().take();
  set_profiling_active(false);
  EXPECT_EQ(inuse_bytes_of(p, "leakscope::profiler::(anonymous namespace)::control_test_alloc"), 3 * 5120);
}

TEST(ExactSampling, RepeatedSnapshotsDoNotPolluteTheProfile) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  control_test_alloc(10, 1000);
  Profile first = Snapshotter::instance().take();
  for (int i = 0; i < 5; ++i) Snapshotter::instance().take_proto_gz();
  Profile later = Snapshotter::instance().take();
  set_profiling_active(false);
  int index = first.sample_index("inuse_space");
  // Snapshots (dump, parse, symbolize, encode) run with sampling off: nothing they allocate shows up.
  EXPECT_EQ(later.total(index), first.total(index));
}

int64_t nanos_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct PromotionReading {
  int64_t allocated = 0, promotion = 0, service = 0;  // growth across the allocation
  AllocatorStats after;
  int64_t in_comment = -1;               // the later snapshot's leakscope:memory sample_promotion field
  int64_t taken_from = 0, taken_to = 0;  // the system clock around the later snapshot
  bool symbolized = false;
};

// Snapshots (dump + encode, the way the profiler takes them) around `objects` 64-byte allocations.
PromotionReading promotion_across(int objects) {
  PromotionReading r;
  EXPECT_TRUE(reset_profiling(0));
  EXPECT_TRUE(set_profiling_active(true));
  kept.reserve(kept.size() + objects);
  Snapshotter::instance().take_proto_gz();
  AllocatorStats before = read_allocator_stats();
  control_test_alloc(objects, 64);
  r.taken_from = nanos_now();
  std::string gz = Snapshotter::instance().take_proto_gz();
  r.taken_to = nanos_now();
  r.after = read_allocator_stats();
  set_profiling_active(false);
  r.symbolized = Snapshotter::instance().stats().last_symbolized;
  r.allocated = static_cast<int64_t>(r.after.allocated - before.allocated);
  r.promotion = static_cast<int64_t>(r.after.sample_promotion) - static_cast<int64_t>(before.sample_promotion);
  r.service = static_cast<int64_t>(r.after.service_allocated()) - static_cast<int64_t>(before.service_allocated());
  auto figures = memory_figures_of(read_proto(gunzip(gz, "snapshot", 1 << 30), "snapshot"));
  if (figures) r.in_comment = figures->sample_promotion;
  return r;
}

// jemalloc 5.3 serves every sampled small object from a 16 KiB extent and counts all of it in
// stats.allocated: at lg_prof_sample:0, 2,000 objects of 64 bytes read as 32 MB. The figures must
// charge that to the profiler (sample promotion), so the service's allocated bytes grow by the
// objects' own 128,000 bytes. Whoever reads the dump reads the promotion: the helper when it runs
// (the service's CPU is spared the scan), this process when none does; both must agree with jemalloc.
void expect_promotion_charged_to_the_profiler(bool helper) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  constexpr int kObjects = 2000;
  PromotionReading r = promotion_across(kObjects);
  EXPECT_EQ(r.symbolized, helper) << "the snapshot was made " << (r.symbolized ? "by the helper" : "in-process");
  EXPECT_GE(r.allocated, int64_t{kObjects} * 16384 * 95 / 100) << "each sampled 64-byte object takes a 16 KiB extent";
  EXPECT_NEAR(r.promotion, kObjects * (16384 - 64), kObjects * 64);
  EXPECT_NEAR(r.service, kObjects * 64, 256 * 1024) << "allocated +" << r.allocated << ", promotion +" << r.promotion;
  EXPECT_EQ(r.in_comment, static_cast<int64_t>(r.after.sample_promotion)) << "the snapshot's own memory figures";
  EXPECT_NE(memory_figures_comment(r.after).find(" sample_promotion=" + std::to_string(r.after.sample_promotion) + " "),
            std::string::npos);
  // Labelled with the moment of the dump it was read off, not the moment it is shown.
  EXPECT_GE(r.after.sample_promotion_time_nanos, r.taken_from);
  EXPECT_LE(r.after.sample_promotion_time_nanos, r.taken_to);
}

TEST(ExactSampling, SamplePromotionIsChargedToTheProfiler) {
  ASSERT_NE(std::getenv("LEAKSCOPE_SYMBOLIZER"), nullptr) << "ctest names the helper";
  expect_promotion_charged_to_the_profiler(true);
}

TEST(ExactSampling, SamplePromotionWithoutAHelperIsReadInProcess) {
  setenv("LEAKSCOPE_SYMBOLIZER", "off", 1);
  expect_promotion_charged_to_the_profiler(false);
}

// The helper is where the scan runs when it can (it reads the dump anyway): given the promoted size it
// reports the dump's promotion in its summary line and writes it into the memory comment, the same
// figure the in-process scan finds in the same dump.
TEST(ExactSampling, TheHelperReportsTheDumpsSamplePromotion) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  constexpr int kObjects = 300;
  kept.reserve(kept.size() + kObjects);
  control_test_alloc(kObjects, 64);
  std::string dump;
  {
    HeapDump d = Snapshotter::instance().dump();
    dump = read_whole_fd(d.fd()).value_or("");
  }
  set_profiling_active(false);
  size_t size = 0, len = sizeof size;
  ASSERT_EQ(mallctl("arenas.lextent.0.size", &size, &len, nullptr, 0), 0);
  ASSERT_EQ(size, 16384u) << "jemalloc's smallest large size class with 4 KiB pages";
  uint64_t in_process = analyzer::sample_promotion_bytes(dump, size);
  EXPECT_GE(in_process, uint64_t{kObjects} * (16384 - 64));
  std::string dir = test::scratch_dir("helper-promotion");
  std::ofstream(dir + "/heap.dump") << dump;
  const std::vector<std::string> run = {LEAKSCOPE_BIN, "symbolize-snapshot", dir + "/heap.dump", "-o",
                                        dir + "/out.pb.gz"};
  std::vector<std::string> with_promotion = run;
  with_promotion.insert(with_promotion.end(), {"--sample-promotion-size", std::to_string(size), "--comment",
                                               "leakscope:memory allocated=1 sample_promotion=0 internal=2"});
  test::CommandResult with = test::run_program(with_promotion);
  ASSERT_EQ(with.exit_code, 0) << with.err;
  auto summary = nlohmann::json::parse(with.out);
  EXPECT_EQ(summary["sample_promotion"].get<uint64_t>(), in_process) << with.out;
  auto figures = memory_figures_of(read_proto(gunzip(test::read_file(dir + "/out.pb.gz"), "out", 1 << 30), "out"));
  ASSERT_TRUE(figures);
  EXPECT_EQ(figures->sample_promotion, static_cast<int64_t>(in_process));
  EXPECT_EQ(figures->internal, 2) << "the other fields are left as they were";
  test::CommandResult without = test::run_program(run);
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_FALSE(nlohmann::json::parse(without.out).contains("sample_promotion")) << "not asked, not read";
}

// After prof.reset jemalloc's dumps no longer list the samples taken before it (their extents stay
// allocated), so a figure read before it would be stale and one read after it partial: the figure is
// dropped, unlabelled, until the next snapshot, and the surfaces say it is not measured.
TEST(ExactSampling, SamplePromotionIsForgottenOnProfReset) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  constexpr int kObjects = 500;
  PromotionReading r = promotion_across(kObjects);
  ASSERT_GT(r.promotion, int64_t{kObjects} * 16000);
  std::string measured = allocator_stats_prometheus(r.after);
  EXPECT_NE(measured.find("\nleakscope_sample_promotion_timestamp_seconds " +
                          std::to_string(r.after.sample_promotion_time_nanos / 1000000000) + "."),
            std::string::npos)
      << measured;

  ASSERT_TRUE(reset_profiling(0));
  AllocatorStats reset = read_allocator_stats();
  EXPECT_EQ(reset.sample_promotion, 0u);
  EXPECT_EQ(reset.sample_promotion_time_nanos, 0);
  EXPECT_EQ(allocator_stats_prometheus(reset).find("\nleakscope_sample_promotion_timestamp_seconds "),
            std::string::npos);

  // Why: the next dump leaves the earlier objects out though they still hold their extents.
  Snapshotter::instance().take_proto_gz();
  AllocatorStats next = read_allocator_stats();
  EXPECT_NE(next.sample_promotion_time_nanos, 0);
  EXPECT_LT(next.sample_promotion, r.after.sample_promotion - uint64_t{kObjects} * 16000);
}

// The program's own prof.reset (mallctl by name or by MIB, not through reset_profiling) is noticed at
// the next snapshot: counted once, and the sample promotion read off earlier dumps is dropped as after
// the profiler's own reset.
TEST(ExactSampling, ProgramsOwnProfResetIsNoticedAtTheNextDump) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  constexpr int kObjects = 500;
  PromotionReading r = promotion_across(kObjects);
  ASSERT_GT(r.promotion, int64_t{kObjects} * 16000);
  uint64_t resets = profiling_resets(), by_program = program_profiling_resets();
  { HeapDump quiet = Snapshotter::instance().dump(); }
  EXPECT_EQ(program_profiling_resets(), by_program) << "no reset, none noticed";
  EXPECT_EQ(read_allocator_stats().sample_promotion, r.after.sample_promotion);

  size_t lg = 0;
  ASSERT_EQ(mallctl("prof.reset", nullptr, nullptr, &lg, sizeof lg), 0);  // behind the profiler's back
  { HeapDump after_reset = Snapshotter::instance().dump(); }
  EXPECT_EQ(program_profiling_resets(), by_program + 1);
  EXPECT_EQ(profiling_resets(), resets + 1);
  AllocatorStats dropped = read_allocator_stats();
  EXPECT_EQ(dropped.sample_promotion, 0u) << "read before the reset, so dropped";
  EXPECT_EQ(dropped.sample_promotion_time_nanos, 0);
  { HeapDump again = Snapshotter::instance().dump(); }
  EXPECT_EQ(program_profiling_resets(), by_program + 1) << "one reset is counted once";

  size_t mib[2], mib_len = 2;
  ASSERT_EQ(mallctlnametomib("prof.reset", mib, &mib_len), 0);
  ASSERT_EQ(mallctlbymib(mib, mib_len, nullptr, nullptr, &lg, sizeof lg), 0);
  { HeapDump by_mib = Snapshotter::instance().dump(); }
  EXPECT_EQ(program_profiling_resets(), by_program + 2);
  ASSERT_TRUE(reset_profiling(0));
  { HeapDump own = Snapshotter::instance().dump(); }
  EXPECT_EQ(program_profiling_resets(), by_program + 2) << "the profiler's own reset is not the program's";
  EXPECT_EQ(profiling_resets(), resets + 3);
}

// jemalloc calls this at the end of prof.dump, still inside it (its dump mutex held, the profiler's
// pause not yet lifted); the test sets what it does.
std::function<void()> during_dump;
void call_during_dump(const char*) {
  if (during_dump) during_dump();
}

__attribute__((noinline)) void allocated_during_dump(int n) { control_test_alloc(n, 7000); }

// A thread that allocates while jemalloc writes a dump is not sampled (so it cannot wait for jemalloc's
// profiling locks), and sampling is back for it the moment the dump is done.
TEST(ExactSampling, AllocationsDuringADumpAreNotSampledAndNeverWait) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  void (*hook)(const char*) = call_during_dump;
  ASSERT_EQ(mallctl("experimental.hooks.prof_dump", nullptr, nullptr, &hook, sizeof hook), 0);
  bool jemalloc_active_in_dump = true, reported_active_in_dump = false;
  bool finished_in_time = false;
  during_dump = [&] {
    size_t len = sizeof jemalloc_active_in_dump;
    mallctl("prof.active", &jemalloc_active_in_dump, &len, nullptr, 0);
    reported_active_in_dump = profiling_state().active;
    // Another thread (sampling on for it): were it sampled now, it would take jemalloc's records' locks.
    auto other = std::async(std::launch::async, [] { allocated_during_dump(4); });
    finished_in_time = other.wait_for(std::chrono::seconds(20)) == std::future_status::ready;
  };
  uint64_t paused_before = sampling_paused_nanos();
  { HeapDump d = Snapshotter::instance().dump(); }
  during_dump = nullptr;
  ASSERT_TRUE(finished_in_time);
  EXPECT_FALSE(jemalloc_active_in_dump) << "sampling is held off while jemalloc dumps";
  EXPECT_TRUE(reported_active_in_dump) << "the profiler still reports sampling as on";
  EXPECT_TRUE(profiling_state().active);
  EXPECT_GT(sampling_paused_nanos(), paused_before);
  std::thread([] { allocated_during_dump(3); }).join();  // after the dump: sampled
  Profile p = Snapshotter::instance().take();
  hook = nullptr;
  mallctl("experimental.hooks.prof_dump", nullptr, nullptr, &hook, sizeof hook);
  set_profiling_active(false);
  EXPECT_EQ(inuse_bytes_of(p, "leakscope::profiler::(anonymous namespace)::control_test_alloc"), 3 * 7168)
      << "only the three allocated after the dump";
  EXPECT_TRUE(set_profiling_active(true)) << "a pause left nothing locked";
  set_profiling_active(false);
}

// With sampling off, a dump leaves it off and counts no pause.
TEST(ProfilerControl, ADumpWithSamplingOffLeavesItOff) {
  ASSERT_TRUE(set_profiling_active(false));
  uint64_t paused_before = sampling_paused_nanos();
  { HeapDump d = Snapshotter::instance().dump(); }
  EXPECT_FALSE(profiling_state().active);
  EXPECT_EQ(sampling_paused_nanos(), paused_before);
}

// A child forked while a dump holds sampling off starts with sampling on, as its parent had it: the fork
// waits for the pause to end (else jemalloc's fork handlers hold the restoring write back until after it).
TEST(ProfilerControl, AChildForkedDuringADumpSamples) {
  ASSERT_TRUE(set_profiling_active(true));
  std::atomic<bool> stop{false};
  std::thread dumper([&] {
    for (int i = 0; i < 5000 && !stop; ++i) HeapDump d = Snapshotter::instance().dump();
  });
  int children_without_sampling = 0, forks = 0;
  for (; forks < 40; ++forks) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool active = false;
      size_t len = sizeof active;
      mallctl("prof.active", &active, &len, nullptr, 0);
      _exit(active ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    children_without_sampling += WEXITSTATUS(status) != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop = true;
  dumper.join();
  set_profiling_active(false);
  EXPECT_EQ(children_without_sampling, 0) << "of " << forks << " children";
}

TEST(ProfilerSnapshot, ProtoSnapshotReadsBack) {
  set_profiling_active(true);
  std::string gz = Snapshotter::instance().take_proto_gz();
  set_profiling_active(false);
  Profile p = read_proto(gunzip(gz, "snapshot", 1 << 30), "snapshot");
  EXPECT_EQ(p.sample_types.back().type, "inuse_space");
  EXPECT_GT(Snapshotter::instance().count(), 0u);
}

TEST(AllocatorStats, ReadsJemallocAndRss) {
  AllocatorStats s = read_allocator_stats();
  EXPECT_GT(s.allocated, 0u);
  EXPECT_GE(s.active, s.allocated);
  EXPECT_GE(s.mapped, s.active);
  EXPECT_GT(s.metadata, 0u);
  EXPECT_GT(s.rss, 0u);
  control_test_alloc(64, 1 << 16);  // 4 MiB kept: the compiler cannot elide these
  // stats.allocated merges per-thread cache counts lazily, so it is close, not exact.
  EXPECT_GE(read_allocator_stats().allocated, s.allocated + 48 * (1 << 16));
}

// Which process of a preloaded command starts the profiler.
TEST(PreloadTarget, WrappersPassTheVariablesOn) {
  for (const char* wrapper : {"timeout", "env", "nohup", "dash", "bash", "sh", "tini", "sudo"})
    EXPECT_FALSE(is_preload_target(wrapper, wrapper, nullptr)) << wrapper;
  EXPECT_TRUE(is_preload_target("fcm-relay", "fcm-relay", nullptr));
  EXPECT_TRUE(is_preload_target("fcm-relay", "fcm-relay", "")) << "an empty LEAKSCOPE_PROGRAM is not set";
}

TEST(PreloadTarget, LeakscopeProgramNamesTheOneProgram) {
  EXPECT_TRUE(is_preload_target("fcm-relay", "fcm-relay", "fcm-relay"));
  EXPECT_FALSE(is_preload_target("known_allocs", "known_allocs", "fcm-relay"));
  EXPECT_TRUE(is_preload_target("bash", "bash", "bash")) << "a named wrapper is profiled";
  EXPECT_TRUE(is_preload_target("python3.11", "my-service", "my-service")) << "a script: comm is its name";
  // The kernel keeps 15 characters of comm.
  EXPECT_TRUE(is_preload_target("python3.11", "a-very-long-ser", "a-very-long-service-name"));
  EXPECT_FALSE(is_preload_target("python3.11", "a-very-long-ser", "a-very-long-other-name"));
}

TEST(PreloadTarget, LdPreloadWithoutThisLibrary) {
  EXPECT_EQ(ld_preload_without("/usr/lib/libjemalloc.so.2:/b/lib/libleakscope-preload.so", "libleakscope-preload.so"),
            "/usr/lib/libjemalloc.so.2");
  EXPECT_EQ(ld_preload_without("libleakscope-preload.so /x/libjemalloc.so.2 /y/libother.so", "libleakscope-preload.so"),
            "/x/libjemalloc.so.2:/y/libother.so");
  EXPECT_EQ(ld_preload_without("/b/lib/libleakscope-preload.so", "libleakscope-preload.so"), "");
  EXPECT_EQ(ld_preload_without("/a/not-libleakscope-preload.so::", "libleakscope-preload.so"),
            "/a/not-libleakscope-preload.so");
}

}  // namespace
}  // namespace leakscope::profiler
