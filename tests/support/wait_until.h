// Tests wait for the condition they assert, never a fixed time: a loaded machine (ctest -j, two
// shared cores) then makes a test slower, not red. The bound only keeps a broken build from hanging.
#pragma once

#include <chrono>
#include <thread>

namespace leakscope::test {

// Polls `condition` every `every` until it holds or `bound` passes; returns whether it held (it is
// asked once more at the bound, so a slow last step still counts).
template <class Condition>
bool wait_until(Condition condition, std::chrono::milliseconds bound,
                std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
  auto until = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);
  }
  return condition();
}

}  // namespace leakscope::test
