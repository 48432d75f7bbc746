// Benchmark input generator: writes a jemalloc heap dump with N distinct stacks.
// Usage: many_stacks OUT.heap [N=200000]   (run with MALLOC_CONF=prof:true,lg_prof_sample:0)
// Each allocation goes through a chain of DEPTH calls among ten functions chosen by the digits of
// its index, so every index gives a different stack (different return addresses).
#include <jemalloc/jemalloc.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int kDepth = 7;
std::vector<void*> kept;

using Step = void (*)(int, uint32_t);
extern Step steps[10];

__attribute__((noinline)) void allocate_leaf() { kept.push_back(malloc(4096)); }

#define STEP(d)                                                       \
  __attribute__((noinline)) void step##d(int depth, uint32_t code) {  \
    if (depth == 0)                                                   \
      allocate_leaf();                                                \
    else                                                              \
      steps[code % 10](depth - 1, code / 10);                         \
    asm volatile("" ::: "memory"); /* no tail call: keep the frame */ \
  }
STEP(0)
STEP(1)
STEP(2)
STEP(3)
STEP(4)
STEP(5)
STEP(6)
STEP(7)
STEP(8)
STEP(9)
Step steps[10] = {step0, step1, step2, step3, step4, step5, step6, step7, step8, step9};

}  // namespace

int main(int argc, char** argv) {
  constexpr const char* kUsage =
      "usage: many_stacks OUT.heap [N]: N distinct stacks (default 200000) kept live, then a jemalloc dump to OUT.heap "
      "(run with MALLOC_CONF=prof:true,lg_prof_sample:0)\n";
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  char* end = nullptr;
  long parsed = argc > 2 ? std::strtol(argv[2], &end, 10) : 200000;
  if (argc < 2 || argc > 3 || argv[1][0] == '-' || (end && *end != '\0') || parsed < 1 || parsed > 100000000) {
    std::fprintf(stderr, "many_stacks: expected OUT.heap [N] with N a whole number from 1 (see --help)\n");
    return 2;
  }
  uint32_t n = static_cast<uint32_t>(parsed);
  kept.reserve(n);
  for (uint32_t i = 0; i < n; ++i) steps[i % 10](kDepth, i / 10);
  const char* path = argv[1];
  if (mallctl("prof.dump", nullptr, nullptr, &path, sizeof path) != 0) {
    std::fprintf(stderr, "prof.dump failed: run with MALLOC_CONF=prof:true,lg_prof_sample:0\n");
    return 1;
  }
  return 0;
}
