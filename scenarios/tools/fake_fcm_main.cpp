// fake-fcm: FCM HTTP v1 send endpoint and OAuth2 /token endpoint on one listener, for tests and
// scenarios. `fake-fcm --make-service-account FILE` writes a fresh service account key file.
#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "leakscope/relay/jwt.h"
#include "leakscope/relay/service_account.h"
#include "leakscope/scenarios/fake_fcm.h"

namespace {
std::atomic<bool> stopping{false};
}

int main(int argc, char** argv) {
  leakscope::scenarios::FakeFcmOptions o;
  std::string make_sa, project_id = "leakscope-test", token_uri;
  CLI::App app{
      "fake-fcm: a local FCM HTTP v1 + OAuth2 token endpoint for tests (validating, optionally slow or failing)"};
  app.name("fake-fcm");
  app.add_option("--listen", o.listen, "HTTP/1.1 host:port (port 0 picks a free one; printed on stderr)");
  app.add_option("--listen-h2", o.listen_h2, "also serve the API over TLS, HTTP/2 only (ALPN h2), on host:port");
  app.add_option("--h2-goaway-after", o.h2_goaway_after,
                 "--listen-h2: send GOAWAY after this many requests on a connection, as Google's front ends retire "
                 "connections (0: never)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--listen-https", o.listen_https,
                 "also serve the API over TLS, HTTP/1.1 only (a server without HTTP/2), on host:port");
  app.add_option("--tls-cert", o.tls_cert, "PEM certificate for --listen-h2 and --listen-https");
  app.add_option("--tls-key", o.tls_key, "PEM private key for --listen-h2 and --listen-https");
  std::string make_cert;
  app.add_option("--make-tls-cert", make_cert,
                 "write a self-signed certificate for 127.0.0.1 here (key: --tls-key) and exit");
  app.add_option("--service-account", o.service_account_file, "verify JWT assertions against this key file");
  app.add_option("--token-ttl", o.token_ttl_seconds, "lifetime of issued access tokens, seconds");
  app.add_option("--token-delay-ms", o.token_delay_ms, "answer /token only after this long (a hanging token endpoint)")
      ->check(CLI::Range(0, 3600000));
  app.add_option("--latency-ms", o.latency_ms, "mean added latency per send");
  app.add_option("--latency-jitter-ms", o.latency_jitter_ms, "uniform jitter around the mean");
  app.add_option("--max-concurrency", o.max_concurrency, "sends processed at once (0: unlimited)");
  app.add_option("--rate-429", o.rate_429, "fraction of sends answered 429 QUOTA_EXCEEDED")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-500", o.rate_500, "fraction answered 500 INTERNAL")->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-503", o.rate_503, "fraction answered 503 UNAVAILABLE")->check(CLI::Range(0.0, 1.0));
  app.add_option("--retry-after", o.retry_after_seconds, "Retry-After seconds on injected failures");
  app.add_option("--retry-after-value", o.retry_after_value,
                 "Retry-After sent verbatim instead (an HTTP-date, or garbage)");
  app.add_option("--rate-garbage", o.rate_garbage, "fraction answered 502 with a body that is not JSON")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-truncated", o.rate_truncated,
                 "fraction answered 503 whose body stops halfway (connection dropped)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--rate-slow", o.rate_slow,
                 "fraction answered 503 with prompt headers and a body trickled over --slow-ms")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--slow-ms", o.slow_ms, "how long a slow answer's body takes")->check(CLI::Range(0, 3600000));
  app.add_option("--unregistered", o.unregistered_pattern, "regex on message.token answered 404 UNREGISTERED");
  app.add_option("--quota", o.quota, "project quota: sends accepted per window, then 429 RESOURCE_EXHAUSTED (0: none)")
      ->check(CLI::Range(0, 100000000));
  app.add_option("--quota-window-s", o.quota_window_s, "length of a quota window, seconds")->check(CLI::Range(1, 3600));
  app.add_option("--record", o.record_file, "append each accepted request body as a JSON line");
  app.add_option("--seed", o.seed, "random seed for latency and error injection");
  app.add_option("--make-service-account", make_sa, "write a new service account key file and exit");
  app.add_option("--project-id", project_id, "project id for --make-service-account");
  app.add_option("--token-uri", token_uri, "token_uri for --make-service-account (e.g. http://127.0.0.1:PORT/token)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "fake-fcm: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    if (!make_cert.empty()) {
      if (o.tls_key.empty()) throw std::runtime_error("--make-tls-cert needs --tls-key");
      leakscope::scenarios::write_self_signed_certificate(make_cert, o.tls_key);
      return 0;
    }
    if (!make_sa.empty()) {
      if (token_uri.empty()) throw std::runtime_error("--make-service-account needs --token-uri");
      leakscope::relay::ServiceAccount sa{project_id, "relay@" + project_id + ".iam.gserviceaccount.com", "test-key-1",
                                          leakscope::relay::generate_rsa_private_key_pem(), token_uri};
      std::ofstream(make_sa) << leakscope::relay::service_account_json(sa);
      return 0;
    }
    leakscope::scenarios::FakeFcm server(o);
    server.start();
    if (server.h2_port() > 0)
      std::cerr << "fake-fcm listening (HTTP/2) on https://127.0.0.1:" << server.h2_port() << std::endl;
    if (server.https_port() > 0)
      std::cerr << "fake-fcm listening (HTTP/1.1) on https://127.0.0.1:" << server.https_port() << std::endl;
    std::cerr << "fake-fcm listening on http://127.0.0.1:" << server.port() << std::endl;
    // The readiness signal launchers wait for (ChildProcess::wait_for_event), with the bound ports.
    nlohmann::json listening{{"event", "listening"}, {"http_port", server.port()}};
    if (server.h2_port() > 0) listening["h2_port"] = server.h2_port();
    if (server.https_port() > 0) listening["https_port"] = server.https_port();
    std::cerr << listening.dump() << std::endl;
    std::signal(SIGTERM, [](int) { stopping = true; });
    std::signal(SIGINT, [](int) { stopping = true; });
    while (!stopping) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    server.stop();
  } catch (const std::exception& e) {
    std::cerr << "fake-fcm: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
