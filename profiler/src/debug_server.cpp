#include "leakscope/profiler/debug_server.h"

#include <httplib.h>

#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "debug_pages.h"
#include "leakscope/http/guarded_server.h"
#include "leakscope/http/listen.h"
#include "leakscope/http/query_params.h"
#include "leakscope/profiler/allocator_stats.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/snapshotter.h"
#include "leakscope/profiler/stats_history.h"

namespace leakscope::profiler {

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

namespace {

constexpr int kMaxDeltaSeconds = 300;

bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// An optional integer query parameter in [lo, hi]; false (and a 400 body) when malformed.
bool int_param(const httplib::Request& req, httplib::Response& res, const char* name, int lo, int hi, int& out) {
  auto error = http::read_int_param(req.params, name, lo, hi, out);
  if (!error) return true;
  res.status = 400;
  res.set_content(*error + "\n", "text/plain; charset=utf-8");
  return false;
}

}  // namespace

struct DebugServer::Impl {
  DebugServerOptions options;
  std::string host;
  int port = -1;
  // Worker threads never sample: serving the profile must not change it.
  http::GuardedHttpServer server{http::ConnectionLimits{}, [] { become_profiler_thread(); }};
  std::thread thread;
  StatsHistory history;

  void routes();
  void heap(const httplib::Request& req, httplib::Response& res, bool allocs = false);
};

void DebugServer::Impl::heap(const httplib::Request& req, httplib::Response& res, bool allocs) {
  int debug = 0, seconds = 0, gc = 0;
  if (!int_param(req, res, "debug", 0, 2, debug) || !int_param(req, res, "seconds", 0, kMaxDeltaSeconds, seconds) ||
      !int_param(req, res, "gc", 0, 1, gc))
    return;
  if (seconds > 0 && debug != 0) {
    res.status = 400;
    res.set_content("seconds and debug cannot be combined (as in Go's net/http/pprof)\n", "text/plain");
    return;
  }
  try {
    auto& snapshotter = Snapshotter::instance();
    if (gc) purge_all_arenas();
    HeapDump first = snapshotter.dump();
    std::optional<HeapDump> later;
    if (seconds > 0) {
      http::GuardedHttpServer::extend_allowance(std::chrono::seconds(seconds));
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      if (gc) purge_all_arenas();
      later.emplace(snapshotter.dump());
    }
    SnapshotRequest request;
    request.format = debug ? SnapshotFormat::kLegacyText : SnapshotFormat::kProtoGz;
    // jemalloc has cumulative counts only with prof_accum:true; without them allocs is the heap profile.
    if (allocs) request.default_sample_type = "alloc_space";
    if (later) {
      request.base = &first;
      request.comments.push_back("delta profile over " + std::to_string(seconds) + "s");
    }
    Snapshot snap = snapshotter.encode(later ? *later : first, request);
    if (debug) {
      res.set_content(snap.bytes + stats_text_block(read_allocator_stats()), "text/plain; charset=utf-8");
      return;
    }
    res.set_header("Content-Disposition",
                   seconds > 0 ? "attachment; filename=\"heap-delta\"" : "attachment; filename=\"heap\"");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::move(snap.bytes), "application/octet-stream");
  } catch (const std::exception& e) {
    res.status = 500;
    res.set_content(std::string("heap profile unavailable: ") + e.what() + "\n", "text/plain; charset=utf-8");
  }
}

void DebugServer::Impl::routes() {
  server.set_read_timeout(5, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_max_count(20);
  server.set_payload_max_length(64 * 1024);
  if (!options.token.empty()) {
    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      std::string presented;
      std::string auth = req.get_header_value("Authorization");
      if (auth.rfind("Bearer ", 0) == 0)
        presented = auth.substr(7);
      else if (req.has_param("token"))
        presented = req.get_param_value("token");
      if (constant_time_equal(presented, options.token)) return httplib::Server::HandlerResponse::Unhandled;
      res.status = 401;
      res.set_header("WWW-Authenticate", "Bearer");
      res.set_content("missing or wrong token\n", "text/plain");
      return httplib::Server::HandlerResponse::Handled;
    });
  }
  auto text = [](httplib::Response& res, const std::string& body, const char* type) { res.set_content(body, type); };
  server.Get("/debug/pprof/", [=](const httplib::Request&, httplib::Response& res) {
    text(res, index_page(), "text/html; charset=utf-8");
  });
  server.Get("/debug/pprof",
             [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/debug/pprof/"); });
  server.Get("/debug/pprof/heap", [this](const httplib::Request& req, httplib::Response& res) { heap(req, res); });
  server.Get("/debug/pprof/allocs",
             [this](const httplib::Request& req, httplib::Response& res) { heap(req, res, true); });
  server.Get("/debug/pprof/cmdline", [=](const httplib::Request&, httplib::Response& res) {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string args = ss.str();
    if (!args.empty() && args.back() == '\0') args.pop_back();
    text(res, args, "text/plain; charset=utf-8");  // NUL-separated, as Go's
  });
  server.Get("/debug/vars", [=](const httplib::Request&, httplib::Response& res) {
    text(res, vars_json(read_allocator_stats()), "application/json; charset=utf-8");
  });
  server.Get("/metrics", [=](const httplib::Request&, httplib::Response& res) {
    text(res, allocator_stats_prometheus(read_allocator_stats()), "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/debug/charts", [=](const httplib::Request&, httplib::Response& res) {
    text(res, charts_page(), "text/html; charset=utf-8");
  });
  server.Get("/debug/charts/data", [=, this](const httplib::Request&, httplib::Response& res) {
    text(res, charts_data_json(history.samples()), "application/json");
  });
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 404 && res.body.empty())
      res.set_content("404 page not found: " + req.path + "\n", "text/plain; charset=utf-8");
  });
}

DebugServer::DebugServer(DebugServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

DebugServer::~DebugServer() { stop(); }

void DebugServer::start() {
  ThreadSamplingOff quiet;
  auto& d = *impl_;
  int port = 0;
  if (!http::split_host_port(d.options.address, d.host, port))
    throw std::runtime_error("debug address '" + d.options.address + "' is not host:port");
  if (!is_loopback_host(d.host) && d.options.token.empty())
    throw std::runtime_error("refusing to serve debug endpoints on non-loopback address " + d.options.address +
                             " without LEAKSCOPE_DEBUG_TOKEN");
  d.routes();
  d.port = http::bind_http_server(d.server, d.options.address, "debug endpoints");
  d.history.start();
  d.server.start_watchdog();
  d.thread = std::thread([this] {
    become_profiler_thread();
    impl_->server.listen_after_bind();
  });
}

void DebugServer::stop() {
  if (!impl_) return;
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
  impl_->history.stop();
}

int DebugServer::port() const { return impl_->port; }

std::string DebugServer::url() const {
  std::string h = impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return "http://" + h + ":" + std::to_string(impl_->port);
}

}  // namespace leakscope::profiler
