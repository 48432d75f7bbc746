// The relay's counters, exposed at /metrics in Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "leakscope/relay/fcm_sender.h"

namespace leakscope::relay {

struct RelayMetrics {
  std::atomic<uint64_t> consumed{0}, acked{0}, dead_lettered{0}, reconnects{0}, stale_results{0}, requeued{0};
  std::atomic<uint64_t> backlog{0}, close_listeners{0};
  std::atomic<bool> broker_connected{false};
  std::mutex mu;
  std::map<std::string, uint64_t> rejected_by_reason;

  void rejected(const std::string& reason) {
    std::lock_guard lock(mu);
    ++rejected_by_reason[reason];
  }
  uint64_t rejected_total() {
    std::lock_guard lock(mu);
    uint64_t n = 0;
    for (const auto& [_, v] : rejected_by_reason) n += v;
    return n;
  }
};

// Relay, sender and (when the profiler is linked) allocator metrics as Prometheus text.
std::string render_relay_metrics(RelayMetrics& m, const SenderCounters& s);

}  // namespace leakscope::relay
