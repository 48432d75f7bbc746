#include "leakscope/relay/leak_modes.h"

#include <cstring>

namespace leakscope::relay {

bool DeliveryBacklog::pop(std::string& body) {
  if (bodies_.empty()) return false;
  body.assign(bodies_.front().bytes.get(), bodies_.front().size);
  bodies_.pop_front();
  return true;
}

__attribute__((noinline)) void recv_content(DeliveryBacklog& backlog, const Delivery& d) {
  // The body copy the broker's unbounded push forces on an auto-ack consumer.
  std::unique_ptr<char[]> copy(new char[d.body.size()]);
  std::memcpy(copy.get(), d.body.data(), d.body.size());
  backlog.bodies_.push_back({std::move(copy), d.body.size()});
}

__attribute__((noinline)) void notify_close(CloseListenerRegistry& registry, size_t generation) {
  // Each listener keeps a buffer alive, like a channel in the original Go service.
  auto buffer = std::make_shared<std::vector<char>>(4096, static_cast<char>(generation));
  registry.add([buffer, generation](const std::string&) {
    (void)buffer->size();
    (void)generation;
  });
}

const char* to_string(AckMode mode) { return mode == AckMode::kAuto ? "auto" : "manual"; }
const char* to_string(CloseWatch watch) { return watch == CloseWatch::kNotify ? "notify" : "status"; }

namespace {

// The defects asked for, as the historic relay had them. Its state outlives connections (the
// backlog and the registry are the relay's, not a session's), which is what makes them leaks.
class DeliberateLeaks final : public LeakModes {
 public:
  DeliberateLeaks(AckMode ack_mode, CloseWatch close_watch)
      : auto_ack_(ack_mode == AckMode::kAuto), notify_close_(close_watch == CloseWatch::kNotify) {}

  void connected(uint64_t generation, RelayMetrics& metrics) override { watch_close(generation, metrics); }
  // The defect of leak 2: another listener on every health check, never released.
  void health_tick(uint64_t generation, RelayMetrics& metrics) override { watch_close(generation, metrics); }

  // Leak 1: no_ack and no basic.qos, so the broker pushes the whole queue at once.
  bool subscribe(AmqpSession& amqp, const std::string& queue) override {
    if (auto_ack_) amqp.consume(queue, /*no_ack=*/true);
    return auto_ack_;
  }
  bool take(Delivery& d) override {
    if (auto_ack_) backlog_.push(d);
    return auto_ack_;
  }
  // The in-memory backlog goes to the sender at the sender's pace, which is slower than the push.
  void feed(FcmSender& sender, size_t max_inflight, RelayMetrics& metrics) override {
    if (!auto_ack_) return;
    std::string body;
    while (sender.pending() < max_inflight && backlog_.pop(body)) {
      JobCheck check = check_job(body);
      if (!check.ok) {
        metrics.rejected(check.reason);
        continue;
      }
      sender.submit({0, 0, std::move(body), check.id});  // no tag, no connection: the broker forgot it
    }
    metrics.backlog = backlog_.size();
  }
  bool acked_on_delivery(const SendJob&) const override { return auto_ack_; }

 private:
  void watch_close(uint64_t generation, RelayMetrics& metrics) {
    if (!notify_close_) return;
    notify_close(listeners_, generation);
    metrics.close_listeners = listeners_.size();
  }
  const bool auto_ack_, notify_close_;
  DeliveryBacklog backlog_;
  CloseListenerRegistry listeners_;
};

}  // namespace

std::unique_ptr<LeakModes> make_leak_modes(AckMode ack_mode, CloseWatch close_watch) {
  if (ack_mode == AckMode::kManual && close_watch == CloseWatch::kStatus) return std::make_unique<LeakModes>();
  return std::make_unique<DeliberateLeaks>(ack_mode, close_watch);
}

}  // namespace leakscope::relay
