// Test program linking leakscope_profiler: a "service" that keeps leaking from leak_step() and
// churning in churn_step(), with the profiler started from LEAKSCOPE_* variables.
// Usage: profiled_service [--seconds S] [--rate N] [--threads T] [--snapshot-stress MS]
//   --rate N: leak N 1 KiB blocks per 10 ms tick (default 10)
//   --threads T: extra threads allocating and freeing (stress)
//   --snapshot-stress MS: take an in-process snapshot every MS ms and check it parses
// Prints "ready" once the profiler runs; exits 0 after S seconds (default 3600) or on SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/profiler/profiler.h"
#include "leakscope/profiler/snapshotter.h"

namespace {

std::atomic<bool> stop{false};
std::vector<char*> leaked;

__attribute__((noinline)) void leak_step(int n) {
  for (int i = 0; i < n; ++i) {
    char* p = new char[1024];
    std::memset(p, 1, 1024);
    leaked.push_back(p);
  }
}

__attribute__((noinline)) void churn_step(unsigned seed) {
  std::vector<void*> tmp;
  for (int i = 0; i < 64; ++i) tmp.push_back(std::malloc(16 + (seed * 31 + i * 17) % 4000));
  for (void* p : tmp) std::free(p);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3600;
  int rate = 10, threads = 0, stress_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (a == "--rate")
      rate = std::atoi(argv[i + 1]);
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (a == "--snapshot-stress")
      stress_ms = std::atoi(argv[i + 1]);
  }
  std::signal(SIGTERM, [](int) { stop = true; });
  using namespace leakscope::profiler;
  try {
    Profiler::instance().start(options_from_environment());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "profiled_service: %s\n", e.what());
    return 2;
  }
  static std::atomic<int64_t> ticks{0};
  Snapshotter::instance().set_work_counter("tick", [] { return ticks.load(); });
  std::printf("ready\n");
  std::fflush(stdout);

  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([t] {
      unsigned seed = static_cast<unsigned>(t);
      while (!stop) churn_step(seed++);
    });
  std::atomic<int> snapshots{0}, bad{0};
  std::thread stresser;
  if (stress_ms > 0)
    stresser = std::thread([&] {
      while (!stop) {
        try {
          std::string gz = Snapshotter::instance().take_proto_gz();
          leakscope::analyzer::read_proto(leakscope::analyzer::gunzip(gz, "snapshot", 1 << 30), "snapshot");
          ++snapshots;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "bad snapshot: %s\n", e.what());
          ++bad;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(stress_ms));
      }
    });

  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!stop && std::chrono::steady_clock::now() < end) {
    leak_step(rate);
    churn_step(1);
    ++ticks;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& w : workers) w.join();
  if (stresser.joinable()) stresser.join();
  if (stress_ms > 0) std::printf("snapshots %d bad %d\n", snapshots.load(), bad.load());
  Profiler::instance().stop();
  return bad ? 1 : 0;
}
