// libleakscope-preload.so: profile an unmodified jemalloc program.
//   LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:build/lib/libleakscope-preload.so
//   MALLOC_CONF=prof:true LEAKSCOPE_DEBUG_ADDR=127.0.0.1:6060 ./program
// Installs the fast unwinder whenever jemalloc profiling is enabled, and starts the endpoints and
// periodic snapshots that LEAKSCOPE_* variables ask for.
#include <cstdio>
#include <exception>

#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/profiler.h"

namespace {

__attribute__((constructor)) void leakscope_preload_start() {
  using namespace leakscope::profiler;
  try {
    ProfilingState st = profiling_state();
    if (!st.enabled) {
      if (environment_requests_profiler())
        std::fprintf(stderr, "leakscope: jemalloc profiling is off; run with MALLOC_CONF=prof:true\n");
      return;
    }
    ProfilerOptions o = options_from_environment();
    o.activate = st.active || environment_requests_profiler();
    Profiler::instance().start(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "leakscope: %s; the program runs on\n", e.what());
  }
}

}  // namespace
