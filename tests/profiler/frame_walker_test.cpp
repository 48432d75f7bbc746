// The frame walker (profiler/src/frame_walker.h) against libunwind, the referee, on the stacks it
// exists for: jemalloc's sampled allocations, seen from inside the prof_backtrace hook, through the
// test's shared libraries, libstdc++, libc callbacks and other threads. Every allocation is sampled
// (MALLOC_CONF=lg_prof_sample:0, tests/CMakeLists.txt).
#define UNW_LOCAL_ONLY
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <jemalloc/jemalloc.h>
#include <libunwind.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "frame_walker.h"
#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"

extern "C" void stack_step_a(int, unsigned, const void*, std::vector<void*>*);
extern "C" void stack_step_b(int, unsigned, const void*, std::vector<void*>*);
extern "C" void stack_step_c(int, unsigned, const void*, std::vector<void*>*);

namespace leakscope::profiler {
namespace {

struct Counts {
  int agreed = 0, handed_over = 0, disagreed = 0;
  std::string first_disagreement;
};
struct Comparison {
  std::mutex mu;
  Counts counts;
};
Comparison comparison;

// Sampling stops first: the assertions allocate, and the hook takes the same lock.
Counts stop_and_count() {
  set_profiling_active(false);
  std::lock_guard lock(comparison.mu);
  return comparison.counts;
}

std::string describe(void* const* frames, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    Dl_info info{};
    s += std::to_string(i) + " " + std::to_string(reinterpret_cast<uintptr_t>(frames[i]));
    if (dladdr(frames[i], &info) && info.dli_sname) s += std::string(" ") + info.dli_sname;
    s += "\n";
  }
  return s;
}

// Both walks from the same frame; frame 0 is the call site of each (they differ by design).
void comparing_hook(void** vec, unsigned* len, unsigned) {
  constexpr int kMax = 128;
  void* ours[kMax];
  void* theirs[kMax];
  int n = leakscope_walk_stack(ours, kMax);
  int m = unw_backtrace(theirs, kMax);
  std::lock_guard lock(comparison.mu);
  Counts& c = comparison.counts;
  if (n < 0) {
    ++c.handed_over;
  } else if (n == m && std::equal(ours + 1, ours + n, theirs + 1)) {
    ++c.agreed;
  } else if (c.disagreed++ == 0) {
    set_profiling_active(false);  // describing allocates: no sample may re-enter this lock
    c.first_disagreement = "frame walker:\n" + describe(ours, n) + "libunwind:\n" + describe(theirs, m);
  }
  vec[0] = __builtin_return_address(0);
  *len = 1;
}

using Hook = void (*)(void**, unsigned*, unsigned);

class FrameWalker : public ::testing::Test {
 protected:
  void SetUp() override {
    {
      std::lock_guard lock(comparison.mu);
      comparison.counts = {};
    }
    size_t len = sizeof previous_;
    Hook hook = comparing_hook;
    ASSERT_EQ(mallctl("experimental.hooks.prof_backtrace", &previous_, &len, &hook, sizeof hook), 0);
    ASSERT_TRUE(profiling_state().enabled);
    set_profiling_active(true);
  }
  void TearDown() override {
    set_profiling_active(false);
    mallctl("experimental.hooks.prof_backtrace", nullptr, nullptr, &previous_, sizeof previous_);
  }
  Hook previous_ = nullptr;
};

// Chains of 0-7 steps through three shared libraries, every path among them.
void allocate_through_libraries(std::vector<void*>& keep) {
  static const void* steps[] = {reinterpret_cast<const void*>(&stack_step_a),
                                reinterpret_cast<const void*>(&stack_step_b),
                                reinterpret_cast<const void*>(&stack_step_c)};
  for (int depth = 0; depth < 8; ++depth)
    for (unsigned path = 0; path < 200; ++path) stack_step_a(depth, path, steps, &keep);
}

void free_all(std::vector<void*>& keep) {
  for (void* p : keep) delete[] static_cast<char*>(p);
  keep.clear();
}

TEST_F(FrameWalker, AgreesWithLibunwindThroughSharedLibraries) {
  std::vector<void*> keep;
  keep.reserve(2000);
  allocate_through_libraries(keep);
  free_all(keep);
  Counts counts = stop_and_count();
  EXPECT_EQ(counts.disagreed, 0) << counts.first_disagreement;
  EXPECT_EQ(counts.handed_over, 0);
  EXPECT_GE(counts.agreed, 1600);
}

TEST_F(FrameWalker, AgreesWithLibunwindOnOtherThreads) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([] {
      std::vector<void*> keep;
      keep.reserve(2000);
      allocate_through_libraries(keep);
      free_all(keep);
    });
  for (auto& t : threads) t.join();
  Counts counts = stop_and_count();
  EXPECT_EQ(counts.disagreed, 0) << counts.first_disagreement;
  EXPECT_EQ(counts.handed_over, 0);
  EXPECT_GE(counts.agreed, 3 * 1600);
}

std::vector<void*>* qsort_keep;
int allocating_compare(const void* a, const void* b) {
  qsort_keep->push_back(std::malloc(64));
  return *static_cast<const int*>(a) - *static_cast<const int*>(b);
}

TEST_F(FrameWalker, AgreesWithLibunwindThroughLibcCallbacks) {
  std::vector<void*> keep;
  keep.reserve(100000);
  qsort_keep = &keep;
  std::vector<int> values(500);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>((i * 7919) % 500);
  std::qsort(values.data(), values.size(), sizeof(int), allocating_compare);
  for (void* p : keep) std::free(p);
  Counts counts = stop_and_count();
  EXPECT_EQ(counts.disagreed, 0) << counts.first_disagreement;
  EXPECT_EQ(counts.handed_over, 0);
  EXPECT_GE(counts.agreed, 500);
}

// A frame whose CFA is computed from r12, as hand-written code may do: not a rule the walker
// follows, so it must hand the stack over rather than guess. (GCC's own stack realignment is
// rbp-based, which the walker does follow.)
extern "C" void* allocate_with_r12_frame(size_t n);
asm(R"(
  .text
  .globl allocate_with_r12_frame
  .type allocate_with_r12_frame, @function
allocate_with_r12_frame:
  .cfi_startproc
  pushq %r12
  .cfi_def_cfa_offset 16
  .cfi_offset %r12, -16
  movq %rsp, %r12
  .cfi_def_cfa_register %r12
  call malloc@PLT
  movq %r12, %rsp
  .cfi_def_cfa_register %rsp
  popq %r12
  .cfi_def_cfa_offset 8
  ret
  .cfi_endproc
  .size allocate_with_r12_frame, .-allocate_with_r12_frame
)");

TEST_F(FrameWalker, HandsFramesWithOtherRulesToLibunwind) {
  for (int i = 0; i < 100; ++i) std::free(allocate_with_r12_frame(100));
  Counts counts = stop_and_count();
  EXPECT_EQ(counts.disagreed, 0) << counts.first_disagreement;
  EXPECT_GE(counts.handed_over, 100);
}

// The walker forgets its rules when code is unloaded; that needs every dlclose in the process to be
// the profiler's, which its link options export from the executable.
TEST(FrameWalkerRules, DlcloseIsTheProfilersForTheWholeProcess) {
  auto global = reinterpret_cast<void*>(dlsym(RTLD_DEFAULT, "dlclose"));
  EXPECT_EQ(global, reinterpret_cast<void*>(&dlclose));
  Dl_info info{};
  ASSERT_TRUE(dladdr(global, &info));
  EXPECT_EQ(std::string(info.dli_fname).find("libc.so"), std::string::npos) << info.dli_fname;
}

}  // namespace
}  // namespace leakscope::profiler
