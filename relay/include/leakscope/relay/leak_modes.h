// The two historic leaks, reproduced on purpose and only when asked (--ack-mode auto,
// --close-watch notify). DEFECTIVE BY DESIGN: production mode uses neither.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/relay/amqp_session.h"

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

}  // namespace leakscope::relay
