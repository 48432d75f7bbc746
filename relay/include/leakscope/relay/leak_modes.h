// The two historic leaks, reproduced on purpose and only when asked (--ack-mode auto,
// --close-watch notify). DEFECTIVE BY DESIGN: production mode uses neither. They live behind one
// seam, LeakModes, chosen once at start, so RelayService's consumer reads as the production one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/job.h"
#include "leakscope/relay/relay_metrics.h"

namespace leakscope::relay {

// Leak 1 (streadway/amqp#272): with no_ack and no qos the broker pushes every message at once; the
// client copies each body into memory faster than the senders drain it.
class DeliveryBacklog;
// Copies a delivery's body into the backlog (the function the heap profile must name).
void recv_content(DeliveryBacklog& backlog, const Delivery& d);

class DeliveryBacklog {
 public:
  void push(const Delivery& d) { recv_content(*this, d); }
  bool pop(std::string& body);
  size_t size() const { return bodies_.size(); }

 private:
  friend void recv_content(DeliveryBacklog& backlog, const Delivery& d);
  struct Body {
    std::unique_ptr<char[]> bytes;
    size_t size;
  };
  std::deque<Body> bodies_;
};

// Leak 2 (the NotifyClose pattern): every reconnect and every health tick registers another
// close listener, holding a buffer, in a registry that is never pruned.
class CloseListenerRegistry {
 public:
  using Listener = std::function<void(const std::string& reason)>;
  void add(Listener l) { listeners_.push_back(std::move(l)); }
  size_t size() const { return listeners_.size(); }

 private:
  std::vector<Listener> listeners_;
};
// Registers a new listener (the function the heap profile must name).
void notify_close(CloseListenerRegistry& registry, size_t generation);

enum class AckMode { kManual, kAuto };       // --ack-mode manual | auto (leak 1)
enum class CloseWatch { kStatus, kNotify };  // --close-watch status | notify (leak 2)
const char* to_string(AckMode mode);
const char* to_string(CloseWatch watch);

// The seam: RelayService calls these at the points where the historic relay went wrong. Production
// mode (manual, status) does nothing at any of them; make_leak_modes picks the defects asked for.
class LeakModes {
 public:
  virtual ~LeakModes() = default;
  // A new connection of this generation, and each health tick on it.
  virtual void connected(uint64_t /*generation*/, RelayMetrics&) {}
  virtual void health_tick(uint64_t /*generation*/, RelayMetrics&) {}
  // Subscribes in place of the production consumer (no prefetch, no acks); false: it did not.
  virtual bool subscribe(AmqpSession&, const std::string& /*queue*/) { return false; }
  // Takes a delivery in place of the production consumer; false: it did not.
  virtual bool take(Delivery&) { return false; }
  // Hands what it took to the sender as checked jobs (check_job), at most `max_inflight` pending there.
  virtual void feed(FcmSender&, size_t /*max_inflight*/, RelayMetrics&) {}
  // Whether the broker forgot this job on delivery, so there is nothing to ack or requeue.
  virtual bool acked_on_delivery(const SendJob&) const { return false; }
};

std::unique_ptr<LeakModes> make_leak_modes(AckMode ack_mode, CloseWatch close_watch);

}  // namespace leakscope::relay
