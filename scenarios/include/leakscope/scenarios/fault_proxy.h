// A TCP proxy on loopback between an AMQP client and the broker that injects the faults the relay
// must survive: every connection cut on demand, the broker's frames put out of order, or a broker
// that goes silent with its connections still open.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace leakscope::scenarios {

// Faults in the broker -> client frame stream, applied to the next frame on a non-zero channel
// (deliveries and their content; connection-level frames and heartbeats pass untouched).
enum class FrameFault { kSwapWithNext, kDuplicate, kDrop };

class FaultProxy {
 public:
  // Listens on listen_host (a free port) and forwards to target_host:target_port. Another loopback
  // address than the target's (127.0.0.2) lets a TLS client reach the broker by an address that is
  // not in the broker's certificate. amqp_frames false: the bytes are not AMQP frames (TLS) and are
  // forwarded as they come; frame faults and method counts then see nothing.
  FaultProxy(std::string target_host, int target_port, const std::string& listen_host = "127.0.0.1",
             bool amqp_frames = true);
  ~FaultProxy();
  int port() const;
  // Closes every connection currently open through the proxy (clients see a reset).
  void cut_all();
  // Arms one frame fault; it hits the next channel frame any connection forwards.
  void inject(FrameFault fault);
  // A black hole: from now on the bytes of every connection, either way, are read and dropped, and
  // the connections stay open (a broker that stops answering without a reset). A client that closes
  // its side still closes the broker's, so the broker requeues what that client had not acked.
  void black_hole();
  uint64_t connections_accepted() const;
  uint64_t cuts() const;
  uint64_t frame_faults_applied() const;
  // Method frames the clients sent, of AMQP class `class_id` and method `method_id` (basic.reject is
  // 60/90, basic.nack 60/120): what a client did, seen from the wire.
  uint64_t client_methods(uint16_t class_id, uint16_t method_id) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::scenarios
