// Sends jobs to FCM HTTP v1 from its own thread, at most `max_inflight` requests at once, through an
// HttpTransport (HTTP/2 on nghttp2 to an https:// FCM, libcurl otherwise: see http_transport.h). Retries
// (capped exponential backoff with jitter, at least Retry-After up to retry_after_cap) happen here;
// only final outcomes are handed back, so the AMQP thread never waits on HTTP. A 429 with Retry-After
// is the project's quota, not the message's fault: no send starts until then (capped at
// retry_after_cap), so the other
// messages do not keep hitting the wall, and the answer spends none of the job's max_attempts.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/relay/fcm_outcome.h"
#include "leakscope/relay/oauth_token_source.h"

namespace leakscope::relay {

struct SenderOptions {
  std::string send_url;  // {fcm-base-url}/v1/projects/{project}/messages:send
  int max_inflight = 64;
  int max_attempts = 8;
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_cap{30000};
  std::chrono::milliseconds retry_after_cap{30000};  // the most any server's Retry-After is honoured
  std::chrono::milliseconds request_timeout{30000};
  std::string ca_file;  // trust these CAs (PEM) instead of the system's: a test or private FCM endpoint
  // Client-side limit on sends started per second (0: none), for relays sharing a project's quota.
  double max_rate = 0;
  // "auto": Http2Client for an https:// URL with no proxy in the environment, CurlTransport otherwise
  // and after a server refused HTTP/2; "libcurl": CurlTransport always.
  std::string http_client = "auto";
};

struct SendJob {
  uint64_t tag = 0;         // the AMQP delivery tag (opaque to the sender)
  uint64_t generation = 0;  // the AMQP connection it came from
  std::string body;
  std::string id;
};

enum class FinalOutcome { kDelivered, kRejected, kDeadLettered };

struct SendResult {
  SendJob job;
  FinalOutcome outcome = FinalOutcome::kDelivered;
  std::string reason;
  int attempts = 0;
};

struct SenderCounters {
  std::atomic<uint64_t> sent{0}, retried{0}, token_refreshes{0};
  std::atomic<int64_t> in_flight{0}, waiting{0};
  std::atomic<uint64_t> latency_buckets[8]{};  // <=5, 10, 25, 50, 100, 250, 1000, +inf ms
  std::atomic<uint64_t> latency_sum_us{0}, latency_count{0};
  // FCM's project quota: 429s with Retry-After hold every send until then.
  std::atomic<uint64_t> quota_holds{0}, quota_held_us{0};
  // Retries by cause: timeout, truncated_response, connection_dropped, connect_failed, http_<status>,
  // token, transport_other. A small fixed set, whatever a server answers.
  mutable std::mutex mu;
  std::map<std::string, uint64_t> retried_by_cause;
};
inline constexpr int kLatencyBoundsMs[7] = {5, 10, 25, 50, 100, 250, 1000};

class FcmSender {
 public:
  FcmSender(SenderOptions options, OAuthTokenSource& tokens);
  ~FcmSender();
  void start();
  // Stops at once: no new sends, and transfers still under way are aborted without a result (their
  // jobs stay unacked, so the broker redelivers them); also cancels the token source's fetches.
  // Call it after the relay has given up waiting for in-flight work (its shutdown deadline).
  void stop();
  void submit(SendJob job);
  // Moves out all final results so far (non-blocking).
  std::vector<SendResult> take_results();
  // Jobs submitted and not yet finished (queued, in flight or waiting to retry).
  size_t pending() const;
  // Removes and returns jobs not yet in flight (for a shutdown that requeues them).
  std::vector<SendJob> drain_unstarted();
  const SenderCounters& counters() const { return counters_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SenderCounters counters_;
};

}  // namespace leakscope::relay
