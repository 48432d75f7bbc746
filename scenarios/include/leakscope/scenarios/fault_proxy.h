// A TCP proxy on loopback between an AMQP client and the broker that injects the faults the relay
// must survive: every connection cut on demand, or the broker's frames put out of order.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace leakscope::scenarios {

// Faults in the broker -> client frame stream, applied to the next frame on a non-zero channel
// (deliveries and their content; connection-level frames and heartbeats pass untouched).
enum class FrameFault { kSwapWithNext, kDuplicate, kDrop };

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (free port) and forwards to target_host:target_port.
  FaultProxy(std::string target_host, int target_port);
  ~FaultProxy();
  int port() const;
  // Closes every connection currently open through the proxy (clients see a reset).
  void cut_all();
  // Arms one frame fault; it hits the next channel frame any connection forwards.
  void inject(FrameFault fault);
  uint64_t connections_accepted() const;
  uint64_t cuts() const;
  uint64_t frame_faults_applied() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::scenarios
