// One step of a deep call chain, built three times into three shared libraries (STEP_NAME differs),
// so the test service's heap has tens of thousands of distinct stacks spread over several images.
#include <vector>

using Step = void (*)(int depth, unsigned path, const void* table, std::vector<void*>* keep);

extern "C" __attribute__((noinline, visibility("default"))) void STEP_NAME(int depth, unsigned path, const void* table,
                                                                           std::vector<void*>* keep) {
  if (depth == 0) {
    keep->push_back(new char[512]);
    return;
  }
  auto steps = static_cast<const Step*>(table);
  steps[path % 3](depth - 1, path / 3, table, keep);
  asm volatile("" ::: "memory");  // not a tail call: this frame stays on the stack
}
