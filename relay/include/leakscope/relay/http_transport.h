// How FcmSender's requests reach FCM: one POST per job, many at once, driven from the sender's own
// thread. Two implementations: Http2Client (HTTP/2 over TLS on nghttp2 and OpenSSL, the way to
// Google) and CurlTransport (libcurl: plain HTTP/1.1, proxies, and servers without HTTP/2).
// FcmSender owns the scheduling (queue, retries, quota, rate) and never sees which one runs.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace leakscope::relay {

// One finished request. `cause` is empty when an HTTP answer arrived (`status`, `body` up to
// kMaxAnswerBody, `retry_after`); otherwise it names what went wrong, one of a small fixed set
// (timeout, truncated_response, connection_dropped, connect_failed, stream_reset, http2_refused,
// transport_other), and `error` says it in words.
struct TransportAnswer {
  void* request = nullptr;  // what start() was given
  long status = 0;
  std::string body, retry_after;
  std::string cause, error;
};

// FCM's answers are a few hundred bytes; whatever a broken server sends, keep only enough to classify.
inline constexpr size_t kMaxAnswerBody = 64 * 1024;

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Starts a POST of `body` (which must outlive the request) with the bearer token; `request` is
  // handed back in its answer.
  virtual void start(void* request, const std::string& body, const std::string& token) = 0;
  // Moves every request forward without blocking and appends the finished ones to `done`.
  virtual void progress(std::vector<TransportAnswer>& done) = 0;
  // Blocks until a socket is ready, wake() is called, or `limit` passes.
  virtual void wait(std::chrono::milliseconds limit) = 0;
  // Any thread: ends a wait() now.
  virtual void wake() = 0;
  // Requests started and not answered.
  virtual size_t active() const = 0;
  // Abandons every request under way without an answer and returns them.
  virtual std::vector<void*> abort_all() = 0;
};

}  // namespace leakscope::relay
