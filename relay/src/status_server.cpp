#include "leakscope/relay/status_server.h"

#include <httplib.h>

#include <thread>

#include "leakscope/http/guarded_server.h"
#include "leakscope/http/listen.h"
#include "leakscope/profiler/allocator_stats.h"

namespace leakscope::relay {

struct StatusServer::Impl {
  Impl(std::string a, RelayMetrics& m, const FcmSender& s, const OAuthTokenSource& t)
      : address(std::move(a)), metrics(m), sender(s), tokens(t) {}
  std::string address;
  RelayMetrics& metrics;
  const FcmSender& sender;
  const OAuthTokenSource& tokens;
  http::GuardedHttpServer server;  // slow or piled-up clients cannot starve the health checks
  std::thread thread;
  int port = -1;
};

StatusServer::StatusServer(std::string address, RelayMetrics& metrics, const FcmSender& sender,
                           const OAuthTokenSource& tokens)
    : impl_(new Impl(std::move(address), metrics, sender, tokens)) {}

StatusServer::~StatusServer() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

void StatusServer::start() {
  auto& d = *impl_;
  d.server.Get("/healthz",
               [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  d.server.Get("/readyz", [&d](const httplib::Request&, httplib::Response& res) {
    bool broker = d.metrics.broker_connected, token = d.tokens.valid();
    res.status = broker && token ? 200 : 503;
    res.set_content(std::string("broker ") + (broker ? "connected" : "disconnected") + ", token " +
                        (token                 ? "valid"
                         : d.tokens.fetching() ? "missing, fetching"
                                               : "missing") +
                        "\n",
                    "text/plain");
  });
  d.server.Get("/metrics", [&d](const httplib::Request&, httplib::Response& res) {
    std::string out = render_relay_metrics(d.metrics, d.sender.counters());
    out += profiler::allocator_stats_prometheus(profiler::read_allocator_stats());
    res.set_content(out, "text/plain; version=0.0.4");
  });
  d.port = http::bind_http_server(d.server, d.address, "--http-addr");
  d.server.start_watchdog();
  d.thread = std::thread([&d] { d.server.listen_after_bind(); });
}

int StatusServer::port() const { return impl_->port; }

}  // namespace leakscope::relay
