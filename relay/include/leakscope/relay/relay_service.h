// The AMQP side of fcm-relay: consumes jobs, hands them to the sender, and owns every ack.
// Reconnects with capped backoff; results for deliveries of an older connection are never acked
// (delivery tags restart with each connection; the broker redelivers those).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/leak_modes.h"
#include "leakscope/relay/relay_metrics.h"

namespace leakscope::relay {

struct RelayOptions {
  std::string amqp_url = "amqp://guest:guest@127.0.0.1:5672/";
  std::string queue = "push-jobs";
  bool durable = true;
  std::string rejected_queue;     // default: <queue>.rejected
  std::string dead_letter_queue;  // default: <queue>.dead
  int prefetch = 256;
  int max_inflight = 64;
  bool auto_ack = false;       // DEFECTIVE on purpose: leak 1
  bool notify_close = false;   // DEFECTIVE on purpose: leak 2
  int heartbeat_seconds = 10;
  std::chrono::milliseconds health_interval{1000};
  std::chrono::milliseconds reconnect_backoff_cap{5000};
  std::chrono::seconds shutdown_timeout{10};
};

class RelayService {
 public:
  RelayService(RelayOptions options, FcmSender& sender, RelayMetrics& metrics);
  // Runs until `stop` is set, then shuts down gracefully (see README). Returns 0 on a clean stop.
  int run(const std::atomic<bool>& stop);

 private:
  void session(const std::atomic<bool>& stop);
  RelayOptions o_;
  FcmSender& sender_;
  RelayMetrics& metrics_;
  uint64_t generation_ = 0;
  bool established_ = false;  // the current session got as far as consuming
  DeliveryBacklog backlog_;
  CloseListenerRegistry close_listeners_;
};

}  // namespace leakscope::relay
