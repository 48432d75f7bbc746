// Test program linking the profiler: a heap of N blocks allocated through N distinct call chains
// (depth 9 over three shared libraries), then idle until SIGTERM, so the cost of snapshots to the
// process can be measured against a heap that does not change.
// Usage: many_stacks_service [--stacks N]   (default 12000); prints "ready" when the heap is built.
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "leakscope/profiler/profiler.h"

using Step = void (*)(int depth, unsigned path, const void* table, std::vector<void*>* keep);
extern "C" void stack_step_a(int, unsigned, const void*, std::vector<void*>*);
extern "C" void stack_step_b(int, unsigned, const void*, std::vector<void*>*);
extern "C" void stack_step_c(int, unsigned, const void*, std::vector<void*>*);

int main(int argc, char** argv) {
  unsigned stacks = 12000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--stacks") stacks = static_cast<unsigned>(std::atoi(argv[i + 1]));
  // SIGTERM waits for sigwait below, whichever thread the kernel picks: block it before any start.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  try {
    leakscope::profiler::Profiler::instance().start(leakscope::profiler::options_from_environment());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "many_stacks_service: %s\n", e.what());
    return 2;
  }
  static const Step table[3] = {stack_step_a, stack_step_b, stack_step_c};
  std::vector<void*> keep;
  keep.reserve(stacks);
  for (unsigned i = 0; i < stacks; ++i) table[i % 3](9, i / 3, table, &keep);
  std::printf("ready %zu blocks\n", keep.size());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  leakscope::profiler::Profiler::instance().stop();
  return 0;
}
