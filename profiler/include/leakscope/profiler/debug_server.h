// Debug HTTP endpoints in Go's net/http/pprof conventions, so `go tool pprof http://HOST/debug/pprof/heap`
// works against any program that runs this. Loopback only unless a token is configured; with a
// token, every request must carry it (Authorization: Bearer TOKEN, or ?token=TOKEN).
#pragma once

#include <memory>
#include <string>

namespace leakscope::profiler {

struct DebugServerOptions {
  std::string address = "127.0.0.1:6060";  // host:port; port 0 picks a free one
  std::string token;                       // required for non-loopback addresses
};

class DebugServer {
 public:
  explicit DebugServer(DebugServerOptions options);
  ~DebugServer();
  // Binds and serves in a background thread. Throws std::runtime_error with the reason on refusal
  // (non-loopback without a token, bad address, port in use).
  void start();
  void stop();
  int port() const;
  std::string url() const;  // http://host:port

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

}  // namespace leakscope::profiler
