// A program linking the installed leakscope profiler: starts it from LEAKSCOPE_* variables, keeps
// 200 KiB from consumer_keeps_blocks(), prints "ready" and waits (at most 60 s) for SIGTERM.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>

#include "leakscope/profiler/profiler.h"

namespace {

volatile std::sig_atomic_t stop = 0;
std::vector<char*> kept;

__attribute__((noinline)) void consumer_keeps_blocks() {
  for (int i = 0; i < 200; ++i) {
    char* p = new char[1024];
    std::memset(p, 1, 1024);
    kept.push_back(p);
  }
}

}  // namespace

int main() {
  std::signal(SIGTERM, [](int) { stop = 1; });
  try {
    leakscope::profiler::Profiler::instance().start(leakscope::profiler::options_from_environment());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "install_consumer: %s\n", e.what());
    return 2;
  }
  consumer_keeps_blocks();
  std::printf("ready\n");
  std::fflush(stdout);
  for (int i = 0; i < 600 && !stop; ++i) ::usleep(100 * 1000);
  return 0;
}
