#include <stdexcept>

#include "leakscope/scenarios/scenario.h"

namespace leakscope::scenarios {

const std::vector<ScenarioSpec>& all_scenarios() {
  static const std::vector<ScenarioSpec> scenarios = {
      {
          "autoack",
          "Leak 1: the consumer ran in auto-ack mode, so the broker pushed every queued message at once and the "
          "client buffered each body (recvContent) faster than FCM sends drained them. Fixed by manual acks with a "
          "prefetch window: the backlog waits in the broker.",
          // ~200 sends/s (4 at a time, 20 ms each) against 400 jobs/s published: delivery outpaces sending.
          {"--latency-ms", "20", "--max-concurrency", "4"},
          400,
          2000,
          0,
          12,  // 4 KiB: the backlog's growth lands ~8x above sampling noise in a 12 s CI run
          1,
          20,
          "leakscope::relay::recv_content",
          {{"--ack-mode", "auto", "--max-inflight", "4"}},
          {{"--ack-mode", "manual", "--max-inflight", "4"}},
      },
      {
          "notify-close",
          "Leak 2: after the auto-ack fix, a reconnect loop registered a new close-notification listener "
          "(NotifyClose) on every health check and never removed the old ones; connection drops made it run hot. "
          "Fixed by polling the connection status instead of registering listeners.",
          {},
          200,
          200,
          0.5,
          12,
          1,
          20,
          "leakscope::relay::notify_close",
          {{"--close-watch", "notify", "--health-interval-ms", "10"}},
          {{"--close-watch", "status", "--health-interval-ms", "10"}},
      },
  };
  return scenarios;
}

const ScenarioSpec& find_scenario(const std::string& name) {
  std::string known;
  for (const auto& s : all_scenarios()) {
    if (s.name == name) return s;
    known += (known.empty() ? "" : ", ") + s.name;
  }
  throw std::invalid_argument("unknown scenario '" + name + "' (known: " + known + ")");
}

}  // namespace leakscope::scenarios
