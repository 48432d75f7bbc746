// One AMQP connection with one channel (rabbitmq-c allows one connection per thread), wrapped so
// that every failure is an AmqpError and every message's frames are released
// (amqp_maybe_release_buffers before each read). Deliveries are read frame by frame with a time
// limit (see next_delivery). Heartbeats are serviced inside these calls, so call next_delivery
// often (its timeout bounds the wait).
#pragma once

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

namespace leakscope::relay {

class AmqpError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A queue exists with another type than the one asked for (RabbitMQ's 406 on x-queue-type): a
// configuration error that no retry mends.
class AmqpQueueTypeMismatch : public AmqpError {
 public:
  using AmqpError::AmqpError;
};

struct Delivery {
  uint64_t tag = 0;
  std::string body;
  bool redelivered = false;
};

// Trust and identity for amqps:// URLs. The broker's certificate and host name are always verified
// (an IP address in the URL against the certificate's IP entries): against ca_file when set, else
// the system's CAs. cert_file + key_file: a client certificate for
// brokers that require one (RabbitMQ's fail_if_no_peer_cert).
struct AmqpTls {
  std::string ca_file, cert_file, key_file;
};

class AmqpSession {
 public:
  // Connects (TLS for amqps://), logs in and opens channel 1. Throws AmqpError.
  AmqpSession(const std::string& url, int heartbeat_seconds, const AmqpTls& tls = {});
  ~AmqpSession();
  AmqpSession(const AmqpSession&) = delete;
  AmqpSession& operator=(const AmqpSession&) = delete;

  // queue_type "classic" declares without x-queue-type, as before (existing queues keep working);
  // "quorum" (always durable) sets it. Throws AmqpQueueTypeMismatch when the queue has another type.
  void declare_queue(const std::string& name, bool durable, const std::string& queue_type = "classic");
  void qos(uint16_t prefetch);
  void consume(const std::string& queue, bool no_ack);
  void cancel();  // basic.cancel for the consumer, at a stop: later RPCs wait 2 s at most
  enum class Next { kDelivery, kTimeout, kClosed };
  // kClosed: the broker closed the channel or connection, or cancelled the consumer, or the frame
  // stream broke (a socket error, a malformed or out-of-sequence frame); close_reason() says which.
  Next next_delivery(Delivery& out, std::chrono::milliseconds timeout);
  const std::string& close_reason() const { return close_reason_; }
  void ack(uint64_t tag, bool multiple = false);  // multiple: also every older unacked delivery
  void reject(uint64_t tag, bool requeue);
  // basic.nack of every delivery of the channel not yet acked or rejected, back to the queue: one
  // frame however many there are.
  void requeue_all_unacked();
  void publish(const std::string& routing_key, const std::string& body,
               const std::map<std::string, std::string>& headers = {}, bool persistent = true);
  // Publisher confirms (loadgen): after enable_confirms, wait_for_confirms blocks until every
  // message published so far is confirmed. Returns false on a nack.
  void enable_confirms();
  bool wait_for_confirms(std::chrono::milliseconds timeout);
  uint64_t queue_length(const std::string& queue);  // passive declare

 private:
  void check_rpc(const char* what);
  void shorten_rpc_timeout();       // 2 s instead of 10: for cancel and close, when the relay stops
  Next broken(std::string reason);  // marks the connection unusable; always kClosed
  int wait_frame(amqp_frame_t& frame, std::chrono::steady_clock::time_point deadline);
  Next read_content(amqp_channel_t channel, std::string& body);  // header + body frames of one message
  // The next frame of a message, of `type` on `channel`, by `deadline`; false (connection marked
  // broken, with the reason) otherwise.
  bool content_frame(amqp_frame_t& frame, amqp_channel_t channel, uint8_t type,
                     std::chrono::steady_clock::time_point deadline, const char* what);
  // A TLS socket for `host` (a DNS name, or an IP address matched against the certificate's IP
  // entries), trusting and presenting what `tls` says. Throws AmqpError.
  amqp_socket_t* tls_socket(const AmqpTls& tls, const std::string& host, const std::string& where);
  void fail(const std::string& message);  // destroys the connection, throws AmqpError
  amqp_connection_state_t conn_ = nullptr;
  bool open_ = false;
  std::string close_reason_;
  std::string consumer_tag_;
  uint64_t published_ = 0, confirmed_ = 0;
  bool nacked_ = false;
};

// Loads the PEM files `tls` names into a throwaway TLS context, so that an unreadable CA file or a
// certificate that does not match its key is a start-up error rather than a retry loop.
// Throws AmqpError naming the file.
void check_amqp_tls_files(const AmqpTls& tls);

// Masks the password of amqp://user:password@host/ for logs and --print-config.
std::string mask_amqp_url(const std::string& url);

}  // namespace leakscope::relay
