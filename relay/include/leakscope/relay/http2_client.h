// HttpTransport straight on nghttp2 and OpenSSL: one TLS connection to the FCM host (ALPN h2, the
// certificate and host name verified), every request a stream on it. Why not libcurl: for each
// request libcurl 7.88 builds an HTTP/1.1 text request and converts it, walks all its transfers on
// every round and reads the clock dozens of times; measured, that was most of the relay's CPU per
// message (issue #17). Here a round is one nghttp2_session_send into one buffer, one SSL_write and
// the reads that the poll reported.
//
// What it does about the network: connects with a deadline (each address getaddrinfo gives, in
// turn), reconnects when the server closes or sends GOAWAY (streams the server refused go out again
// on the new connection), answers a stream cut mid-answer as truncated_response, ends each request
// at its deadline (RST_STREAM), and says `http2_refused` when the server does not negotiate h2, so
// the caller can move to a transport that speaks HTTP/1.1. The process must ignore SIGPIPE (the relay
// does), as writes go to a plain socket.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "leakscope/relay/http_transport.h"

namespace leakscope::relay {

struct Http2ClientOptions {
  std::string url;  // https://host[:port]/path
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds connect_timeout{5000};  // TCP connect and TLS handshake together
  std::string ca_file;                              // trust these CAs (PEM) instead of the system's
};

// An https:// URL's parts: host without brackets, port (443 unless given), path with its query.
struct HttpsUrl {
  std::string host, port, path, authority;
};
// Throws std::invalid_argument naming what is wrong.
HttpsUrl parse_https_url(const std::string& url);

class Http2Client : public HttpTransport {
 public:
  // Throws std::runtime_error when the TLS context cannot be made (an unreadable ca_file).
  explicit Http2Client(Http2ClientOptions options);
  ~Http2Client() override;
  void start(void* request, const std::string& body, const std::string& token) override;
  void progress(std::vector<TransportAnswer>& done) override;
  void wait(std::chrono::milliseconds limit) override;
  void wake() override;
  size_t active() const override;
  std::vector<void*> abort_all() override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::relay
