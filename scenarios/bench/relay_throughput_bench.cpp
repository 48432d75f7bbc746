// make bench: end-to-end messages/s, peak RSS and CPU per message of fcm-relay in production mode against a
// zero-latency fake-fcm (over HTTP/1.1, then over HTTP/2 with TLS), next to what the two halves of its
// job cost at best, in the same run: a bare rabbitmq-c consumer (consume + ack) on the same broker, and
// h2load's client CPU per request against fake-fcm's HTTP/2-over-TLS listener. The figure of merit is
// relay CPU per message / (bare consumer + h2load) (issue #17: target <= 2.5).
// With --profiling-rounds R it also prints the relay's CPU per message in each layer of heap profiling
// (off, inactive, active at 512 KiB with jemalloc's unwinder, with leakscope's hook, with the debug
// endpoints) over the default's (issue #13 §6: target <= 1.02x), from R alternated rounds of HTTP/2 runs.
// Usage: relay_throughput_bench [--bin-dir DIR] [--messages N] [--h2load-requests N] [--h2load-streams N]
//                               [--profiling-rounds R]
#include <curl/curl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "leakscope/analyzer/profile_source.h"
#include "leakscope/process/child_process.h"
#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/oauth_token_source.h"
#include "leakscope/relay/service_account.h"
#include "leakscope/scenarios/broker.h"

using namespace std::chrono_literals;
using leakscope::process::ChildProcess;
using leakscope::scenarios::Broker;

namespace {

const char* const kPrefetch = "1000";  // the same window for the bare consumer and the relay

// A program of the run, its stdout and stderr in `log`.
std::unique_ptr<ChildProcess> start(const std::vector<std::string>& argv, const std::string& log,
                                    const std::vector<std::string>& env = {}) {
  leakscope::process::ChildOptions options;
  options.out_path = options.err_path = log;
  options.env = env;
  return std::make_unique<ChildProcess>(argv, options);
}

// Runs a short step of the run to its end (bounded: a stuck step is stopped); its exit code.
int run(const std::vector<std::string>& argv, const std::string& log, std::chrono::seconds bound = 600s) {
  auto child = start(argv, log);
  int rc = child->wait_exit(bound);
  if (rc == -1) child->terminate();
  return rc;
}

// CPU seconds (user + system) a process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), {});
  size_t name_end = stat.rfind(')');            // the command name may itself hold ')'
  if (name_end == std::string::npos) return 0;  // gone
  std::istringstream rest(stat.substr(name_end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

uint64_t peak_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

void publish(const std::string& bin, const Broker& b, const std::string& queue, long n, const std::string& log) {
  if (run({bin + "loadgen", "--amqp-url", b.amqp_url(), "--queue", queue, "--count", std::to_string(n),
           "--confirm-batch", "5000"},
          log) != 0)
    throw std::runtime_error("loadgen failed, see " + log);
}

double cpu_of(const rusage& u) {
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

struct H2loadRun {
  double cpu_seconds = 0;
  long succeeded = 0;
};

// h2load, the HTTP/2 client peer: `requests` FCM sends with a real access token over one TLS
// connection with `streams` concurrent streams; its CPU from its resource usage once reaped.
H2loadRun run_h2load(const std::string& dir, const std::string& sa, int h2_port, long requests, int streams) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  leakscope::relay::OAuthTokenSource tokens(leakscope::relay::load_service_account(sa));
  std::string body = dir + "/h2load-body.json", log = dir + "/h2load.log";
  std::ofstream(body) << R"({"message":{"token":"device-token-h2load","data":{"id":"h2load"}}})";
  auto h2load =
      start({"/usr/bin/h2load", "-n", std::to_string(requests), "-c", "1", "-m", std::to_string(streams), "-d", body,
             "-H", "Authorization: Bearer " + tokens.token(), "-H", "Content-Type: application/json; UTF-8",
             "https://127.0.0.1:" + std::to_string(h2_port) + "/v1/projects/leakscope-test/messages:send"},
            log);
  int rc = h2load->wait_exit(600s);
  if (rc != 0) throw std::runtime_error("h2load failed (exit " + std::to_string(rc) + "), see " + log);
  H2loadRun run{cpu_of(h2load->usage()), 0};
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);)  // "status codes: 100000 2xx, 0 3xx, 0 4xx, 0 5xx"
    if (line.rfind("status codes: ", 0) == 0) run.succeeded = std::atol(line.c_str() + 14);
  if (run.succeeded != requests) throw std::runtime_error("h2load: not every request answered 2xx, see " + log);
  return run;
}

// BENCH_RELAY_METRICS: the relay's own counters mid-run, to see where the time goes.
void print_relay_metrics(int relay_http) {
  std::istringstream metrics(
      leakscope::analyzer::fetch_url("http://127.0.0.1:" + std::to_string(relay_http) + "/metrics", {}));
  for (std::string line; std::getline(metrics, line);)
    for (const char* name : {"in_flight", "fcm_latency", "retry", "sent", "consumed", "acked"})
      if (line.rfind(std::string("fcm_relay_") + name, 0) == 0) std::fprintf(stderr, "%s\n", line.c_str());
}

std::string own_directory() { return std::filesystem::read_symlink("/proc/self/exe").parent_path(); }

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir = own_directory();
  long n = 200000, h2load_requests = 100000;
  int h2load_streams = 64, profiling_rounds = 0;
  CLI::App app{
      "relay_throughput_bench: fcm-relay's rate, RSS and CPU per message beside a bare rabbitmq-c consumer and "
      "h2load against fake-fcm, in the same run (the machine's load moves all of them; compare within one run)"};
  app.name("relay_throughput_bench");
  app.add_option("--bin-dir", bin_dir,
                 "where fcm-relay, fake-fcm, loadgen and bare_consumer are (default: this program's directory)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--messages", n, "jobs for the bare consumer and for each relay run (default 200000)")
      ->check(CLI::Range(1000L, 100000000L));
  app.add_option(
         "--h2load-requests", h2load_requests,
         "requests h2load sends to fake-fcm, enough that its start-up and TLS handshake do not count (default 100000)")
      ->check(CLI::Range(10000L, 100000000L));
  app.add_option("--h2load-streams", h2load_streams, "h2load's concurrent streams on its one connection (default 64)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--profiling-rounds", profiling_rounds,
                 "also run the HTTP/2 relay this many rounds in each profiling layer (prof:false; prof:true but "
                 "inactive, the default; active at 512 KiB with jemalloc's unwinder; with leakscope's hook; with "
                 "the hook and the debug endpoints), alternated, and print each layer's CPU per message beside the "
                 "default's (default 0: not measured)")
      ->check(CLI::Range(0, 20));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::fprintf(stderr, "relay_throughput_bench: %s (see --help)\n", e.what());
    return 2;
  }
  if (access("/usr/bin/h2load", X_OK) != 0) {
    std::fprintf(stderr,
                 "relay_throughput_bench: /usr/bin/h2load not found (Debian package nghttp2-client; make deps)\n");
    return 2;
  }
  std::string bin = bin_dir + "/";
  std::string dir = std::filesystem::temp_directory_path() / ("leakscope-relay-bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  try {
    std::fprintf(stderr, "bench: starting a private broker\n");
    Broker broker(dir + "/broker");
    std::fprintf(stderr, "bench: publishing %ld jobs for the bare consumer\n", n);
    publish(bin, broker, "bare", n, dir + "/loadgen-bare.log");
    auto bare = start({bin + "bare_consumer", std::to_string(broker.amqp_port()), "bare", std::to_string(n), kPrefetch},
                      dir + "/bare.log");
    pid_t node = broker.node_pid();
    double broker_cpu_before = cpu_seconds(node);
    auto t0 = std::chrono::steady_clock::now();
    uint64_t bare_rss = 0;
    while (bare->running() && std::chrono::steady_clock::now() - t0 < 600s) {
      bare_rss = std::max(bare_rss, peak_rss_kb(bare->pid()));
      std::this_thread::sleep_for(20ms);
    }
    int bare_exit = bare->wait_exit(0ms);
    double bare_cpu = cpu_of(bare->usage());
    double bare_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double bare_broker_cpu = cpu_seconds(node) - broker_cpu_before;
    if (bare_exit != 0) throw std::runtime_error("bare_consumer failed (exit " + std::to_string(bare_exit) + ")");

    int fcm_port = leakscope::scenarios::free_loopback_port(), h2_port = leakscope::scenarios::free_loopback_port();
    std::string sa = dir + "/sa.json", cert = dir + "/fcm.crt", key = dir + "/fcm.key";
    if (run({bin + "fake-fcm", "--make-service-account", sa, "--token-uri",
             "http://127.0.0.1:" + std::to_string(fcm_port) + "/token"},
            dir + "/sa.log", 60s) != 0 ||
        run({bin + "fake-fcm", "--make-tls-cert", cert, "--tls-key", key}, dir + "/cert.log", 60s) != 0)
      throw std::runtime_error("fake-fcm could not write its service account or certificate");
    auto fcm_process = start({bin + "fake-fcm", "--listen", "127.0.0.1:" + std::to_string(fcm_port), "--listen-h2",
                              "127.0.0.1:" + std::to_string(h2_port), "--tls-cert", cert, "--tls-key", key},
                             dir + "/fake-fcm.log");
    if (!fcm_process->wait_for_event("listening", 10s)) throw std::runtime_error("fake-fcm did not start listening");
    pid_t fcm = fcm_process->pid();

    struct Transport {
      const char* label;
      std::vector<std::string> flags;
      std::vector<std::string> env = {};
      double rate = 0;
      uint64_t rss_kb = 0;
      double relay_cpu = 0, fcm_cpu = 0, broker_cpu = 0;  // seconds during the run
    };
    std::vector<Transport> transports{
        {"fcm-relay, HTTP/1.1 keep-alive pool", {"--fcm-base-url", "http://127.0.0.1:" + std::to_string(fcm_port)}},
        {"fcm-relay, HTTP/2 over TLS (as FCM)",
         {"--fcm-base-url", "https://127.0.0.1:" + std::to_string(h2_port), "--ca-file", cert}}};
    int runs = 0;
    auto run_relay = [&](Transport& t) {
      std::string queue = "relay-" + std::to_string(runs++);
      std::fprintf(stderr, "bench: publishing %ld jobs for the relay (%s)\n", n, t.label);
      publish(bin, broker, queue, n, dir + "/loadgen-" + queue + ".log");
      int relay_http = leakscope::scenarios::free_loopback_port();
      std::vector<std::string> args{bin + "fcm-relay",
                                    "--amqp-url",
                                    broker.amqp_url(),
                                    "--queue",
                                    queue,
                                    "--credentials",
                                    sa,
                                    "--http-addr",
                                    "127.0.0.1:" + std::to_string(relay_http),
                                    "--prefetch",
                                    kPrefetch,
                                    "--max-inflight",
                                    "256",
                                    "--log-level",
                                    "warn"};
      args.insert(args.end(), t.flags.begin(), t.flags.end());
      auto relay_process = start(args, dir + "/" + queue + ".log", t.env);
      pid_t relay = relay_process->pid();
      leakscope::relay::AmqpSession probe(broker.amqp_url(), 0);
      t0 = std::chrono::steady_clock::now();
      double fcm_cpu_before = cpu_seconds(fcm), broker_before = cpu_seconds(node);
      bool sampled = false;
      while (probe.queue_length(queue) > 0 && std::chrono::steady_clock::now() - t0 < 600s) {
        t.rss_kb = std::max(t.rss_kb, peak_rss_kb(relay));
        std::this_thread::sleep_for(20ms);
        if (!sampled && std::getenv("BENCH_RELAY_METRICS") && std::chrono::steady_clock::now() - t0 > 3s) {
          sampled = true;  // a look inside mid-run: where the time goes
          print_relay_metrics(relay_http);
        }
      }
      t.rate = n / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      t.rss_kb = std::max(t.rss_kb, peak_rss_kb(relay));
      t.relay_cpu = cpu_seconds(relay);
      t.fcm_cpu = cpu_seconds(fcm) - fcm_cpu_before;
      t.broker_cpu = cpu_seconds(node) - broker_before;
      relay_process->terminate(30s);
    };
    for (auto& t : transports) run_relay(t);
    // Issue #13 §6: the same HTTP/2 run with heap profiling in each of its layers, alternated round by
    // round so that the machine's drifting load falls on all alike. The relay's build links jemalloc with
    // prof:true,prof_active:false (the default: profiling ready, nothing sampled); prof:false is jemalloc
    // with profiling compiled in but off; then active at 512 KiB with jemalloc's own unwinder, with
    // leakscope's backtrace hook, and with the debug endpoints too (what a production relay runs).
    const auto& h2 = transports.back().flags;
    auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> f = h2;
      f.insert(f.end(), extra.begin(), extra.end());
      return f;
    };
    std::vector<Transport> layers{
        {"prof:false (no profiling)", h2, {"MALLOC_CONF=prof:false"}},
        {"prof:true, prof_active:false (default)", h2},
        {"active at 512 KiB, jemalloc's unwinder", with({"--lg-sample", "19"}), {"LEAKSCOPE_FAST_UNWIND=0"}},
        {"active at 512 KiB, leakscope's hook", with({"--lg-sample", "19"})},
        {"the hook and the debug endpoints", with({"--lg-sample", "19", "--debug-addr", "127.0.0.1:0"})}};
    const size_t kDefault = 1, kFull = layers.size() - 1;
    std::vector<std::vector<double>> layer_us(layers.size());
    for (int round = 0; round < profiling_rounds; ++round)
      for (size_t i = 0; i < layers.size(); ++i) {
        std::fprintf(stderr, "bench: profiling round %d of %d: %s\n", round + 1, profiling_rounds, layers[i].label);
        run_relay(layers[i]);
        layer_us[i].push_back(1e6 * layers[i].relay_cpu / n);
      }
    std::fprintf(stderr, "bench: h2load, %ld requests over %d streams\n", h2load_requests, h2load_streams);
    H2loadRun h2load = run_h2load(dir, sa, h2_port, h2load_requests, h2load_streams);
    fcm_process->terminate(30s);
    double bare_rate = n / bare_s;
    std::printf("== fcm-relay throughput (%ld messages, zero-latency fake-fcm, same broker) ==\n", n);
    std::printf("%-44s %10s %12s %12s\n", "", "msg/s", "of bare", "peak RSS MB");
    std::printf("%-44s %10.0f %12s %12.1f\n", "bare rabbitmq-c consumer (ack, prefetch 1000)", bare_rate, "",
                bare_rss / 1024.0);
    for (const auto& t : transports)
      std::printf("%-44s %10.0f %11.0f%% %12.1f\n", t.label, t.rate, 100 * t.rate / bare_rate, t.rss_kb / 1024.0);
    // Broker, client and FCM stand-in share this machine's cores: where each message's CPU goes.
    std::printf("CPU per message (µs):%23s %10s %10s %10s\n", "", "consumer", "fake-fcm", "broker");
    std::printf("  %-42s %10.1f %10s %10.1f\n", "bare rabbitmq-c consumer", 1e6 * bare_cpu / n, "",
                1e6 * bare_broker_cpu / n);
    for (const auto& t : transports)
      std::printf("  %-42s %10.1f %10.1f %10.1f\n", t.label, 1e6 * t.relay_cpu / n, 1e6 * t.fcm_cpu / n,
                  1e6 * t.broker_cpu / n);
    double bare_us = 1e6 * bare_cpu / n, h2load_us = 1e6 * h2load.cpu_seconds / h2load_requests;
    double relay_h2_us = 1e6 * transports.back().relay_cpu / n;
    std::printf("  %-42s %10.1f\n", "h2load client, HTTP/2 over TLS (per request)", h2load_us);
    std::printf("relay (HTTP/2) CPU per message / (bare consumer + h2load): %.1f / (%.1f + %.1f) = %.2fx\n",
                relay_h2_us, bare_us, h2load_us, relay_h2_us / (bare_us + h2load_us));
    std::printf("target: <= 2.5x, relay >= 10000 msg/s (one FCM project's default quota), RSS <= 64 MiB\n");
    if (profiling_rounds > 0) {
      auto list = [](const std::vector<double>& v) {
        std::string out;
        char one[32];
        for (double x : v)
          out += std::string(out.empty() ? "" : " ") + (std::snprintf(one, sizeof one, "%.1f", x), one);
        return out;
      };
      auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
      std::printf("relay CPU per message (µs), HTTP/2, %d alternating rounds, by profiling layer:\n", profiling_rounds);
      for (size_t i = 0; i < layers.size(); ++i)
        std::printf("  %-42s %7.1f  %.3fx of the default  (rounds: %s)\n", layers[i].label,
                    sum(layer_us[i]) / profiling_rounds, sum(layer_us[i]) / sum(layer_us[kDefault]),
                    list(layer_us[i]).c_str());
      std::printf("relay CPU per message, profiling at 512 KiB / off: %.1f / %.1f = %.3fx (target: <= 1.02x)\n",
                  sum(layer_us[kFull]) / profiling_rounds, sum(layer_us[kDefault]) / profiling_rounds,
                  sum(layer_us[kFull]) / sum(layer_us[kDefault]));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: %s (logs in %s)\n", e.what(), dir.c_str());
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
