#include "leakscope/relay/retry_delay.h"

#include <algorithm>

namespace leakscope::relay {

std::chrono::milliseconds server_requested_wait(std::chrono::milliseconds retry_after, const RetryPolicy& policy) {
  return std::clamp(retry_after, std::chrono::milliseconds(0), policy.retry_after_cap);
}

std::chrono::milliseconds retry_delay(int attempts, std::chrono::milliseconds retry_after, const RetryPolicy& policy,
                                      std::mt19937_64& rng) {
  auto exponential = policy.backoff_base * (int64_t{1} << std::clamp(attempts - 1, 0, 20));
  auto capped = std::min(exponential, policy.backoff_cap);
  auto jittered =
      std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(capped.count() / 2, capped.count())(rng));
  return std::max(jittered, server_requested_wait(retry_after, policy));
}

}  // namespace leakscope::relay
