// A TCP proxy on loopback that can cut every connection through it on demand: the faults the
// relay must survive (connection drops between it and the broker).
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace leakscope::scenarios {

class FaultProxy {
 public:
  // Listens on 127.0.0.1 (free port) and forwards to target_host:target_port.
  FaultProxy(std::string target_host, int target_port);
  ~FaultProxy();
  int port() const;
  // Closes every connection currently open through the proxy (clients see a reset).
  void cut_all();
  uint64_t connections_accepted() const;
  uint64_t cuts() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::scenarios
