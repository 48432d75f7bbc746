// HttpTransport on libcurl multi: HTTP/2 multiplexing where the server offers it, a keep-alive
// pool otherwise, proxies from the environment by libcurl's rules. The relay uses it for plain
// http:// endpoints, behind a proxy, and for an https:// server that does not speak HTTP/2.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "leakscope/relay/http_transport.h"

namespace leakscope::relay {

struct CurlTransportOptions {
  std::string url;
  int max_connections = 64;
  std::chrono::milliseconds request_timeout{30000};
  std::string ca_file;  // trust these CAs (PEM) instead of the system's
};

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(CurlTransportOptions options);
  ~CurlTransport() override;
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

// The proxy libcurl would use for `url` from the environment ("" when none), read once by libcurl's
// own rules; no_proxy beside it.
struct ProxyFromEnvironment {
  std::string proxy, no_proxy;
};
ProxyFromEnvironment proxy_from_environment(const std::string& url);

}  // namespace leakscope::relay
