#include "leakscope/scenarios/fake_fcm.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <thread>

#include "h2_tls_listener.h"
#include "http_exchange.h"
#include "leakscope/http/listen.h"
#include "leakscope/relay/jwt.h"
#include "leakscope/relay/service_account.h"

namespace leakscope::scenarios {

namespace {

// FCM's error body: {"error": {"code", "message", "status", "details": [{"@type", "errorCode"}]}}
std::string fcm_error(int code, const std::string& status, const std::string& error_code, const std::string& message) {
  nlohmann::json e = {{"code", code}, {"message", message}, {"status", status}};
  if (!error_code.empty())
    e["details"] = {{{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"}, {"errorCode", error_code}}};
  return nlohmann::json{{"error", e}}.dump();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded
std::map<std::string, std::string> parse_form(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(start, end - start), decoded[2];
    size_t eq = pair.find('=');
    std::string parts[2] = {pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1)};
    for (int k = 0; k < 2; ++k)
      for (size_t i = 0; i < parts[k].size(); ++i) {
        char c = parts[k][i];
        if (c == '+') c = ' ';
        if (c == '%' && i + 2 < parts[k].size() && hex_value(parts[k][i + 1]) >= 0 && hex_value(parts[k][i + 2]) >= 0) {
          c = static_cast<char>(hex_value(parts[k][i + 1]) * 16 + hex_value(parts[k][i + 2]));
          i += 2;
        }
        decoded[k] += c;
      }
    out[decoded[0]] = decoded[1];
    start = end + 1;
  }
  return out;
}

HttpResponse json_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace

struct FakeFcm::Impl {
  FakeFcmOptions o;
  httplib::Server server;
  std::thread thread;
  int port = -1;
  std::unique_ptr<H2TlsListener> h2;
  std::unique_ptr<httplib::SSLServer> https;  // HTTP/1.1 over TLS: a server without HTTP/2
  std::thread https_thread;
  int https_port = -1;
  std::string verify_key, expected_issuer;
  std::mutex mu;
  std::condition_variable slot_free;
  int in_flight = 0, max_in_flight = 0;
  std::map<std::string, std::chrono::steady_clock::time_point> tokens;  // issued -> expiry
  std::map<std::string, uint64_t> counters;
  std::mt19937_64 rng;
  std::ofstream record;
  std::regex unregistered;
  std::atomic<bool> stopping{false};                           // ends trickled answers at shutdown
  std::chrono::steady_clock::time_point quota_window_start{};  // guarded by mu
  int quota_used = 0;                                          // guarded by mu

  // No injected latency, stall or concurrency limit: a request is answered without waiting.
  bool never_waits() const {
    return o.latency_ms <= 0 && o.latency_jitter_ms <= 0 && o.max_concurrency <= 0 && o.rate_slow <= 0 &&
           o.token_delay_ms <= 0;
  }

  double uniform() {
    std::lock_guard lock(mu);
    return std::uniform_real_distribution<double>(0, 1)(rng);
  }
  void count(const std::string& what) {
    std::lock_guard lock(mu);
    ++counters[what];
  }

  // Sleeps `ms`, or until the server stops: a held answer must not outlive fake-fcm.
  void hold(int ms) {
    for (auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
         !stopping && std::chrono::steady_clock::now() < until;)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  HttpResponse handle_token(const HttpRequest& req) {
    if (o.token_delay_ms > 0) {
      count("token_held");
      hold(o.token_delay_ms);
    }
    auto fail = [&](int code, const std::string& error, const std::string& why) {
      count("token_rejected");
      return json_response(code, nlohmann::json{{"error", error}, {"error_description", why}}.dump());
    };
    auto form = parse_form(req.body);
    if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
      return fail(400, "unsupported_grant_type", "expected the jwt-bearer grant");
    const std::string& assertion = form["assertion"];
    nlohmann::json claims;
    try {
      if (!verify_key.empty()) {
        claims = relay::verify_rs256_jwt(assertion, verify_key);
      } else {
        size_t a = assertion.find('.'), b = assertion.rfind('.');
        if (a == std::string::npos || a == b) throw std::runtime_error("not a JWT");
        claims = nlohmann::json::parse(relay::base64url_decode(assertion.substr(a + 1, b - a - 1)));
      }
    } catch (const std::exception& e) {
      return fail(400, "invalid_grant", e.what());
    }
    int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (!expected_issuer.empty() && claims.value("iss", "") != expected_issuer)
      return fail(400, "invalid_grant", "wrong iss");
    if (claims.value("scope", "").find("https://www.googleapis.com/auth/firebase.messaging") == std::string::npos)
      return fail(400, "invalid_scope", "scope must include firebase.messaging");
    int64_t iat = claims.value("iat", int64_t{0}), exp = claims.value("exp", int64_t{0});
    if (exp <= now || iat > now + 60 || exp - iat > 3600) return fail(400, "invalid_grant", "iat/exp out of range");
    std::string token;
    {
      std::lock_guard lock(mu);
      token =
          "fake-access-token-" + std::to_string(++counters["tokens_issued"]) + "-" + std::to_string(rng() % 1000000);
      tokens[token] = std::chrono::steady_clock::now() + std::chrono::seconds(o.token_ttl_seconds);
    }
    return json_response(
        200,
        nlohmann::json{{"access_token", token}, {"expires_in", o.token_ttl_seconds}, {"token_type", "Bearer"}}.dump());
  }

  HttpResponse handle_send(const HttpRequest& req, const std::string& project) {
    {
      auto h = req.headers.find("authorization");
      std::string auth = h == req.headers.end() ? "" : h->second;
      std::lock_guard lock(mu);
      auto it = auth.rfind("Bearer ", 0) == 0 ? tokens.find(auth.substr(7)) : tokens.end();
      if (it == tokens.end() || it->second < std::chrono::steady_clock::now()) {
        ++counters["unauthenticated"];
        return json_response(401,
                             fcm_error(401, "UNAUTHENTICATED", "", "Request had invalid authentication credentials."));
      }
    }
    if (auto refused = over_quota()) return *refused;
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    int targets = 0;
    if (!body.is_discarded() && body.contains("message") && body["message"].is_object())
      for (const char* t : {"token", "topic", "condition"}) targets += body["message"].contains(t);
    if (targets != 1) {
      count("invalid_argument");
      return json_response(
          400, fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", "Request contains an invalid argument."));
    }
    {  // bounded concurrency: a slow FCM that also limits how much it takes at once
      std::unique_lock lock(mu);
      if (o.max_concurrency > 0) slot_free.wait(lock, [&] { return in_flight < o.max_concurrency; });
      max_in_flight = std::max(max_in_flight, ++in_flight);
    }
    if (o.latency_ms > 0 || o.latency_jitter_ms > 0) {
      double jitter = (uniform() * 2 - 1) * o.latency_jitter_ms;
      std::this_thread::sleep_for(
          std::chrono::microseconds(static_cast<int64_t>(std::max(0.0, o.latency_ms + jitter) * 1000)));
    }
    double r = uniform();
    std::string token = body["message"].value("token", "");
    HttpResponse res;
    if (r < o.rate_429) {
      res = retryable(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED");
    } else if (r < o.rate_429 + o.rate_500) {
      res = retryable(500, "INTERNAL", "INTERNAL");
    } else if (r < o.rate_429 + o.rate_500 + o.rate_503) {
      res = retryable(503, "UNAVAILABLE", "UNAVAILABLE");
    } else if (r < o.rate_429 + o.rate_500 + o.rate_503 + o.rate_garbage) {
      count("injected_garbage");
      res = {502, std::string("<html><body>502 Bad Gateway</body></html>\x00\xff{\"error\":", 48), "text/html", {}};
      res.headers.emplace_back("Retry-After", o.retry_after_value.empty() ? "1" : o.retry_after_value);
    } else if ((r -= o.rate_429 + o.rate_500 + o.rate_503 + o.rate_garbage) < o.rate_truncated) {
      res = retryable(503, "UNAVAILABLE", "UNAVAILABLE");
      res.delivery = HttpResponse::Delivery::kTruncated;
      count("injected_truncated");
    } else if (r < o.rate_truncated + o.rate_slow) {
      res = retryable(503, "UNAVAILABLE", "UNAVAILABLE");
      res.delivery = HttpResponse::Delivery::kTrickled;
      res.trickle_ms = o.slow_ms;
      count("injected_slow");
    } else if (!o.unregistered_pattern.empty() && !token.empty() && std::regex_search(token, unregistered)) {
      count("unregistered");
      res = json_response(404, fcm_error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found."));
    } else {
      std::lock_guard lock(mu);
      uint64_t n = ++counters["accepted"];
      if (record.is_open()) {
        record << body.dump() << "\n";
        record.flush();
      }
      res =
          json_response(200, nlohmann::json{{"name", "projects/" + project + "/messages/" + std::to_string(n)}}.dump());
    }
    {
      std::lock_guard lock(mu);
      --in_flight;
    }
    slot_free.notify_one();
    return res;
  }

  // Counts this send against the project's quota window; past the quota, the 429 FCM answers, with
  // the whole seconds until the window refills as Retry-After.
  std::optional<HttpResponse> over_quota() {
    if (o.quota <= 0) return std::nullopt;
    std::lock_guard lock(mu);
    auto now = std::chrono::steady_clock::now();
    auto window = std::chrono::seconds(o.quota_window_s);
    if (quota_window_start == std::chrono::steady_clock::time_point{} || now - quota_window_start >= window) {
      quota_window_start = now;
      quota_used = 0;
    }
    if (quota_used < o.quota) {
      ++quota_used;
      return std::nullopt;
    }
    ++counters["quota_rejected"];
    auto left_ms = std::chrono::duration_cast<std::chrono::milliseconds>(quota_window_start + window - now).count();
    HttpResponse r = json_response(429, fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED",
                                                  "Quota exceeded for quota metric 'Messages' of project."));
    r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, (left_ms + 999) / 1000)));
    return r;
  }

  // Hands the body to cpp-httplib as the response's delivery mode asks.
  void send_body(HttpResponse res, httplib::Response& r) {
    if (res.delivery == HttpResponse::Delivery::kWhole) return r.set_content(res.body, res.content_type.c_str());
    auto body = std::make_shared<std::string>(std::move(res.body));
    if (res.delivery == HttpResponse::Delivery::kTruncated) {
      r.set_content_provider(body->size(), res.content_type.c_str(), [body](size_t, size_t, httplib::DataSink& sink) {
        sink.write(body->data(), body->size() / 2);
        return false;  // cpp-httplib drops the connection: Content-Length promised more
      });
      return;
    }
    auto pause = std::chrono::milliseconds(res.trickle_ms / std::max<size_t>(body->size(), 1));
    r.set_content_provider(
        body->size(), res.content_type.c_str(), [this, body, pause](size_t offset, size_t, httplib::DataSink& sink) {
          for (auto until = std::chrono::steady_clock::now() + pause; std::chrono::steady_clock::now() < until;) {
            if (stopping || !sink.is_writable()) return false;
            std::this_thread::sleep_for(std::min(pause, std::chrono::milliseconds(50)));
          }
          return sink.write(body->data() + offset, 1);  // one byte at a time: a stalled FCM or proxy
        });
  }

  HttpResponse retryable(int code, const char* status, const char* error_code) {
    count(std::string("injected_") + std::to_string(code));
    HttpResponse r = json_response(code, fcm_error(code, status, error_code, "injected failure"));
    r.headers.emplace_back("Retry-After",
                           o.retry_after_value.empty() ? std::to_string(o.retry_after_seconds) : o.retry_after_value);
    return r;
  }

  HttpResponse stats() {
    std::lock_guard lock(mu);
    nlohmann::json j = counters;
    for (const char* always : {"accepted", "quota_rejected"}) j[always] = j.value(always, uint64_t{0});
    j["in_flight"] = in_flight;
    j["max_in_flight"] = max_in_flight;
    if (h2) {  // what the HTTP/2 listener saw: many streams over few connections is multiplexing
      j["h2_connections"] = h2->counters().connections.load();
      j["h2_streams"] = h2->counters().streams.load();
      j["h2_goaways"] = h2->counters().goaways.load();
      j["h2_max_concurrent_streams"] = h2->counters().max_concurrent_streams.load();
    }
    return json_response(200, j.dump());
  }

  HttpResponse route(const HttpRequest& req) {
    if (req.method == "POST" && req.path == "/token") return handle_token(req);
    // /v1/projects/{project}/messages:send
    static const std::string kPrefix = "/v1/projects/", kSuffix = "/messages:send";
    const std::string& p = req.path;
    if (req.method == "POST" && p.size() > kPrefix.size() + kSuffix.size() &&
        p.compare(0, kPrefix.size(), kPrefix) == 0 &&
        p.compare(p.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      std::string project = p.substr(kPrefix.size(), p.size() - kPrefix.size() - kSuffix.size());
      if (project.find('/') == std::string::npos) return handle_send(req, project);
    }
    if (req.method == "GET" && req.path == "/stats") return stats();
    return json_response(404, fcm_error(404, "NOT_FOUND", "", "no such endpoint: " + req.path));
  }
};

FakeFcm::FakeFcm(FakeFcmOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->o = std::move(options);
  impl_->rng.seed(impl_->o.seed);
}

FakeFcm::~FakeFcm() { stop(); }

void FakeFcm::start() {
  auto& d = *impl_;
  if (!d.o.service_account_file.empty()) {
    auto sa = relay::load_service_account(d.o.service_account_file);
    d.verify_key = sa.private_key;
    d.expected_issuer = sa.client_email;
  }
  if (!d.o.unregistered_pattern.empty()) d.unregistered = std::regex(d.o.unregistered_pattern);
  if (!d.o.record_file.empty()) {
    d.record.open(d.o.record_file, std::ios::app);
    if (!d.record) throw std::runtime_error("cannot open " + d.o.record_file);
  }
  int threads = d.o.threads;
  d.server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  d.server.set_keep_alive_max_count(100000);  // a client reuses its connections, as with the real FCM
  d.server.set_keep_alive_timeout(30);
  auto adapter = [this](const httplib::Request& q, httplib::Response& r) {
    HttpRequest req;
    req.method = q.method;
    req.path = q.path;
    req.body = q.body;
    if (q.has_header("Authorization"))
      req.headers["authorization"] = q.get_header_value("Authorization");  // all route reads
    HttpResponse res = impl_->route(req);
    r.status = res.status;
    for (const auto& [k, v] : res.headers) r.set_header(k.c_str(), v);
    impl_->send_body(std::move(res), r);
  };
  d.server.Post(".*", adapter);
  d.server.Get(".*", adapter);
  d.port = http::bind_http_server(d.server, d.o.listen, "--listen");
  if ((!d.o.listen_h2.empty() || !d.o.listen_https.empty()) && (d.o.tls_cert.empty() || d.o.tls_key.empty()))
    throw std::runtime_error("--listen-h2 and --listen-https need --tls-cert and --tls-key");
  if (!d.o.listen_https.empty()) {
    d.https = std::make_unique<httplib::SSLServer>(d.o.tls_cert.c_str(), d.o.tls_key.c_str());
    if (!d.https->is_valid()) throw std::runtime_error("--tls-cert/--tls-key: cannot load them for --listen-https");
    d.https->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    d.https->Post(".*", adapter);
    d.https->Get(".*", adapter);
    d.https_port = http::bind_http_server(*d.https, d.o.listen_https, "--listen-https");
    d.https_thread = std::thread([this] { impl_->https->listen_after_bind(); });
  }
  if (!d.o.listen_h2.empty()) {
    d.h2 = std::make_unique<H2TlsListener>(
        d.o.listen_h2, d.o.tls_cert, d.o.tls_key, [this](const HttpRequest& req) { return impl_->route(req); },
        d.never_waits() ? 0 : d.o.threads, d.o.h2_goaway_after);
  }
  d.thread = std::thread([this] { impl_->server.listen_after_bind(); });
}

void FakeFcm::stop() {
  if (!impl_) return;
  impl_->stopping = true;  // ends trickled answers
  impl_->h2.reset();
  if (impl_->https_thread.joinable()) {
    impl_->https->stop();
    impl_->https_thread.join();
  }
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

int FakeFcm::port() const { return impl_->port; }
int FakeFcm::h2_port() const { return impl_->h2 ? impl_->h2->port() : -1; }
int FakeFcm::https_port() const { return impl_->https_port; }

}  // namespace leakscope::scenarios
