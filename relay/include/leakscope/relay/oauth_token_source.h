// OAuth2 access tokens for FCM from a service account: an RS256 JWT assertion exchanged at the
// account's token_uri (jwt-bearer grant), cached, refreshed before expiry and after a 401.
// keep_fresh() fetches one at start-up and renews it ahead of expiry from a thread of its own, so
// /readyz means "can send now" and a refusing token endpoint shows before any job waits on it.
// The cached token sits under a short lock and fetches take a lock of their own, so a hanging
// token endpoint holds up only the callers that have no valid token (and those for a bounded time).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "leakscope/relay/service_account.h"

namespace leakscope::relay {

class OAuthTokenSource {
 public:
  // `ca_file`: PEM CAs to trust for token_uri instead of the system's (the relay's one --ca-file).
  explicit OAuthTokenSource(ServiceAccount account, std::string ca_file = "",
                            std::chrono::seconds refresh_margin = std::chrono::seconds(300));
  ~OAuthTokenSource();
  // A valid token, fetching one when none is cached or it expires within the margin. While another
  // caller fetches, a still-valid token is returned at once; without one this waits for that fetch
  // (bounded by the fetch timeout). Throws std::runtime_error when the token endpoint refuses or
  // cannot be reached.
  std::string token();
  void invalidate();      // after FCM answered 401: the next token() fetches a new one
  bool valid() const;     // never waits on a fetch
  bool fetching() const;  // a fetch is under way (for /readyz: "token missing, fetching")
  uint64_t fetches() const;
  // Starts the refresher thread (idempotent); cancel() or the destructor stops it.
  void keep_fresh();
  // Ends the refresher and aborts a fetch under way at once (else it could take its 10 s timeout);
  // token() throws from then on. For a shutdown that must not wait on the token endpoint.
  void cancel();

 private:
  void refresh_loop();
  std::string fetch();  // one exchange at token_uri; the caller holds fetch_mu_

  ServiceAccount account_;
  std::string ca_file_;
  std::chrono::seconds margin_;
  mutable std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{}, refresh_at_{};
  uint64_t fetches_ = 0;
  std::timed_mutex fetch_mu_;  // one fetch at a time; taken before mu_, never while holding it
  std::atomic<bool> fetching_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};  // written under stop_mu_; read by a fetch's progress callback
  std::thread refresher_;
};

}  // namespace leakscope::relay
