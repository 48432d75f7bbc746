// The profiler library in this very process (the test binary links leakscope_profiler, so its
// default malloc_conf applies: profiling enabled, inactive until started).
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/preload_target.h"
#include "leakscope/profiler/snapshotter.h"

namespace leakscope::profiler {
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

// jemalloc 5.3 serves every sampled small object from a 16 KiB extent and counts all of it in
// stats.allocated: at lg_prof_sample:0, 2,000 objects of 64 bytes read as 32 MB. The figures must
// charge that to the profiler (sample promotion), so the service's allocated bytes grow by the
// objects' own 128,000 bytes.
TEST(ExactSampling, SamplePromotionIsChargedToTheProfiler) {
  ASSERT_EQ(profiling_state().lg_sample, 0) << "run with MALLOC_CONF=lg_prof_sample:0";
  ASSERT_TRUE(reset_profiling(0));
  ASSERT_TRUE(set_profiling_active(true));
  constexpr int kObjects = 2000;
  kept.reserve(kept.size() + kObjects);
  Snapshotter::instance().dump();
  AllocatorStats before = read_allocator_stats();
  control_test_alloc(kObjects, 64);
  Snapshotter::instance().dump();
  AllocatorStats after = read_allocator_stats();
  set_profiling_active(false);
  int64_t allocated = static_cast<int64_t>(after.allocated - before.allocated);
  int64_t promotion = static_cast<int64_t>(after.sample_promotion) - static_cast<int64_t>(before.sample_promotion);
  EXPECT_GE(allocated, int64_t{kObjects} * 16384 * 95 / 100) << "each sampled 64-byte object takes a 16 KiB extent";
  EXPECT_NEAR(promotion, kObjects * (16384 - 64), kObjects * 64);
  int64_t service = static_cast<int64_t>(after.service_allocated()) - static_cast<int64_t>(before.service_allocated());
  EXPECT_NEAR(service, kObjects * 64, 256 * 1024) << "allocated +" << allocated << ", promotion +" << promotion;
  EXPECT_NE(memory_figures_comment(after).find(" sample_promotion=" + std::to_string(after.sample_promotion) + " "),
            std::string::npos);
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
  EXPECT_EQ(ld_preload_without("/a/not-libleakscope-preload.so::", "libleakscope-preload.so"), "/a/not-libleakscope-preload.so");
}

}  // namespace
}  // namespace leakscope::profiler
