#include "leakscope/relay/relay_service.h"

#include <random>
#include <thread>

#include "leakscope/relay/ack_window.h"
#include "leakscope/relay/job.h"
#include "leakscope/relay/log.h"

namespace leakscope::relay {
namespace {

// At a stop, jobs the sender had not started are requeued one basic.reject each, so that another
// relay on the queue can take them while this one finishes its sends; at most this many (a prefetch
// of 65,535 would be as many frames, each written with no deadline but the heartbeat's). The rest go
// back with the one basic.nack at the end.
constexpr size_t kMaxSingleRequeuesAtStop = 1024;

}  // namespace

RelayService::RelayService(RelayOptions options, FcmSender& sender, RelayMetrics& metrics)
    : o_(std::move(options)), sender_(sender), metrics_(metrics), leaks_(make_leak_modes(o_.ack_mode, o_.close_watch)) {
  if (o_.rejected_queue.empty()) o_.rejected_queue = o_.queue + ".rejected";
  if (o_.dead_letter_queue.empty()) o_.dead_letter_queue = o_.queue + ".dead";
}

int RelayService::run(const std::atomic<bool>& stop) {
  std::mt19937 rng{std::random_device{}()};
  auto backoff = std::chrono::milliseconds(100);
  size_t node = 0;
  while (!stop) {
    const std::string url = o_.amqp_urls[node];
    try {
      session(stop, url);
      backoff = std::chrono::milliseconds(100);
    } catch (const AmqpQueueTypeMismatch& e) {
      metrics_.broker_connected = false;
      log_event("error", "queue type mismatch", {{"node", mask_amqp_url(url)}, {"error", e.what()}});
      return 2;
    } catch (const AmqpError& e) {
      metrics_.broker_connected = false;
      if (established_) backoff = std::chrono::milliseconds(100);  // a working connection dropped: retry soon
      established_ = false;
      node = (node + 1) % o_.amqp_urls.size();  // a cluster: the next node may be up
      nlohmann::json fields{{"node", mask_amqp_url(url)}, {"error", e.what()}, {"retry_in_ms", backoff.count()}};
      if (o_.amqp_urls.size() > 1) fields["next_node"] = mask_amqp_url(o_.amqp_urls[node]);
      log_event("warn", "broker connection lost", fields);
      auto wait =
          std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(backoff.count() / 2, backoff.count())(rng));
      for (auto end = std::chrono::steady_clock::now() + wait; !stop && std::chrono::steady_clock::now() < end;)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      backoff = std::min(backoff * 2, o_.reconnect_backoff_cap);
    }
  }
  return 0;
}

void RelayService::session(const std::atomic<bool>& stop, const std::string& amqp_url) {
  AmqpSession amqp(amqp_url, o_.heartbeat_seconds, o_.amqp_tls);
  uint64_t generation = ++generation_;
  if (generation > 1) ++metrics_.reconnects;
  leaks_->connected(generation, metrics_);
  amqp.declare_queue(o_.queue, o_.durable, o_.queue_type);
  amqp.declare_queue(o_.rejected_queue, true, o_.queue_type);
  amqp.declare_queue(o_.dead_letter_queue, true, o_.queue_type);
  if (!leaks_->subscribe(amqp, o_.queue)) {
    amqp.qos(static_cast<uint16_t>(o_.prefetch));
    amqp.consume(o_.queue, /*no_ack=*/false);
  }
  metrics_.broker_connected = true;
  established_ = true;
  log_event("info", "consuming",
            {{"event", "consuming"},
             {"queue", o_.queue},
             {"node", mask_amqp_url(amqp_url)},
             {"generation", generation},
             {"ack_mode", to_string(o_.ack_mode)}});

  // Deliveries of this connection awaiting a result or an ack. Finished ones held back behind a
  // slow one occupy prefetch slots, so hold at most a quarter of them.
  AckWindow acks(std::min<size_t>(64, static_cast<size_t>(o_.prefetch) / 4));
  auto reject_to = [&](const std::string& queue, const std::string& body, const std::string& reason) {
    amqp.publish(queue, body, {{"x-reject-reason", reason}});
  };
  auto send_acks = [&](bool all_finished = false) {
    for (const Ack& a : acks.take_acks(all_finished)) {
      amqp.ack(a.tag, a.multiple);
      metrics_.acked += a.deliveries;
    }
  };
  auto handle_results = [&] {
    for (auto& r : sender_.take_results()) {
      if (r.outcome == FinalOutcome::kRejected) metrics_.rejected(r.reason);
      if (r.outcome == FinalOutcome::kDeadLettered) ++metrics_.dead_lettered;
      if (leaks_->acked_on_delivery(r.job)) continue;  // nothing to acknowledge
      if (r.job.generation != generation) {
        ++metrics_.stale_results;  // that channel is gone; its deliveries come back on their own
        continue;
      }
      if (r.outcome == FinalOutcome::kRejected) reject_to(o_.rejected_queue, r.job.body, r.reason);
      if (r.outcome == FinalOutcome::kDeadLettered) reject_to(o_.dead_letter_queue, r.job.body, r.reason);
      acks.finished(r.job.tag);
    }
    send_acks();
  };
  auto next_tick = std::chrono::steady_clock::now() + o_.health_interval;
  Delivery d;
  while (!stop) {
    handle_results();
    leaks_->feed(sender_, static_cast<size_t>(o_.max_inflight), metrics_);
    if (std::chrono::steady_clock::now() >= next_tick) {
      next_tick += o_.health_interval;
      leaks_->health_tick(generation, metrics_);
    }
    // Wait for a delivery no longer than the health tick, so the tick keeps its schedule.
    auto next = amqp.next_delivery(d, std::min(std::chrono::milliseconds(20), o_.health_interval));
    if (next == AmqpSession::Next::kClosed) throw AmqpError(amqp.close_reason());
    if (next != AmqpSession::Next::kDelivery) continue;
    ++metrics_.consumed;
    if (leaks_->take(d)) continue;
    acks.delivered(d.tag);
    JobCheck check = check_job(d.body);
    if (!check.ok) {
      metrics_.rejected(check.reason);
      reject_to(o_.rejected_queue, d.body, check.reason);
      acks.finished(d.tag);  // acked with the next batch of results
      continue;
    }
    sender_.submit({d.tag, generation, std::move(d.body), check.id});
  }

  // Graceful stop: no new deliveries; finish what is in flight within the deadline; requeue the rest.
  amqp.cancel();
  send_acks();
  log_event("info", "stopping", {{"in_flight", acks.unfinished_count()}});
  size_t requeued_singly = 0, left_for_the_nack = 0;
  for (const auto& j : sender_.drain_unstarted()) {
    if (leaks_->acked_on_delivery(j) || j.generation != generation) continue;
    acks.forget(j.tag);  // not awaited below: the sender no longer has it
    if (requeued_singly == kMaxSingleRequeuesAtStop) {
      ++left_for_the_nack;
      continue;
    }
    amqp.reject(j.tag, true);
    ++requeued_singly;
  }
  metrics_.requeued += requeued_singly;
  auto deadline = std::chrono::steady_clock::now() + o_.shutdown_timeout;
  while (acks.unfinished_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    handle_results();
    amqp.next_delivery(d, std::chrono::milliseconds(20));  // services heartbeats; nothing new arrives
  }
  handle_results();
  send_acks(true);
  // Every finished delivery is acked now, so what the channel still holds unacked is what did not
  // finish: one basic.nack (multiple, tag 0: all outstanding) returns it all, however much it is.
  if (size_t left = acks.unfinished_count() + left_for_the_nack; left > 0) {
    amqp.requeue_all_unacked();
    metrics_.requeued += left;
  }
  metrics_.broker_connected = false;
}

}  // namespace leakscope::relay
