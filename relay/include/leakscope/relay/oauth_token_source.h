// OAuth2 access tokens for FCM from a service account: an RS256 JWT assertion exchanged at the
// account's token_uri (jwt-bearer grant), cached, refreshed before expiry and after a 401.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "leakscope/relay/service_account.h"

namespace leakscope::relay {

class OAuthTokenSource {
 public:
  explicit OAuthTokenSource(ServiceAccount account, std::chrono::seconds refresh_margin = std::chrono::seconds(300));
  // A valid token, fetching one when none is cached or it expires within the margin.
  // Throws std::runtime_error when the token endpoint refuses or cannot be reached.
  std::string token();
  void invalidate();  // after FCM answered 401: the next token() fetches a new one
  bool valid() const;
  uint64_t fetches() const;

 private:
  ServiceAccount account_;
  std::chrono::seconds margin_;
  mutable std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
  uint64_t fetches_ = 0;
};

}  // namespace leakscope::relay
