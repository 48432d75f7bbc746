#include "allocation_stall.h"

#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace leakscope::bench {
namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// SCHED_FIFO at `priority` for the calling thread; the error text when refused.
std::string make_realtime(int priority) {
  sched_param sp{};
  sp.sched_priority = priority;
  int rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  return rc == 0 ? "" : std::string("SCHED_FIFO refused: ") + std::strerror(rc);
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// The core the probe gets to itself (the last one), and the one the dumping thread runs on.
int probe_cpu() { return std::max(1u, std::thread::hardware_concurrency()) - 1; }

// The probe: times each malloc and each free of its own, into a buffer reserved before it starts, so
// it allocates nothing else. Windows are cut by pausing it (a handshake, never a lock it could wait on).
class Probe {
 public:
  Probe() : latencies_(1 << 20) {}
  ~Probe() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // Starts the probe and returns the reason SCHED_FIFO was refused ("" when granted).
  std::string start() {
    std::atomic<bool> started{false};
    std::string refused;
    thread_ = std::thread([&] {
      if (std::thread::hardware_concurrency() > 1) pin_to_cpu(probe_cpu());
      refused = make_realtime(20);
      started = true;
      run();
    });
    while (!started) std::this_thread::yield();
    return refused;
  }

  // The latencies since the last call (ns); the probe resumes at once.
  std::vector<uint32_t> take_window() {
    paused_ = true;
    while (!idle_) std::this_thread::yield();
    std::vector<uint32_t> out(latencies_.begin(), latencies_.begin() + static_cast<long>(count_));
    count_ = 0;
    paused_ = false;
    return out;
  }

 private:
  void record(int64_t ns) {
    if (count_ < latencies_.size()) latencies_[count_++] = static_cast<uint32_t>(std::min<int64_t>(ns, UINT32_MAX));
  }

  void run() {
    const timespec gap{0, 20000};  // 20 µs between operations: the probe must not hold its core for seconds
    while (!stop_) {
      if (paused_) {
        idle_ = true;
        while (paused_ && !stop_) std::this_thread::yield();
        idle_ = false;
        continue;
      }
      int64_t t0 = now_ns();
      void* p = std::malloc(64);
      int64_t t1 = now_ns();
      asm volatile("" : : "r"(p) : "memory");
      std::free(p);
      int64_t t2 = now_ns();
      record(t1 - t0);
      record(t2 - t1);
      nanosleep(&gap, nullptr);
    }
    idle_ = true;
  }

  std::vector<uint32_t> latencies_;
  size_t count_ = 0;  // written by the probe, read by the owner only while the probe is paused
  std::atomic<bool> stop_{false}, paused_{false}, idle_{false};
  std::thread thread_;
};

LatencySummary summarize(std::vector<uint32_t> ns) {
  LatencySummary s;
  s.operations = ns.size();
  if (ns.empty()) return s;
  std::sort(ns.begin(), ns.end());
  s.p99_ns = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)];
  s.max_ns = ns.back();
  return s;
}

bool reset_mutex_stats() { return mallctl("stats.mutexes.reset", nullptr, nullptr, nullptr, 0) == 0; }

int64_t mutex_max_wait_ns(const char* name) {
  uint64_t epoch = 1, wait = 0;
  size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
  len = sizeof wait;
  std::string ctl = std::string("stats.mutexes.") + name + ".max_wait_time";
  return mallctl(ctl.c_str(), &wait, &len, nullptr, 0) == 0 ? static_cast<int64_t>(wait) : -1;
}

}  // namespace

StallReport measure_allocation_stall(int rounds, const std::function<void()>& dump, bool dumper_realtime) {
  StallReport report;
  Probe probe;
  report.note = probe.start();
  report.probe_realtime = report.note.empty();
  int old_policy = 0;
  sched_param old_param{};
  pthread_getschedparam(pthread_self(), &old_policy, &old_param);
  cpu_set_t old_cpus;
  pthread_getaffinity_np(pthread_self(), sizeof old_cpus, &old_cpus);
  if (std::thread::hardware_concurrency() > 1) pin_to_cpu(0);
  if (dumper_realtime) {
    std::string refused = make_realtime(10);
    report.dumper_realtime = refused.empty();
    if (!refused.empty() && report.note.empty()) report.note = refused;
  }
  bool mutex_stats = reset_mutex_stats();
  std::vector<uint32_t> during, without;
  int64_t prof_wait = 0, thds_wait = 0;
  for (int i = 0; i < rounds; ++i) {
    probe.take_window();
    if (mutex_stats) reset_mutex_stats();
    int64_t t0 = now_ns();
    dump();
    int64_t took = now_ns() - t0;
    auto d = probe.take_window();
    if (mutex_stats) {
      prof_wait = std::max(prof_wait, mutex_max_wait_ns("prof"));
      thds_wait = std::max(thds_wait, mutex_max_wait_ns("prof_thds_data"));
    }
    during.insert(during.end(), d.begin(), d.end());
    std::this_thread::sleep_for(std::chrono::nanoseconds(took));
    auto w = probe.take_window();
    without.insert(without.end(), w.begin(), w.end());
  }
  pthread_setschedparam(pthread_self(), old_policy, &old_param);
  pthread_setaffinity_np(pthread_self(), sizeof old_cpus, &old_cpus);
  report.during = summarize(std::move(during));
  report.without = summarize(std::move(without));
  if (mutex_stats) {
    report.jemalloc_prof_max_wait_ns = prof_wait;
    report.jemalloc_thds_max_wait_ns = thds_wait;
  }
  return report;
}

}  // namespace leakscope::bench
