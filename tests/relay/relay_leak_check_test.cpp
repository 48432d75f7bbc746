// The relay's two historic leaks as leak checks in a unit-test suite. Both are reachable (a backlog
// and a listener registry still reference their memory), so LeakSanitizer and Valgrind pass them;
// LeakCheck::repeat catches them and names the functions the heap profiles named.
#include <gtest/gtest.h>

#include "leakscope/profiler/gtest_leak_check.h"
#include "leakscope/relay/leak_modes.h"

namespace leakscope::relay {
namespace {

using profiler::LeakCheck;
using profiler::LeakCheckConfig;
using profiler::LeakReport;

bool names(const LeakReport& r, const std::string& function) {
  return !r.sites.empty() && r.sites[0].function == function;
}

// --close-watch notify: every health tick registers another close listener (leak 2).
TEST(RelayLeakCheck, NotifyCloseRegistrationOnEveryTickFailsNamingNotifyClose) {
  CloseListenerRegistry registry;
  size_t generation = 0;
  LeakReport r = LeakCheck::repeat(
      5,
      [&] {
        for (int tick = 0; tick < 10; ++tick) notify_close(registry, ++generation);
      },
      LeakCheckConfig{});
  EXPECT_TRUE(r.leaked) << r.text();
  EXPECT_TRUE(names(r, "leakscope::relay::notify_close")) << r.text();
  EXPECT_EQ(registry.size(), 50u);
}

// --close-watch status (production): a tick registers nothing; a close is learnt from the session's
// state (next_delivery returning kClosed), so the same ticks leave nothing behind.
TEST(RelayLeakCheck, StatusWatchPasses) {
  CloseListenerRegistry registry;
  notify_close(registry, 0);  // the one listener of a session, registered once
  size_t generation = 0;
  LeakReport r = LeakCheck::repeat(
      5,
      [&] {
        for (int tick = 0; tick < 10; ++tick) {
          std::string status =
              "generation " + std::to_string(++generation) + " listeners " + std::to_string(registry.size());
          ASSERT_FALSE(status.empty());
        }
      },
      LeakCheckConfig{});
  EXPECT_FALSE(r.leaked) << r.text();
  EXPECT_EQ(registry.size(), 1u);
}

// --ack-mode auto: the broker pushes faster than the sender drains; every body is copied into the
// backlog (leak 1).
TEST(RelayLeakCheck, AutoAckBacklogPushFailsNamingRecvContent) {
  DeliveryBacklog backlog;
  uint64_t tag = 0;
  LeakReport r = LeakCheck::repeat(
      5,
      [&] {
        for (int i = 0; i < 20; ++i) backlog.push(Delivery{++tag, std::string(700, 'j'), false});
      },
      LeakCheckConfig{});
  EXPECT_TRUE(r.leaked) << r.text();
  EXPECT_TRUE(names(r, "leakscope::relay::recv_content")) << r.text();
}

// Drained at the sender's pace (what a prefetch window guarantees), the same backlog stays bounded.
TEST(RelayLeakCheck, DrainedBacklogPasses) {
  DeliveryBacklog backlog;
  uint64_t tag = 0;
  std::string body;
  LEAKSCOPE_EXPECT_NO_LEAK({
    for (int i = 0; i < 20; ++i) backlog.push(Delivery{++tag, std::string(700, 'j'), false});
    while (backlog.pop(body)) {
    }
  });
}

}  // namespace
}  // namespace leakscope::relay
