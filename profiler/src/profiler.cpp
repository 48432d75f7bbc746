#include "leakscope/profiler/profiler.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "leakscope/profiler/backtrace_hook.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "reset_sentinel.h"

namespace leakscope::profiler {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

template <typename T>
T number(const char* name, const char* text) {
  try {
    size_t used = 0;
    double v = std::stod(text, &used);
    if (used != std::string(text).size() || v < 0) throw std::invalid_argument("");
    return static_cast<T>(v);
  } catch (...) {
    throw std::invalid_argument(std::string(name) + "='" + text + "': expected a non-negative number");
  }
}

std::string program_name() {
  std::ifstream in("/proc/self/comm");
  std::string name;
  std::getline(in, name);
  return name.empty() ? "heap" : name;
}

}  // namespace

void check_age_epoch_seconds(double seconds, const std::string& what) {
  if (seconds != 0 && seconds < 0.001) throw std::invalid_argument(what + " must be 0 (off) or at least 0.001 seconds");
}

bool environment_requests_profiler() {
  for (const char* v : {"LEAKSCOPE_DEBUG_ADDR", "LEAKSCOPE_SNAPSHOT_DIR", "LEAKSCOPE_PROFILE"})
    if (env(v)) return true;
  return false;
}

ProfilerOptions options_from_environment() {
  ProfilerOptions o;
  if (auto v = env("LEAKSCOPE_DEBUG_ADDR")) o.debug_addr = v;
  if (auto v = env("LEAKSCOPE_DEBUG_TOKEN")) o.debug_token = v;
  if (auto v = env("LEAKSCOPE_LG_SAMPLE")) {
    o.lg_sample = number<int>("LEAKSCOPE_LG_SAMPLE", v);
    if (o.lg_sample > 40) throw std::invalid_argument("LEAKSCOPE_LG_SAMPLE must be at most 40");
  }
  if (auto v = env("LEAKSCOPE_FAST_UNWIND")) o.fast_unwinder = std::string(v) != "0";
  if (auto v = env("LEAKSCOPE_AGE_EPOCH")) {
    o.age_epoch_seconds = number<double>("LEAKSCOPE_AGE_EPOCH", v);
    check_age_epoch_seconds(o.age_epoch_seconds, "LEAKSCOPE_AGE_EPOCH");
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_DIR")) {
    o.snapshots.dir = v;
    o.snapshots.name = program_name();
    o.snapshots.interval_seconds = 60;  // a sane default when only the directory is given
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_NAME")) o.snapshots.name = v;
  if (auto v = env("LEAKSCOPE_SNAPSHOT_INTERVAL"))
    o.snapshots.interval_seconds = number<double>("LEAKSCOPE_SNAPSHOT_INTERVAL", v);
  if (auto v = env("LEAKSCOPE_SNAPSHOT_GROWTH")) {
    o.snapshots.growth_bytes = number<uint64_t>("LEAKSCOPE_SNAPSHOT_GROWTH", v);
    if (!env("LEAKSCOPE_SNAPSHOT_INTERVAL")) o.snapshots.interval_seconds = 0;
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_RETAIN")) o.snapshots.retain = number<unsigned>("LEAKSCOPE_SNAPSHOT_RETAIN", v);
  // The triggers for a snapshot before the OOM; with only these, no time-based series.
  bool triggers_only = !env("LEAKSCOPE_SNAPSHOT_INTERVAL") && !env("LEAKSCOPE_SNAPSHOT_GROWTH");
  bool any_trigger = false;
  if (auto v = env("LEAKSCOPE_SNAPSHOT_HIGH_WATER")) {
    o.snapshots.high_water_percent = number<double>("LEAKSCOPE_SNAPSHOT_HIGH_WATER", v);
    any_trigger = true;
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_RSS_ABOVE")) {
    o.snapshots.rss_above_bytes = number<uint64_t>("LEAKSCOPE_SNAPSHOT_RSS_ABOVE", v);
    any_trigger = true;
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_CGROUP_FRACTION")) {
    o.snapshots.cgroup_fraction = number<double>("LEAKSCOPE_SNAPSHOT_CGROUP_FRACTION", v);
    if (o.snapshots.cgroup_fraction > 1)
      throw std::invalid_argument("LEAKSCOPE_SNAPSHOT_CGROUP_FRACTION must be at most 1");
    any_trigger = true;
  }
  if (auto v = env("LEAKSCOPE_SNAPSHOT_MIN_GAP"))
    o.snapshots.min_gap_seconds = number<double>("LEAKSCOPE_SNAPSHOT_MIN_GAP", v);
  if (any_trigger && triggers_only) o.snapshots.interval_seconds = 0;
  return o;
}

Profiler& Profiler::instance() {
  static Profiler* p = new Profiler;  // never destroyed: its threads may outlive static destruction
  return *p;
}

void Profiler::start(const ProfilerOptions& o) {
  std::lock_guard lock(mu_);
  ThreadSamplingOff quiet;
  ProfilingState st = profiling_state();
  if (!st.compiled_in) throw std::runtime_error("this jemalloc was built without profiling (--enable-prof)");
  if (!st.enabled)
    throw std::runtime_error("jemalloc profiling is off: set MALLOC_CONF=prof:true (or link leakscope_profiler)");
  if (o.fast_unwinder && !install_fast_backtrace())
    std::fprintf(stderr, "leakscope: fast unwinder unavailable; using jemalloc's own\n");
  if (o.age_epoch_seconds > 0 && !enable_allocation_ages(o.age_epoch_seconds))
    std::fprintf(stderr, "leakscope: allocation ages need the fast unwinder (LEAKSCOPE_FAST_UNWIND=1); ages off\n");
  if (o.lg_sample >= 0 && !reset_profiling(o.lg_sample))
    throw std::runtime_error("cannot set the sampling rate to 2^" + std::to_string(o.lg_sample));
  if (o.activate) set_profiling_active(true);
  arm_reset_sentinel();  // from here on, a prof.reset by the program is noticed at the next snapshot
  // Snapshots first: an address in use (reported by the throw) leaves them running.
  if (!o.snapshots.dir.empty() && !snapshots_) {
    const auto& so = o.snapshots;
    if (so.interval_seconds <= 0 && so.growth_bytes == 0 && so.high_water_percent <= 0 && so.rss_above_bytes == 0 &&
        so.cgroup_fraction <= 0)
      throw std::runtime_error("periodic snapshots need an interval, a growth threshold or a trigger");
    auto snaps = std::make_unique<PeriodicSnapshots>(o.snapshots);
    snaps->start();
    snapshots_ = std::move(snaps);
  }
  if (!o.debug_addr.empty() && !server_) {
    auto server = std::make_unique<DebugServer>(DebugServerOptions{o.debug_addr, o.debug_token});
    server->start();
    std::fprintf(stderr, "leakscope: debug endpoints on %s/debug/pprof/ (pid %d)\n", server->url().c_str(), ::getpid());
    // The line launchers wait for (process::ChildProcess::wait_for_event), so no one greps the text above.
    std::string addr = server->url().substr(std::string("http://").size());
    std::fprintf(stderr, "{\"event\":\"listening\",\"what\":\"debug\",\"addr\":\"%s\",\"port\":%d,\"pid\":%d}\n",
                 addr.c_str(), server->port(), ::getpid());
    server_ = std::move(server);
  }
}

void Profiler::stop() {
  std::lock_guard lock(mu_);
  if (server_) server_->stop();
  if (snapshots_) snapshots_->stop();
  server_.reset();
  snapshots_.reset();
}

DebugServer* Profiler::debug_server() {
  std::lock_guard lock(mu_);
  return server_.get();
}

}  // namespace leakscope::profiler
