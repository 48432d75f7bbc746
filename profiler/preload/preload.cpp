// libleakscope-preload.so: profile an unmodified jemalloc program.
//   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:build/lib/libleakscope-preload.so
//   MALLOC_CONF=prof:true LEAKSCOPE_DEBUG_ADDR=127.0.0.1:6060 ./program
// Installs the fast unwinder whenever jemalloc profiling is enabled, and starts the endpoints and
// periodic snapshots that LEAKSCOPE_* variables ask for.
//
// The variables reach every process the command starts, so only one takes them (preload_target.h):
// known wrappers and shells (timeout, env, nohup, sh -c, a start script's bash, ...) pass them on
// untouched; LEAKSCOPE_PROGRAM=NAME instead names the one program that may start; the process that
// starts the profiler removes LEAKSCOPE_* and this library from its environment, so its children
// are not profiled (LEAKSCOPE_PROFILE_CHILDREN=1 keeps them). A debug address that cannot be bound
// (a port in use) costs one line on stderr; the program runs on without the endpoints.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>

#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/preload_target.h"
#include "leakscope/profiler/profiler.h"

namespace {

std::string own_library_name() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&own_library_name), &info) || !info.dli_fname) return "libleakscope-preload.so";
  return std::filesystem::path(info.dli_fname).filename().string();
}

__attribute__((constructor)) void leakscope_preload_start() {
  using namespace leakscope::profiler;
  try {
    if (!is_preload_target(own_exe_name(), own_comm(), std::getenv("LEAKSCOPE_PROGRAM"))) return;
    ProfilingState st = profiling_state();
    if (!st.enabled) {
      if (environment_requests_profiler())
        std::fprintf(stderr, "leakscope: jemalloc profiling is off; run with MALLOC_CONF=prof:true\n");
      return;
    }
    ProfilerOptions o = options_from_environment();
    o.activate = st.active || environment_requests_profiler();
    if (environment_requests_profiler()) keep_children_unprofiled(own_library_name());
    Profiler::instance().start(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakscope: %s; the program runs on\n", e.what());
  }
}

}  // namespace
