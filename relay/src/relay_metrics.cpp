#include "leakscope/relay/relay_metrics.h"

namespace leakscope::relay {

std::string render_relay_metrics(RelayMetrics& m, const SenderCounters& s) {
  std::string out;
  auto metric = [&](const std::string& name, const char* type, const char* help, const std::string& value,
                    const std::string& labels = "") {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + labels + " " + value + "\n";
  };
  auto n = [](uint64_t v) { return std::to_string(v); };
  metric("fcm_relay_consumed_total", "counter", "Deliveries consumed from the queue.", n(m.consumed));
  metric("fcm_relay_sent_total", "counter", "Messages FCM accepted.", n(s.sent));
  metric("fcm_relay_retried_total", "counter", "Send attempts scheduled for retry.", n(s.retried));
  metric("fcm_relay_dead_lettered_total", "counter", "Jobs dead-lettered after the last attempt.", n(m.dead_lettered));
  metric("fcm_relay_acked_total", "counter", "Deliveries acknowledged.", n(m.acked));
  metric("fcm_relay_requeued_total", "counter", "Deliveries returned to the queue at shutdown.", n(m.requeued));
  metric("fcm_relay_reconnects_total", "counter", "Broker reconnections.", n(m.reconnects));
  metric("fcm_relay_stale_results_total", "counter", "Results for deliveries of a closed connection (not acked).",
         n(m.stale_results));
  metric("fcm_relay_token_refreshes_total", "counter", "OAuth2 tokens refreshed after a 401.", n(s.token_refreshes));
  metric("fcm_relay_quota_holds_total", "counter", "Times FCM's project quota (429 with Retry-After) held every send.",
         n(s.quota_holds));
  metric("fcm_relay_quota_held_seconds_total", "counter", "Time spent holding every send for FCM's project quota.",
         std::to_string(s.quota_held_us / 1e6));
  metric("fcm_relay_in_flight", "gauge", "FCM requests in flight.", std::to_string(s.in_flight.load()));
  metric("fcm_relay_retry_waiting", "gauge", "Jobs waiting out a backoff.", std::to_string(s.waiting.load()));
  metric("fcm_relay_backlog", "gauge", "Bodies buffered in memory (auto-ack mode only).", n(m.backlog));
  metric("fcm_relay_close_listeners", "gauge", "Registered close listeners.", n(m.close_listeners));
  metric("fcm_relay_broker_connected", "gauge", "1 while connected to the broker.", m.broker_connected ? "1" : "0");
  {
    std::lock_guard lock(m.mu);
    out +=
        "# HELP fcm_relay_rejected_total Jobs rejected permanently, by reason.\n# TYPE fcm_relay_rejected_total "
        "counter\n";
    for (const auto& [reason, v] : m.rejected_by_reason)
      out += "fcm_relay_rejected_total{reason=\"" + reason + "\"} " + n(v) + "\n";
  }
  {
    std::lock_guard lock(s.mu);
    out +=
        "# HELP fcm_relay_retried_by_cause_total Send attempts scheduled for retry, by cause.\n"
        "# TYPE fcm_relay_retried_by_cause_total counter\n";
    for (const auto& [cause, v] : s.retried_by_cause)
      out += "fcm_relay_retried_by_cause_total{cause=\"" + cause + "\"} " + n(v) + "\n";
  }
  out += "# HELP fcm_relay_fcm_latency_seconds FCM request latency.\n# TYPE fcm_relay_fcm_latency_seconds histogram\n";
  uint64_t cumulative = 0;
  for (int i = 0; i < 8; ++i) {
    cumulative += s.latency_buckets[i];
    std::string le = i < 7 ? std::to_string(kLatencyBoundsMs[i] / 1000.0) : "+Inf";
    out += "fcm_relay_fcm_latency_seconds_bucket{le=\"" + le + "\"} " + n(cumulative) + "\n";
  }
  out += "fcm_relay_fcm_latency_seconds_sum " + std::to_string(s.latency_sum_us / 1e6) + "\n";
  out += "fcm_relay_fcm_latency_seconds_count " + n(s.latency_count) + "\n";
  return out;
}

}  // namespace leakscope::relay
