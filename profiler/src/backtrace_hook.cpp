#include "leakscope/profiler/backtrace_hook.h"

#include <dlfcn.h>
#include <jemalloc/jemalloc.h>

#include <atomic>
#include <cstring>
#include <mutex>

namespace leakscope::profiler {
namespace {

// libunwind.so.8 also exports the C++ ABI's _Unwind_* functions; loading it RTLD_LOCAL keeps them
// from replacing libgcc's for exception handling. Only unw_backtrace is used.
using UnwBacktrace = int (*)(void**, int);
using SetCachingPolicy = int (*)(void*, int);
UnwBacktrace unw_backtrace_fn = nullptr;
std::atomic<bool> installed{false};
std::mutex install_mu;

constexpr int kCachePerThread = 2;  // UNW_CACHE_PER_THREAD

// Called by jemalloc for each sampled allocation, with its own lock-free caller context.
void leakscope_prof_backtrace(void** vec, unsigned* len, unsigned max_len) {
  // One extra slot: the first frame is this function, which is not part of the program's stack.
  void* frames[256 + 1];
  unsigned want = max_len < 256 ? max_len : 256;
  int n = unw_backtrace_fn(frames, static_cast<int>(want) + 1);
  if (n <= 1) {
    *len = 0;
    return;
  }
  *len = static_cast<unsigned>(n - 1);
  std::memcpy(vec, frames + 1, *len * sizeof(void*));
}

using prof_backtrace_hook_t = void (*)(void**, unsigned*, unsigned);

}  // namespace

bool install_fast_backtrace() {
  std::lock_guard lock(install_mu);
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

}  // namespace leakscope::profiler
