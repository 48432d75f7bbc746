// What an FCM HTTP v1 response means for the job (FCM's documented error codes).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace leakscope::relay {

enum class OutcomeKind {
  kDelivered,     // 2xx: ack
  kPermanent,     // INVALID_ARGUMENT, UNREGISTERED, SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR, other 4xx: ack + reject
  kRetry,         // QUOTA_EXCEEDED (429), UNAVAILABLE (503), INTERNAL (500), timeouts, connection errors
  kRefreshToken,  // 401 with our own token expired or revoked: refresh it, then retry
};

struct Outcome {
  OutcomeKind kind = OutcomeKind::kRetry;
  std::string reason;                        // FCM errorCode, or HTTP_<status>, or a transport error
  std::chrono::milliseconds retry_after{0};  // from Retry-After, 0 when absent
};

// `transport_error` is libcurl's message when no HTTP response arrived (empty otherwise).
Outcome classify_fcm_response(long http_status, std::string_view body, std::string_view retry_after,
                              const std::string& transport_error);

// Retry-After as delta-seconds or an HTTP-date; clamped to [0, 1 h]; 0 when absent or unreadable.
std::chrono::milliseconds parse_retry_after(std::string_view value);

}  // namespace leakscope::relay
