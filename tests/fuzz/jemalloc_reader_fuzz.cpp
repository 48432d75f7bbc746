// libFuzzer target: the jemalloc heap_v2 dump reader and everything downstream of it.
#include "exercise_profile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return leakscope::fuzz::fuzz_reader(data, size, leakscope::analyzer::read_jemalloc_heap);
}
