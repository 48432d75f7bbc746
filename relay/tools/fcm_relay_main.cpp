// fcm-relay: consumes push jobs from RabbitMQ and sends them to FCM HTTP v1.
// Production mode is the default; --ack-mode auto and --close-watch notify reproduce the two
// historic leaks on purpose.
#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "leakscope/profiler/profiler.h"
#include "leakscope/profiler/snapshotter.h"
#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/log.h"
#include "leakscope/relay/relay_service.h"
#include "leakscope/relay/service_account.h"
#include "leakscope/relay/status_server.h"

namespace {
std::atomic<bool> stop_requested{false};

// Environment variables for options. Precedence: flags > environment > config file > defaults.
// They enter as arguments placed before the real ones (later arguments win); the config file
// only fills what no argument set.
const std::pair<const char*, const char*> kEnvironment[] = {
    {"--amqp-url", "FCM_RELAY_AMQP_URL"},
    {"--amqp-ca-file", "FCM_RELAY_AMQP_CA_FILE"},
    {"--queue-type", "FCM_RELAY_QUEUE_TYPE"},
    {"--amqp-cert", "FCM_RELAY_AMQP_CERT"},
    {"--amqp-key", "FCM_RELAY_AMQP_KEY"},
    {"--queue", "FCM_RELAY_QUEUE"},
    {"--durable", "FCM_RELAY_DURABLE"},
    {"--rejected-queue", "FCM_RELAY_REJECTED_QUEUE"},
    {"--dead-letter-queue", "FCM_RELAY_DEAD_LETTER_QUEUE"},
    {"--fcm-base-url", "FCM_RELAY_FCM_BASE_URL"},
    {"--credentials", "FCM_RELAY_CREDENTIALS"},
    {"--ca-file", "FCM_RELAY_CA_FILE"},
    {"--project-id", "FCM_RELAY_PROJECT_ID"},
    {"--prefetch", "FCM_RELAY_PREFETCH"},
    {"--max-inflight", "FCM_RELAY_MAX_INFLIGHT"},
    {"--max-attempts", "FCM_RELAY_MAX_ATTEMPTS"},
    {"--fcm-timeout-ms", "FCM_RELAY_FCM_TIMEOUT_MS"},
    {"--ack-mode", "FCM_RELAY_ACK_MODE"},
    {"--close-watch", "FCM_RELAY_CLOSE_WATCH"},
    {"--health-interval-ms", "FCM_RELAY_HEALTH_INTERVAL_MS"},
    {"--heartbeat", "FCM_RELAY_HEARTBEAT"},
    {"--shutdown-timeout", "FCM_RELAY_SHUTDOWN_TIMEOUT"},
    {"--http-addr", "FCM_RELAY_HTTP_ADDR"},
    {"--debug-addr", "LEAKSCOPE_DEBUG_ADDR"},
    {"--lg-sample", "LEAKSCOPE_LG_SAMPLE"},
    {"--snapshot-dir", "LEAKSCOPE_SNAPSHOT_DIR"},
    {"--snapshot-interval", "LEAKSCOPE_SNAPSHOT_INTERVAL"},
    {"--log-level", "FCM_RELAY_LOG_LEVEL"},
    {"--max-rate", "FCM_RELAY_MAX_RATE"},
};

// Whether the command line sets `option` itself (then its variable is ignored: for a repeatable
// option such as --amqp-url, the variable would otherwise add to the flags rather than yield).
bool on_command_line(int argc, char** argv, const std::string& option) {
  for (int i = 1; i < argc; ++i)
    if (argv[i] == option || std::string(argv[i]).rfind(option + "=", 0) == 0) return true;
  return false;
}

std::vector<std::string> arguments_with_environment(int argc, char** argv) {
  std::vector<std::string> args{argv[0]};
  for (const auto& [option, variable] : kEnvironment) {
    const char* v = std::getenv(variable);
    if (!v || !*v || on_command_line(argc, argv, option)) continue;
    if (std::string(option) == "--amqp-url") {  // one URL per cluster node, separated by spaces
      std::istringstream urls(v);
      for (std::string url; urls >> url;) args.push_back(std::string(option) + "=" + url);
      continue;
    }
    args.push_back(std::string(option) + "=" + v);
  }
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  return args;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace leakscope;
  relay::RelayOptions r;
  relay::SenderOptions s;
  std::string fcm_base_url = "https://fcm.googleapis.com", credentials, project_id, ack_mode = "manual",
              close_watch = "status", http_addr = "127.0.0.1:9090", log_level = "info";
  int health_ms = 1000, shutdown_s = 10, lg_sample = -1, fcm_timeout_ms = 30000;
  profiler::ProfilerOptions prof;
  bool print_config = false;

  CLI::App app{"fcm-relay: RabbitMQ -> FCM HTTP v1 push relay. Options also come from FCM_RELAY_* variables and --config (TOML)."};
  app.name("fcm-relay");
  app.set_config("--config", "", "config file (TOML: key = value, names as the long options)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--amqp-url", r.amqp_urls,
                 "broker URL (amqp://user:pass@host:port/vhost; amqps:// for TLS); repeat it, one per cluster node, "
                 "to fail over in turn")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  auto* amqp_ca = app.add_option("--amqp-ca-file", r.amqp_tls.ca_file,
                                 "amqps: PEM CA certificates to verify the broker with instead of the system's")
                      ->check(CLI::ExistingFile);
  auto* amqp_cert = app.add_option("--amqp-cert", r.amqp_tls.cert_file,
                                   "amqps: PEM client certificate, for brokers that require one (needs --amqp-key)")
                        ->check(CLI::ExistingFile);
  auto* amqp_key = app.add_option("--amqp-key", r.amqp_tls.key_file, "amqps: PEM private key of --amqp-cert")
                       ->check(CLI::ExistingFile);
  amqp_cert->needs(amqp_key);
  amqp_key->needs(amqp_cert);
  app.add_option("--queue-type", r.queue_type,
                 "classic | quorum (replicated, for clusters); the rejected and dead-letter queues follow it")
      ->check(CLI::IsMember({"classic", "quorum"}));
  app.add_option("--queue", r.queue, "queue of push jobs");
  app.add_option("--durable", r.durable, "declare the queue durable");
  app.add_option("--rejected-queue", r.rejected_queue, "where permanently failed jobs go (default QUEUE.rejected)");
  app.add_option("--dead-letter-queue", r.dead_letter_queue, "where jobs go after the last retry (default QUEUE.dead)");
  app.add_option("--fcm-base-url", fcm_base_url, "FCM API base URL");
  app.add_option("--credentials", credentials, "service account key file (default $GOOGLE_APPLICATION_CREDENTIALS)");
  app.add_option("--ca-file", s.ca_file, "PEM CA certificates to trust instead of the system's, for every HTTPS endpoint the relay calls (FCM sends and the token_uri)")
      ->check(CLI::ExistingFile);
  app.add_option("--project-id", project_id, "Firebase project (default: the credentials' project_id)");
  app.add_option("--prefetch", r.prefetch, "basic.qos prefetch count")->check(CLI::Range(1, 65535));
  app.add_option("--max-inflight", r.max_inflight, "FCM requests in flight at most")->check(CLI::Range(1, 10000));
  app.add_option("--max-attempts", s.max_attempts, "send attempts before dead-lettering")->check(CLI::Range(1, 100));
  app.add_option("--fcm-timeout-ms", fcm_timeout_ms, "whole-request deadline for one FCM send (a stalled answer is retried)")
      ->check(CLI::Range(100, 600000));
  app.add_option("--ack-mode", ack_mode, "manual (production) | auto (DEFECTIVE on purpose: leak 1)")
          ->check(CLI::IsMember({"manual", "auto"}));
  app.add_option("--close-watch", close_watch, "status (production) | notify (DEFECTIVE on purpose: leak 2)")
          ->check(CLI::IsMember({"status", "notify"}));
  app.add_option("--health-interval-ms", health_ms, "health check tick")->check(CLI::Range(10, 600000));
  app.add_option("--heartbeat", r.heartbeat_seconds, "AMQP heartbeat seconds")->check(CLI::Range(0, 600));
  app.add_option("--shutdown-timeout", shutdown_s, "seconds to finish in-flight sends on SIGTERM")->check(CLI::Range(0, 3600));
  app.add_option("--http-addr", http_addr, "address of /healthz, /readyz, /metrics");
  app.add_option("--debug-addr", prof.debug_addr, "leakscope profiler endpoints (/debug/pprof/...)");
  app.add_option("--lg-sample", lg_sample, "heap sampling: mean 2^N bytes between samples");
  app.add_option("--snapshot-dir", prof.snapshots.dir, "periodic heap snapshots into this directory");
  app.add_option("--snapshot-interval", prof.snapshots.interval_seconds, "seconds between snapshots");
  app.add_option("--log-level", log_level, "debug|info|warn|error")->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--max-rate", s.max_rate,
                 "FCM sends started per second at most, for relays sharing a project's quota (0: no limit; "
                 "a 429 with Retry-After holds every send anyway)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_flag("--print-config", print_config, "print the effective configuration (secrets masked) and exit; with a setting missing (credentials, say), print what is known, then name it (exit 2)");
  try {
    std::vector<std::string> args = arguments_with_environment(argc, argv);
    std::reverse(args.begin(), args.end());  // CLI11 takes arguments last-first
    args.pop_back();                         // without the program name
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ConfigError& e) {
    std::cerr << "fcm-relay: config file: " << e.what() << " (keys are the long option names, e.g. queue = \"jobs\")\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    std::cerr << "fcm-relay: " << e.what() << " (see --help)\n";
    return 2;
  }
  const bool any_amqps = std::any_of(r.amqp_urls.begin(), r.amqp_urls.end(),
                                     [](const std::string& u) { return u.rfind("amqps://", 0) == 0; });
  if ((amqp_ca->count() || amqp_cert->count()) && !any_amqps) {
    std::cerr << "fcm-relay: --amqp-ca-file and --amqp-cert apply to amqps:// URLs only; --amqp-url is "
              << relay::mask_amqp_url(r.amqp_urls.front()) << "\n";
    return 2;
  }
  if (r.queue_type == "quorum" && !r.durable) {
    std::cerr << "fcm-relay: --queue-type quorum queues are always durable; drop --durable false\n";
    return 2;
  }
  try {
    if (any_amqps) relay::check_amqp_tls_files(r.amqp_tls);
  } catch (const relay::AmqpError& e) {
    std::cerr << "fcm-relay: " << e.what() << "\n";
    return 2;
  }
  if (credentials.empty())
    if (const char* g = std::getenv("GOOGLE_APPLICATION_CREDENTIALS")) credentials = g;
  r.ack_mode = ack_mode == "auto" ? relay::AckMode::kAuto : relay::AckMode::kManual;
  r.close_watch = close_watch == "notify" ? relay::CloseWatch::kNotify : relay::CloseWatch::kStatus;
  r.health_interval = std::chrono::milliseconds(health_ms);
  r.shutdown_timeout = std::chrono::seconds(shutdown_s);
  s.max_inflight = r.max_inflight;
  s.request_timeout = std::chrono::milliseconds(fcm_timeout_ms);
  relay::set_log_level(log_level);

  // What the credentials decide; --print-config shows the rest even without them, then says what is missing.
  relay::ServiceAccount account;
  std::string missing;
  try {
    if (credentials.empty()) throw std::runtime_error("no credentials: pass --credentials FILE or set GOOGLE_APPLICATION_CREDENTIALS");
    account = relay::load_service_account(credentials);
    if (project_id.empty()) project_id = account.project_id;
    if (project_id.empty()) throw std::runtime_error("no project id: pass --project-id or use credentials with project_id");
    s.send_url = fcm_base_url + "/v1/projects/" + project_id + "/messages:send";
  } catch (const std::exception& e) {
    missing = e.what();
  }
  if (print_config) {
    auto or_null = [](const std::string& v) { return v.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v); };
    std::vector<std::string> masked_urls;
    for (const auto& u : r.amqp_urls) masked_urls.push_back(relay::mask_amqp_url(u));
    nlohmann::ordered_json c = {{"amqp_url", masked_urls},
                                {"amqp_ca_file", r.amqp_tls.ca_file}, {"amqp_cert", r.amqp_tls.cert_file},
                                {"amqp_key", r.amqp_tls.key_file}, {"queue_type", r.queue_type}, {"queue", r.queue}, {"durable", r.durable},
                                {"fcm_send_url", or_null(s.send_url)}, {"ca_file", s.ca_file}, {"credentials", credentials},
                                {"client_email", or_null(account.client_email)}, {"token_uri", or_null(account.token_uri)},
                                {"private_key", account.private_key.empty() ? nlohmann::ordered_json() : "****"},
                                {"prefetch", r.prefetch}, {"max_inflight", r.max_inflight}, {"max_attempts", s.max_attempts}, {"max_rate", s.max_rate},
                                {"fcm_timeout_ms", fcm_timeout_ms},
                                {"ack_mode", ack_mode}, {"close_watch", close_watch}, {"health_interval_ms", health_ms},
                                {"heartbeat", r.heartbeat_seconds}, {"shutdown_timeout", shutdown_s},
                                {"http_addr", http_addr}, {"debug_addr", prof.debug_addr}, {"log_level", log_level}};
    std::cout << c.dump(2) << std::endl;
  }
  if (!missing.empty()) {
    std::cerr << "fcm-relay: " << missing << "\n";
    return 2;
  }
  if (print_config) return 0;

  try {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!prof.debug_addr.empty() || !prof.snapshots.dir.empty() || lg_sample >= 0 || profiler::environment_requests_profiler()) {
      prof.lg_sample = lg_sample;
      if (!prof.snapshots.dir.empty() && prof.snapshots.interval_seconds <= 0) prof.snapshots.interval_seconds = 60;
      // The snapshot-before-OOM triggers come from the LEAKSCOPE_SNAPSHOT_* variables, as in every profiled program.
      const auto from_env = profiler::options_from_environment().snapshots;
      prof.snapshots.high_water_percent = from_env.high_water_percent;
      prof.snapshots.rss_above_bytes = from_env.rss_above_bytes;
      prof.snapshots.cgroup_fraction = from_env.cgroup_fraction;
      prof.snapshots.min_gap_seconds = from_env.min_gap_seconds;
      prof.snapshots.retain = from_env.retain;
      prof.snapshots.name = "fcm-relay";
      profiler::Profiler::instance().start(prof);
    }
    relay::OAuthTokenSource tokens(account, s.ca_file);
    relay::FcmSender sender(s, tokens);
    relay::RelayMetrics metrics;
    // Snapshots record messages consumed, so `leakscope trend` reports growth per message too.
    profiler::Snapshotter::instance().set_work_counter("message", [&metrics] {
      return static_cast<int64_t>(metrics.consumed.load());
    });
    relay::StatusServer status(http_addr, metrics, sender, tokens);
    status.start();
    std::signal(SIGTERM, [](int) { stop_requested = true; });
    std::signal(SIGINT, [](int) { stop_requested = true; });
    std::signal(SIGPIPE, SIG_IGN);
    tokens.keep_fresh();
    sender.start();
    relay::log_event("info", "fcm-relay started", {{"queue", r.queue}, {"send_url", s.send_url}, {"ack_mode", ack_mode},
                                                   {"close_watch", close_watch}, {"http_port", status.port()}});
    relay::RelayService service(r, sender, metrics);
    int rc = service.run(stop_requested);
    sender.stop();
    profiler::Profiler::instance().stop();
    relay::log_event("info", "fcm-relay stopped", {{"consumed", metrics.consumed.load()}, {"acked", metrics.acked.load()},
                                                   {"requeued", metrics.requeued.load()}});
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "fcm-relay: " << e.what() << "\n";
    profiler::Profiler::instance().stop();  // its threads must not outlive main (a --http-addr in use, say)
    return 2;
  }
}
