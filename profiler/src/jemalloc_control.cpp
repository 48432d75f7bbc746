#include "leakscope/profiler/jemalloc_control.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
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

// Serializes prof.active writes with the pauses for dumps, so that a pause restores what was set before it
// and a change asked for during one is not undone by it.
std::mutex active_mu;

// A fork waits for a pause to end: a child must not start with sampling held off and this mutex held
// by a thread it does not have (jemalloc's own fork handlers cover only prof.dump itself). Registered
// after jemalloc's (at its first malloc), so this prepare handler runs before jemalloc's takes its
// locks (prepare handlers run last-registered first): a pausing thread inside prof.dump can finish.
void lock_active_mu() { active_mu.lock(); }
void unlock_active_mu() { active_mu.unlock(); }
std::mutex& active_mu_with_fork_handlers() {
  static const bool registered = pthread_atfork(lock_active_mu, unlock_active_mu, unlock_active_mu) == 0;
  (void)registered;
  return active_mu;
}
std::atomic<bool> paused_for_dump{false};
std::atomic<uint64_t> paused_nanos{0};

int64_t monotonic_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ProfilingState profiling_state() {
  ProfilingState s;
  read_ctl("config.prof", s.compiled_in);
  read_ctl("opt.prof", s.enabled);
  read_ctl("prof.active", s.active);
  s.active = s.active || paused_for_dump.load();
  read_ctl("thread.prof.active", s.thread_active);
  size_t lg = 0;
  if (read_ctl("prof.lg_sample", lg)) s.lg_sample = static_cast<int>(lg);
  return s;
}

bool set_profiling_active(bool active) {
  std::lock_guard lock(active_mu_with_fork_handlers());
  return write_ctl("prof.active", active);
}
bool set_thread_profiling_active(bool active) { return write_ctl("thread.prof.active", active); }

namespace {
std::atomic<uint64_t> profiling_resets_done{0};
std::atomic<uint64_t> program_resets_seen{0};
}  // namespace

bool reset_profiling(int lg_sample) {
  if (lg_sample < 0 || lg_sample > 62) return false;
  if (!write_ctl("prof.reset", static_cast<size_t>(lg_sample))) return false;
  profiling_resets_done.fetch_add(1);
  return true;
}

uint64_t profiling_resets() { return profiling_resets_done.load(); }

void note_program_profiling_reset() {
  program_resets_seen.fetch_add(1);
  profiling_resets_done.fetch_add(1);
}

uint64_t program_profiling_resets() { return program_resets_seen.load(); }

bool purge_all_arenas() {
  return mallctl(("arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge").c_str(), nullptr, nullptr, nullptr, 0) == 0;
}

int dump_heap_to_memfd() {
  // jemalloc writes dumps to a path; a memfd keeps them off disk and off the heap, needs no clean-up,
  // and a helper process can read it by inheriting the descriptor.
  int fd = memfd_create("leakscope-heap-dump", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("memfd_create failed");
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  const char* p = path.c_str();
  if (mallctl("prof.dump", nullptr, nullptr, &p, sizeof p) != 0) {
    close(fd);
    throw std::runtime_error("prof.dump failed: is jemalloc profiling enabled (MALLOC_CONF=prof:true)?");
  }
  return fd;
}

SamplingPausedForDump::SamplingPausedForDump() {
  active_mu_with_fork_handlers().lock();
  bool active = false;
  if (!read_ctl("prof.active", active) || !active) return;
  start_nanos_ = monotonic_nanos();
  paused_for_dump = true;
  paused_ = write_ctl("prof.active", false);
  if (!paused_) paused_for_dump = false;
}

SamplingPausedForDump::~SamplingPausedForDump() {
  if (paused_) {
    write_ctl("prof.active", true);
    paused_for_dump = false;
    paused_nanos.fetch_add(static_cast<uint64_t>(monotonic_nanos() - start_nanos_));
  }
  active_mu.unlock();
}

uint64_t sampling_paused_nanos() { return paused_nanos.load(); }

unsigned profiler_arena() {
  static const unsigned arena = [] {
    unsigned index = 0;
    size_t size = sizeof index;
    if (mallctl("arenas.create", &index, &size, nullptr, 0) != 0) return 0u;
    // Freed pages go back to the OS at once: a snapshot's transient buffers must not linger in RSS.
    ssize_t now = 0;
    for (const char* decay : {"dirty_decay_ms", "muzzy_decay_ms"})
      write_ctl(("arena." + std::to_string(index) + "." + decay).c_str(), now);
    return index;
  }();
  return arena;
}

void become_profiler_thread() {
  set_thread_profiling_active(false);
  unsigned arena = profiler_arena();
  if (arena == 0) return;
  // No thread cache: every allocation and free then goes straight to the profiler's arena, so the
  // arena's statistics are exactly the profiler's memory (a cache would hand out the service's).
  write_ctl("thread.tcache.enabled", false);
  write_ctl("thread.arena", arena);
}

ThreadSamplingOff::ThreadSamplingOff() : was_active_(profiling_state().thread_active) {
  if (was_active_) set_thread_profiling_active(false);
}

ThreadSamplingOff::~ThreadSamplingOff() {
  if (was_active_) set_thread_profiling_active(true);
}

}  // namespace leakscope::profiler
