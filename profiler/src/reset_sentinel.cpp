#include "reset_sentinel.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#include "leakscope/profiler/jemalloc_control.h"

namespace leakscope::profiler {
namespace {

constexpr char kName[] = "leakscope-reset-sentinel";
static_assert(std::string_view(kName) == kResetSentinelName);
// The dump's thread records come before its first stack; a process with thousands of threads has a
// longer head, so it is read in steps, up to this bound.
constexpr size_t kMaxHeadBytes = 8 << 20;

// Never destroyed: the sentinel still waits on them while static destructors run at exit (destroying
// a condition variable with a waiter blocks for ever). Made on first use: the preload library starts
// the profiler from its constructor, possibly before this file's static initializers have run.
std::mutex& sentinel_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::condition_variable& sentinel_changed() {
  static auto* c = new std::condition_variable;
  return *c;
}
bool started = false;
uint64_t requested = 0;  // profiling_resets() when an arming was last asked for
uint64_t armed = 0;      // profiling_resets() when the sentinel last named its record
bool armed_once = false;
bool warned = false;

// The sentinel: names its jemalloc record whenever asked, and otherwise waits. It allocates nothing
// and never samples, so nothing but a prof.reset can take its record out of the dumps.
void* sentinel_main(void*) {
  // jemalloc makes a thread's profiling record only once the thread has allocated (its state is then
  // initialized); a freed byte does it.
  std::free(std::malloc(1));
  std::unique_lock lock(sentinel_mutex());
  for (;;) {
    sentinel_changed().wait(lock, [] { return !armed_once || armed != requested; });
    uint64_t want = requested;
    lock.unlock();
    // Its record stays active (a dump leaves inactive ones out); it never allocates, so it never samples.
    const char* name = kName;
    // Names the record, making it again first when a reset expired it.
    mallctl("thread.prof.name", nullptr, nullptr, &name, sizeof name);
    lock.lock();
    armed = want;
    armed_once = true;
    sentinel_changed().notify_all();
  }
  return nullptr;
}

bool start_sentinel() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 64 * 1024);  // it only waits
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  bool ok = pthread_create(&thread, &attr, sentinel_main, nullptr) == 0;
  pthread_attr_destroy(&attr);
  if (ok) pthread_setname_np(thread, "leakscope-reset");
  return ok;
}

// Called with mu held.
void arm_locked(std::unique_lock<std::mutex>& lock) {
  uint64_t now = profiling_resets();
  if (started && armed_once && armed == now) return;
  if (!started) {
    if (!start_sentinel()) return;
    started = true;
  }
  requested = now;
  sentinel_changed().notify_all();
  sentinel_changed().wait(lock, [&] { return armed_once && armed == requested; });
}

std::string read_head(int fd) {
  std::string head;
  char chunk[16384];
  while (head.size() < kMaxHeadBytes) {
    ssize_t n = pread(fd, chunk, sizeof chunk, static_cast<off_t>(head.size()));
    if (n <= 0) break;
    size_t searched_from = head.size() > 0 ? head.size() - 1 : 0;
    head.append(chunk, static_cast<size_t>(n));
    if (head.find("\n@", searched_from) != std::string::npos ||
        head.find("\nMAPPED_LIBRARIES:", searched_from > 20 ? searched_from - 20 : 0) != std::string::npos)
      break;
  }
  return head;
}

}  // namespace

bool dump_lists_reset_sentinel(std::string_view dump_head) {
  // The thread records end where the first stack (or, with none, the maps) begins; each ends in '\n'.
  size_t end = std::min(dump_head.find("\n@"), dump_head.find("\nMAPPED_LIBRARIES:"));
  std::string_view threads = dump_head.substr(0, end == std::string_view::npos ? end : end + 1);
  std::string line_end = " " + std::string(kResetSentinelName) + "\n";
  return threads.find(line_end) != std::string_view::npos;
}

void arm_reset_sentinel() {
  std::unique_lock lock(sentinel_mutex());
  arm_locked(lock);
}

bool detect_program_reset(int dump_fd) {
  std::unique_lock lock(sentinel_mutex());
  if (!armed_once) return false;  // nothing to compare with yet
  if (dump_lists_reset_sentinel(read_head(dump_fd))) return false;
  if (armed != profiling_resets()) {  // the profiler's own reset since arming explains it
    arm_locked(lock);
    return false;
  }
  note_program_profiling_reset();
  if (!warned) {
    warned = true;
    std::fprintf(stderr,
                 "leakscope: the program reset jemalloc's heap profiling itself (prof.reset): later profiles lack "
                 "the samples taken before it, and figures read off earlier snapshots (sample promotion) are "
                 "dropped (later ones are handled alike without a line; /debug/vars counts them)\n");
  }
  arm_locked(lock);
  return true;
}

}  // namespace leakscope::profiler
