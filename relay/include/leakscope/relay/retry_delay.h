// How long a failed FCM send waits before its next attempt. Every wait a server asks for
// (Retry-After, on a 503 as on a 429) is honoured only up to a cap: a broken or hostile answer of
// "Retry-After: 3600" must not park a job, and the prefetch slot it holds, for an hour.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace leakscope::relay {

struct RetryPolicy {
  std::chrono::milliseconds backoff_base{200};       // the first retry's backoff (before jitter)
  std::chrono::milliseconds backoff_cap{30000};      // the exponential backoff grows to this at most
  std::chrono::milliseconds retry_after_cap{30000};  // the most a server's Retry-After is honoured
};

// A server's requested wait, capped: min(retry_after, retry_after_cap).
std::chrono::milliseconds server_requested_wait(std::chrono::milliseconds retry_after, const RetryPolicy& policy);

// The wait after attempt number `attempts` (1 for the first) failed: exponential backoff capped at
// backoff_cap, jittered into [half, all] of it, and never sooner than the server's capped Retry-After.
std::chrono::milliseconds retry_delay(int attempts, std::chrono::milliseconds retry_after, const RetryPolicy& policy,
                                      std::mt19937_64& rng);

}  // namespace leakscope::relay
