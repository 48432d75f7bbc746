// /healthz, /readyz (broker connected and a valid FCM token) and /metrics (relay, sender and
// allocator statistics) on --http-addr.
#pragma once

#include <memory>
#include <string>

#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/oauth_token_source.h"
#include "leakscope/relay/relay_metrics.h"

namespace leakscope::relay {

class StatusServer {
 public:
  StatusServer(std::string address, RelayMetrics& metrics, const FcmSender& sender, const OAuthTokenSource& tokens);
  ~StatusServer();
  void start();  // throws std::runtime_error
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::relay
