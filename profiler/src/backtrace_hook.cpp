#include "leakscope/profiler/backtrace_hook.h"

#include <dlfcn.h>
#include <jemalloc/jemalloc.h>

#include <time.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>

#include "frame_walker.h"
#include "leakscope/analyzer/age_epoch.h"

namespace leakscope::profiler {
namespace {

// libunwind.so.8 also exports the C++ ABI's _Unwind_* functions; loading it RTLD_LOCAL keeps them
// from replacing libgcc's for exception handling. Only unw_backtrace is used: for the stacks the
// frame walker cannot follow, or for all of them (StackWalker::kLibunwind, the bench's comparison).
using UnwBacktrace = int (*)(void**, int);
using SetCachingPolicy = int (*)(void*, int);
UnwBacktrace unw_backtrace_fn = nullptr;
std::atomic<bool> frame_walker_on{true};
std::atomic<bool> installed{false};
std::mutex install_mu;

constexpr int kCachePerThread = 2;  // UNW_CACHE_PER_THREAD

// Allocation ages (age_epoch.h): 0 while off. Coarse clock: a vDSO read, no syscall, ~4 ms steps.
std::atomic<uint64_t> age_epoch_ms{0};
std::atomic<uint64_t> age_start_ms{0};

uint64_t coarse_now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

// The outermost slot names the epoch; a stack at the depth limit loses its outermost real frame.
void append_age_frame(void** vec, unsigned* len, unsigned max_len) {
  uint64_t length = age_epoch_ms.load(std::memory_order_relaxed);
  if (length == 0 || max_len == 0) return;
  uint64_t elapsed = coarse_now_ms() - age_start_ms.load(std::memory_order_relaxed);
  unsigned slot = *len < max_len ? (*len)++ : max_len - 1;
  vec[slot] = reinterpret_cast<void*>(analyzer::encode_age_frame(length, analyzer::age_epoch_index(elapsed, length)));
}

// Called by jemalloc for each sampled allocation, with its own lock-free caller context.
void leakscope_prof_backtrace(void** vec, unsigned* len, unsigned max_len) {
  // One extra slot: the first frame is this function, which is not part of the program's stack.
  void* frames[256 + 1];
  unsigned want = max_len < 256 ? max_len : 256;
  int n =
      frame_walker_on.load(std::memory_order_relaxed) ? leakscope_walk_stack(frames, static_cast<int>(want) + 1) : -1;
  if (n < 0) n = unw_backtrace_fn(frames, static_cast<int>(want) + 1);
  *len = n <= 1 ? 0 : static_cast<unsigned>(n - 1);
  if (*len) std::memcpy(vec, frames + 1, *len * sizeof(void*));
  append_age_frame(vec, len, max_len);
}

using prof_backtrace_hook_t = void (*)(void**, unsigned*, unsigned);

}  // namespace

bool install_fast_backtrace(StackWalker walker) {
  std::lock_guard lock(install_mu);
  frame_walker_on = walker == StackWalker::kFrameRules;
  if (installed) return true;
  void* lib = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return false;
  unw_backtrace_fn = reinterpret_cast<UnwBacktrace>(dlsym(lib, "unw_backtrace"));
  auto set_caching = reinterpret_cast<SetCachingPolicy>(dlsym(lib, "_ULx86_64_set_caching_policy"));
  void* local_space = dlsym(lib, "_ULx86_64_local_addr_space");
  if (!unw_backtrace_fn) return false;
  if (set_caching && local_space) set_caching(*static_cast<void**>(local_space), kCachePerThread);
  prof_backtrace_hook_t hook = leakscope_prof_backtrace;
  if (mallctl("experimental.hooks.prof_backtrace", nullptr, nullptr, &hook, sizeof hook) != 0) return false;
  installed = true;
  return true;
}

bool fast_backtrace_installed() { return installed; }

bool enable_allocation_ages(double epoch_seconds) {
  if (!installed) return false;
  uint64_t ms = static_cast<uint64_t>(std::llround(epoch_seconds * 1000));
  if (ms == 0 || ms > analyzer::kMaxAgeEpochMs) return false;
  if (age_epoch_ms.load() == 0) age_start_ms = coarse_now_ms();  // enabling again keeps the clock
  age_epoch_ms = ms;
  return true;
}

uint64_t allocation_age_clock_ms() { return age_epoch_ms.load() ? coarse_now_ms() - age_start_ms.load() : 0; }

}  // namespace leakscope::profiler
