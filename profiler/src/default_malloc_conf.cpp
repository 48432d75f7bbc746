// Linking leakscope_profiler is enough to make a program profilable: jemalloc reads this at start-up
// (profiling compiled in and enabled, but not sampling until the profiler is started).
// MALLOC_CONF, read after it, overrides any option here. The executable's definition interposes
// libjemalloc's weak default.
extern "C" {
__attribute__((visibility("default"))) const char* malloc_conf = "prof:true,prof_active:false";
}
