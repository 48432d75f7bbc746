// fake-fcm: a local stand-in for Google's FCM HTTP v1 API and OAuth2 token endpoint, for tests and
// scenarios (the network is closed). It validates what the real service validates and can be slow
// or failing on purpose.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace leakscope::scenarios {

struct FakeFcmOptions {
  std::string listen = "127.0.0.1:0";  // HTTP/1.1 (and the /token endpoint)
  std::string listen_h2;               // when set: the same API over TLS, HTTP/2 only (ALPN h2)
  std::string listen_https;            // when set: the same API over TLS, HTTP/1.1 only (no ALPN h2)
  std::string tls_cert, tls_key;       // PEM files for listen_h2 and listen_https
  int h2_goaway_after = 0;             // listen_h2: GOAWAY after this many requests on a connection (0: never)
  std::string service_account_file;    // when set: verify JWT signatures and issuer against it
  int token_ttl_seconds = 3600;
  int token_delay_ms = 0;     // /token answers only after this long (a token endpoint that hangs)
  int latency_ms = 0;         // mean added latency per send
  int latency_jitter_ms = 0;  // uniform +/- around the mean
  int max_concurrency = 0;    // sends processed at once (0: unlimited); others wait
  double rate_429 = 0, rate_500 = 0, rate_503 = 0;
  int retry_after_seconds = 1;
  std::string retry_after_value;  // when set, sent verbatim as Retry-After (an HTTP-date, garbage, ...)
  double rate_garbage = 0;        // fraction answered 502 with a body that is not JSON (a broken proxy)
  double rate_truncated = 0;      // fraction answered 503 whose body stops halfway and the connection drops
  double rate_slow = 0;           // fraction answered 503 with headers at once, then the body over slow_ms
  int slow_ms = 30000;
  std::string unregistered_pattern;  // regex on message.token -> 404 UNREGISTERED
  std::string record_file;           // accepted request bodies, one JSON line each
  // FCM's project quota: at most `quota` authenticated sends per window of `quota_window_s` seconds
  // (4xx answers count too, as at Google); beyond it 429 RESOURCE_EXHAUSTED with the seconds left
  // as Retry-After. 0: no quota.
  int quota = 0;
  int quota_window_s = 60;
  uint64_t seed = 1;
  // cpp-httplib serves each keep-alive connection from one thread for its lifetime, so this must
  // exceed the client's connection count (the relay's --max-inflight over HTTP/1.1).
  int threads = 512;
};

class FakeFcm {
 public:
  explicit FakeFcm(FakeFcmOptions options);
  ~FakeFcm();
  void start();  // throws std::runtime_error
  void stop();
  int port() const;
  int h2_port() const;     // -1 without listen_h2
  int https_port() const;  // -1 without listen_https

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A self-signed certificate for 127.0.0.1 / localhost (RSA 2048, SAN, 30 days) and its key, PEM
// files, for --listen-h2 (clients trust it as their CA file).
void write_self_signed_certificate(const std::string& cert_file, const std::string& key_file);

}  // namespace leakscope::scenarios
