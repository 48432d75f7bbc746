// The AMQP side of fcm-relay: consumes jobs, hands them to the sender, and owns every ack.
// Reconnects with capped backoff; results for deliveries of an older connection are never acked
// (delivery tags restart with each connection; the broker redelivers those).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/leak_modes.h"
#include "leakscope/relay/relay_metrics.h"

namespace leakscope::relay {

struct RelayOptions {
  // One URL per cluster node: on a lost connection the relay moves on to the next one.
  std::vector<std::string> amqp_urls{"amqp://guest:guest@127.0.0.1:5672/"};
  AmqpTls amqp_tls;                    // for amqps:// URLs
  std::string queue_type = "classic";  // or "quorum"; the rejected and dead-letter queues follow it
  std::string queue = "push-jobs";
  bool durable = true;
  std::string rejected_queue;     // default: <queue>.rejected
  std::string dead_letter_queue;  // default: <queue>.dead
  int prefetch = 256;
  int max_inflight = 64;
  AckMode ack_mode = AckMode::kManual;           // kAuto: DEFECTIVE on purpose, leak 1
  CloseWatch close_watch = CloseWatch::kStatus;  // kNotify: DEFECTIVE on purpose, leak 2
  int heartbeat_seconds = 10;
  std::chrono::milliseconds health_interval{1000};
  std::chrono::milliseconds reconnect_backoff_cap{5000};
  std::chrono::seconds shutdown_timeout{10};
};

class RelayService {
 public:
  RelayService(RelayOptions options, FcmSender& sender, RelayMetrics& metrics);
  // Runs until `stop` is set, then shuts down gracefully (see README). Returns 0 on a clean stop,
  // 2 when the queue exists with another type than queue_type.
  int run(const std::atomic<bool>& stop);

 private:
  void session(const std::atomic<bool>& stop, const std::string& amqp_url);
  RelayOptions o_;
  FcmSender& sender_;
  RelayMetrics& metrics_;
  uint64_t generation_ = 0;
  bool established_ = false;          // the current session got as far as consuming
  std::unique_ptr<LeakModes> leaks_;  // what --ack-mode and --close-watch chose, once
};

}  // namespace leakscope::relay
