// fake-fcm's HTTP/2 listener: TLS with ALPN "h2" (as FCM itself), served with libnghttp2, so the
// relay's multiplexing path runs as it does against Google. Each connection has a thread of its own
// that owns the TLS stream and the nghttp2 session; requests run on a worker pool (they may sleep:
// injected latency), and their responses are handed back to the connection thread — or, when
// nothing can make them wait, on the connection thread itself.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http_exchange.h"

namespace leakscope::scenarios {

struct H2Counters {
  std::atomic<uint64_t> connections{0}, streams{0}, max_concurrent_streams{0}, goaways{0};
};

class H2TlsListener {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // worker_threads 0: answer on the connection thread, for a handler that never waits.
  // goaway_after > 0: after that many requests on a connection, send GOAWAY naming the last one
  // taken, answer what it took and close (as Google's front ends retire connections); a client's
  // later streams on it are refused. Throws std::runtime_error when the address, certificate or
  // key is unusable.
  H2TlsListener(const std::string& address, const std::string& cert_file, const std::string& key_file, Handler handler,
                int worker_threads, int goaway_after = 0);
  ~H2TlsListener();
  int port() const;
  const H2Counters& counters() const;

  struct Impl;  // public only so the connection code in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace leakscope::scenarios
