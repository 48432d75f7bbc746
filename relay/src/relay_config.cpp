#include "leakscope/relay/relay_config.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "leakscope/relay/amqp_session.h"

namespace leakscope::relay {
namespace {

// The variable of each option. They enter as arguments placed before the real ones (later
// arguments win); the config file only fills what no argument set.
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
    {"--fcm-http-client", "FCM_RELAY_FCM_HTTP_CLIENT"},
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
    {"--age-epoch", "LEAKSCOPE_AGE_EPOCH"},
    {"--snapshot-dir", "LEAKSCOPE_SNAPSHOT_DIR"},
    {"--snapshot-interval", "LEAKSCOPE_SNAPSHOT_INTERVAL"},
    {"--log-level", "FCM_RELAY_LOG_LEVEL"},
    {"--max-rate", "FCM_RELAY_MAX_RATE"},
    {"--retry-after-cap", "FCM_RELAY_RETRY_AFTER_CAP"},
};

int64_t retry_after_cap_seconds(const RelayConfig& c) {
  return std::chrono::duration_cast<std::chrono::seconds>(c.sender.retry_after_cap).count();
}

// Whether the command line sets `option` itself (then its variable is ignored: for a repeatable
// option such as --amqp-url, the variable would otherwise add to the flags rather than yield).
bool on_command_line(const std::vector<std::string>& args, const std::string& option) {
  return std::any_of(args.begin(), args.end(),
                     [&](const std::string& a) { return a == option || a.rfind(option + "=", 0) == 0; });
}

std::vector<std::string> arguments_with_environment(const std::vector<std::string>& args,
                                                    const EnvironmentLookup& environment) {
  std::vector<std::string> all;
  for (const auto& [option, variable] : kEnvironment) {
    const auto v = environment(variable);
    if (!v || v->empty() || on_command_line(args, option)) continue;
    if (std::string(option) == "--amqp-url") {  // one URL per cluster node, separated by spaces
      std::istringstream urls(*v);
      for (std::string url; urls >> url;) all.push_back(std::string(option) + "=" + url);
      continue;
    }
    all.push_back(std::string(option) + "=" + *v);
  }
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

// Options whose struct field is not the type CLI11 parses: bound to these, then converted.
struct Unconverted {
  std::string ack_mode, close_watch;
  int64_t health_ms = 0, shutdown_s = 0, fcm_timeout_ms = 0, retry_after_cap_s = 0;
  CLI::Option *amqp_ca = nullptr, *amqp_cert = nullptr;
};

void add_options(CLI::App& app, RelayConfig& c, Unconverted& u) {
  RelayOptions& r = c.relay;
  SenderOptions& s = c.sender;
  // --help shows each option's default, read from the structs (the only place defaults are written).
  app.option_defaults()->always_capture_default();
  app.set_config("--config", "", "config file (TOML: key = value, names as the long options)");
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--amqp-url", r.amqp_urls,
                 "broker URL (amqp://user:pass@host:port/vhost; amqps:// for TLS); repeat it, one per cluster node, "
                 "to fail over in turn")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  u.amqp_ca = app.add_option("--amqp-ca-file", r.amqp_tls.ca_file,
                             "amqps: PEM CA certificates to verify the broker with instead of the system's")
                  ->check(CLI::ExistingFile);
  u.amqp_cert = app.add_option("--amqp-cert", r.amqp_tls.cert_file,
                               "amqps: PEM client certificate, for brokers that require one (needs --amqp-key)")
                    ->check(CLI::ExistingFile);
  auto* amqp_key = app.add_option("--amqp-key", r.amqp_tls.key_file, "amqps: PEM private key of --amqp-cert")
                       ->check(CLI::ExistingFile);
  u.amqp_cert->needs(amqp_key);
  amqp_key->needs(u.amqp_cert);
  app.add_option("--queue-type", r.queue_type,
                 "classic | quorum (replicated, for clusters); the rejected and dead-letter queues follow it")
      ->check(CLI::IsMember({"classic", "quorum"}));
  app.add_option("--queue", r.queue, "queue of push jobs");
  app.add_option("--durable", r.durable, "declare the queue durable");
  app.add_option("--rejected-queue", r.rejected_queue, "where permanently failed jobs go (default QUEUE.rejected)");
  app.add_option("--dead-letter-queue", r.dead_letter_queue, "where jobs go after the last retry (default QUEUE.dead)");
  app.add_option("--fcm-base-url", c.fcm_base_url, "FCM API base URL");
  app.add_option("--credentials", c.credentials, "service account key file (default $GOOGLE_APPLICATION_CREDENTIALS)");
  app.add_option("--ca-file", s.ca_file,
                 "PEM CA certificates to trust instead of the system's, for every HTTPS endpoint the relay calls "
                 "(FCM sends and the token_uri)")
      ->check(CLI::ExistingFile);
  app.add_option("--fcm-http-client", s.http_client,
                 "auto: HTTP/2 on nghttp2 for an https:// FCM URL without a proxy, libcurl otherwise (and for a "
                 "server that does not offer HTTP/2); libcurl: always libcurl")
      ->check(CLI::IsMember({"auto", "libcurl"}));
  app.add_option("--project-id", c.project_id, "Firebase project (default: the credentials' project_id)");
  app.add_option("--prefetch", r.prefetch, "basic.qos prefetch count")->check(CLI::Range(1, 65535));
  app.add_option("--max-inflight", r.max_inflight, "FCM requests in flight at most")->check(CLI::Range(1, 10000));
  app.add_option("--max-attempts", s.max_attempts, "send attempts before dead-lettering")->check(CLI::Range(1, 100));
  app.add_option("--fcm-timeout-ms", u.fcm_timeout_ms,
                 "whole-request deadline for one FCM send (a stalled answer is retried)")
      ->check(CLI::Range(100, 600000));
  app.add_option("--ack-mode", u.ack_mode, "manual (production) | auto (DEFECTIVE on purpose: leak 1)")
      ->check(CLI::IsMember({"manual", "auto"}));
  app.add_option("--close-watch", u.close_watch, "status (production) | notify (DEFECTIVE on purpose: leak 2)")
      ->check(CLI::IsMember({"status", "notify"}));
  app.add_option("--health-interval-ms", u.health_ms, "health check tick")->check(CLI::Range(10, 600000));
  app.add_option("--heartbeat", r.heartbeat_seconds, "AMQP heartbeat seconds")->check(CLI::Range(0, 600));
  app.add_option("--shutdown-timeout", u.shutdown_s, "seconds to finish in-flight sends on SIGTERM")
      ->check(CLI::Range(0, 3600));
  app.add_option("--http-addr", c.http_addr, "address of /healthz, /readyz, /metrics");
  app.add_option("--debug-addr", c.profiler.debug_addr, "leakscope profiler endpoints (/debug/pprof/...)");
  app.add_option("--lg-sample", c.profiler.lg_sample,
                 "heap sampling: mean 2^N bytes between samples (-1: jemalloc's own, or LEAKSCOPE_LG_SAMPLE)");
  app.add_option("--age-epoch", c.profiler.age_epoch_seconds,
                 "allocation ages in snapshots: epochs of this many seconds, each twice the one before (0: off; see "
                 "`leakscope top --by-age`)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--snapshot-dir", c.profiler.snapshots.dir, "periodic heap snapshots into this directory");
  app.add_option("--snapshot-interval", c.profiler.snapshots.interval_seconds, "seconds between snapshots");
  app.add_option("--log-level", c.log_level, "debug|info|warn|error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--max-rate", s.max_rate,
                 "FCM sends started per second at most, for relays sharing a project's quota (0: no limit; "
                 "a 429 with Retry-After holds every send anyway)")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--retry-after-cap", u.retry_after_cap_s,
                 "seconds a server's Retry-After is honoured at most, on every retryable answer (429, 500, 503) and "
                 "for the quota hold")
      ->check(CLI::Range(0, 3600));
  app.add_flag("--print-config", c.print_config,
               "print the effective configuration (secrets masked) and exit; with a setting missing (credentials, "
               "say), print what is known, then name it (exit 2)");
}

// Combinations no single option's check can see, and TLS files read at start-up rather than in a
// retry loop.
void check_combinations(const RelayConfig& c, const Unconverted& u) {
  const RelayOptions& r = c.relay;
  const bool any_amqps = std::any_of(r.amqp_urls.begin(), r.amqp_urls.end(),
                                     [](const std::string& url) { return url.rfind("amqps://", 0) == 0; });
  if ((u.amqp_ca->count() || u.amqp_cert->count()) && !any_amqps)
    throw RelayConfigError("--amqp-ca-file and --amqp-cert apply to amqps:// URLs only; --amqp-url is " +
                           mask_amqp_url(r.amqp_urls.front()));
  if (r.queue_type == "quorum" && !r.durable)
    throw RelayConfigError("--queue-type quorum queues are always durable; drop --durable false");
  try {
    if (any_amqps) check_amqp_tls_files(r.amqp_tls);
  } catch (const AmqpError& e) {
    throw RelayConfigError(e.what());
  }
}

void convert(RelayConfig& c, const Unconverted& u) {
  c.relay.ack_mode = u.ack_mode == "auto" ? AckMode::kAuto : AckMode::kManual;
  c.relay.close_watch = u.close_watch == "notify" ? CloseWatch::kNotify : CloseWatch::kStatus;
  c.relay.health_interval = std::chrono::milliseconds(u.health_ms);
  c.relay.shutdown_timeout = std::chrono::seconds(u.shutdown_s);
  c.sender.request_timeout = std::chrono::milliseconds(u.fcm_timeout_ms);
  c.sender.retry_after_cap = std::chrono::seconds(u.retry_after_cap_s);
  c.sender.max_inflight = c.relay.max_inflight;
}

// Periodic snapshots at 60 s unless told; the snapshot-before-OOM triggers from LEAKSCOPE_SNAPSHOT_*.
void resolve_profiler(RelayConfig& c) {
  profiler::ProfilerOptions& p = c.profiler;
  c.start_profiler = !p.debug_addr.empty() || !p.snapshots.dir.empty() || p.lg_sample >= 0 || p.age_epoch_seconds > 0 ||
                     profiler::environment_requests_profiler();
  if (!c.start_profiler) return;
  if (!p.snapshots.dir.empty() && p.snapshots.interval_seconds <= 0) p.snapshots.interval_seconds = 60;
  try {
    profiler::check_age_epoch_seconds(p.age_epoch_seconds, "--age-epoch (LEAKSCOPE_AGE_EPOCH)");
    // What has no flag comes from the profiler's own variables: the debug token (a secret, so never a
    // flag), the unwinder switch and the snapshot-before-OOM triggers.
    const profiler::ProfilerOptions environment = profiler::options_from_environment();
    p.debug_token = environment.debug_token;
    p.fast_unwinder = environment.fast_unwinder;
    const auto& from_env = environment.snapshots;
    p.snapshots.high_water_percent = from_env.high_water_percent;
    p.snapshots.rss_above_bytes = from_env.rss_above_bytes;
    p.snapshots.cgroup_fraction = from_env.cgroup_fraction;
    p.snapshots.min_gap_seconds = from_env.min_gap_seconds;
    p.snapshots.retain = from_env.retain;
  } catch (const std::invalid_argument& e) {
    throw RelayConfigError(e.what());
  }
  p.snapshots.name = "fcm-relay";
}

// What the credentials decide. Their absence is not an error yet: --print-config shows the rest.
void resolve_credentials(RelayConfig& c, const EnvironmentLookup& environment) {
  if (c.credentials.empty())
    if (auto g = environment("GOOGLE_APPLICATION_CREDENTIALS")) c.credentials = *g;
  try {
    if (c.credentials.empty())
      throw std::runtime_error("no credentials: pass --credentials FILE or set GOOGLE_APPLICATION_CREDENTIALS");
    c.account = load_service_account(c.credentials);
    if (c.project_id.empty()) c.project_id = c.account.project_id;
    if (c.project_id.empty())
      throw std::runtime_error("no project id: pass --project-id or use credentials with project_id");
    c.sender.send_url = c.fcm_base_url + "/v1/projects/" + c.project_id + "/messages:send";
  } catch (const std::exception& e) {
    c.missing = e.what();
  }
}

}  // namespace

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
}

RelayCommandLine parse_relay_command_line(const std::vector<std::string>& args, const EnvironmentLookup& environment) {
  RelayCommandLine out;
  RelayConfig& c = out.config;
  // The struct's defaults, in the units the flags use.
  Unconverted u{to_string(c.relay.ack_mode),      to_string(c.relay.close_watch),   c.relay.health_interval.count(),
                c.relay.shutdown_timeout.count(), c.sender.request_timeout.count(), retry_after_cap_seconds(c)};
  CLI::App app{
      "fcm-relay: RabbitMQ -> FCM HTTP v1 push relay. Options also come from FCM_RELAY_* variables and --config "
      "(TOML)."};
  app.name("fcm-relay");
  add_options(app, c, u);
  // The variables are listed where users look for them (the README points here).
  std::string variables = "Environment variables (below flags, above --config; empty ones are ignored):";
  for (const auto& [option, variable] : kEnvironment) variables += std::string("\n  ") + variable + "  " + option;
  app.footer(variables + "\n  (FCM_RELAY_AMQP_URL: one URL per node, separated by spaces)");
  try {
    std::vector<std::string> all = arguments_with_environment(args, environment);
    std::reverse(all.begin(), all.end());  // CLI11 takes arguments last-first
    app.parse(all);
  } catch (const CLI::CallForHelp&) {
    out.help = app.help();
    return out;
  } catch (const CLI::ConfigError& e) {
    throw RelayConfigError(std::string("config file: ") + e.what() +
                           " (keys are the long option names, e.g. queue = \"jobs\")");
  } catch (const CLI::ParseError& e) {
    throw RelayConfigError(std::string(e.what()) + " (see --help)");
  }
  check_combinations(c, u);
  convert(c, u);
  resolve_profiler(c);
  resolve_credentials(c, environment);
  return out;
}

std::string render_relay_config_json(const RelayConfig& c) {
  const int64_t retry_after_cap = retry_after_cap_seconds(c);
  const RelayOptions& r = c.relay;
  const SenderOptions& s = c.sender;
  auto or_null = [](const std::string& v) { return v.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v); };
  std::vector<std::string> masked_urls;
  for (const auto& url : r.amqp_urls) masked_urls.push_back(mask_amqp_url(url));
  nlohmann::ordered_json j = {{"amqp_url", masked_urls},
                              {"amqp_ca_file", r.amqp_tls.ca_file},
                              {"amqp_cert", r.amqp_tls.cert_file},
                              {"amqp_key", r.amqp_tls.key_file},
                              {"queue_type", r.queue_type},
                              {"queue", r.queue},
                              {"durable", r.durable},
                              {"fcm_send_url", or_null(s.send_url)},
                              {"ca_file", s.ca_file},
                              {"fcm_http_client", s.http_client},
                              {"credentials", c.credentials},
                              {"client_email", or_null(c.account.client_email)},
                              {"token_uri", or_null(c.account.token_uri)},
                              {"private_key", c.account.private_key.empty() ? nlohmann::ordered_json() : "****"},
                              {"prefetch", r.prefetch},
                              {"max_inflight", r.max_inflight},
                              {"max_attempts", s.max_attempts},
                              {"max_rate", s.max_rate},
                              {"fcm_timeout_ms", s.request_timeout.count()},
                              {"retry_after_cap", retry_after_cap},
                              {"ack_mode", to_string(r.ack_mode)},
                              {"close_watch", to_string(r.close_watch)},
                              {"health_interval_ms", r.health_interval.count()},
                              {"heartbeat", r.heartbeat_seconds},
                              {"shutdown_timeout", r.shutdown_timeout.count()},
                              {"http_addr", c.http_addr},
                              {"debug_addr", c.profiler.debug_addr},
                              {"age_epoch", c.profiler.age_epoch_seconds},
                              {"log_level", c.log_level}};
  return j.dump(2);
}

}  // namespace leakscope::relay
