#include "leakscope/profiler/jemalloc_control.h"

#include <jemalloc/jemalloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdexcept>

namespace leakscope::profiler {
namespace {

template <typename T>
bool read_ctl(const char* name, T& out) {
  size_t size = sizeof(T);
  return mallctl(name, &out, &size, nullptr, 0) == 0;
}

template <typename T>
bool write_ctl(const char* name, T value) {
  return mallctl(name, nullptr, nullptr, &value, sizeof(T)) == 0;
}

}  // namespace

ProfilingState profiling_state() {
  ProfilingState s;
  read_ctl("config.prof", s.compiled_in);
  read_ctl("opt.prof", s.enabled);
  read_ctl("prof.active", s.active);
  read_ctl("thread.prof.active", s.thread_active);
  size_t lg = 0;
  if (read_ctl("prof.lg_sample", lg)) s.lg_sample = static_cast<int>(lg);
  return s;
}

bool set_profiling_active(bool active) { return write_ctl("prof.active", active); }
bool set_thread_profiling_active(bool active) { return write_ctl("thread.prof.active", active); }

bool reset_profiling(int lg_sample) {
  if (lg_sample < 0 || lg_sample > 62) return false;
  return write_ctl("prof.reset", static_cast<size_t>(lg_sample));
}

bool purge_all_arenas() {
  return mallctl(("arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge").c_str(), nullptr, nullptr, nullptr, 0) == 0;
}

std::string dump_heap() {
  // jemalloc writes dumps to a path; a memfd keeps them off disk and needs no clean-up.
  int fd = memfd_create("leakscope-heap-dump", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("memfd_create failed");
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  const char* p = path.c_str();
  if (mallctl("prof.dump", nullptr, nullptr, &p, sizeof p) != 0) {
    close(fd);
    throw std::runtime_error("prof.dump failed: is jemalloc profiling enabled (MALLOC_CONF=prof:true)?");
  }
  std::string text;
  off_t size = lseek(fd, 0, SEEK_END);
  if (size > 0) {
    text.resize(static_cast<size_t>(size));
    if (pread(fd, text.data(), text.size(), 0) != size) {
      close(fd);
      throw std::runtime_error("reading the heap dump back failed");
    }
  }
  close(fd);
  return text;
}

ThreadSamplingOff::ThreadSamplingOff() : was_active_(profiling_state().thread_active) {
  if (was_active_) set_thread_profiling_active(false);
}

ThreadSamplingOff::~ThreadSamplingOff() {
  if (was_active_) set_thread_profiling_active(true);
}

}  // namespace leakscope::profiler
