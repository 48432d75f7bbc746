// make bench: end-to-end messages/s and peak RSS of fcm-relay in production mode against a
// zero-latency fake-fcm, next to a bare rabbitmq-c consumer on the same broker in the same run.
// Usage: relay_throughput_bench BIN_DIR [MESSAGES]  (default 200000)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "leakscope/relay/amqp_session.h"
#include "leakscope/scenarios/broker.h"

extern char** environ;
using namespace std::chrono_literals;
using leakscope::scenarios::Broker;

namespace {

pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) throw std::runtime_error("cannot run " + args[0]);
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint64_t peak_rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  return 0;
}

void publish(const std::string& bin, const Broker& b, const std::string& queue, long n, const std::string& log) {
  if (wait_for(spawn({bin + "loadgen", "--amqp-url", b.amqp_url(), "--queue", queue, "--count", std::to_string(n),
                      "--confirm-batch", "5000"}, log)) != 0)
    throw std::runtime_error("loadgen failed, see " + log);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: relay_throughput_bench BIN_DIR [MESSAGES]\n");
    return 2;
  }
  std::string bin = std::string(argv[1]) + "/";
  long n = argc > 2 ? std::atol(argv[2]) : 200000;
  std::string dir = std::filesystem::temp_directory_path() / ("leakscope-relay-bench." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  try {
    std::fprintf(stderr, "bench: starting a private broker\n");
    Broker broker(dir + "/broker");
    std::fprintf(stderr, "bench: publishing %ld jobs for the bare consumer\n", n);
    publish(bin, broker, "bare", n, dir + "/loadgen-bare.log");
    pid_t bare = spawn({bin + "bare_consumer", std::to_string(broker.amqp_port()), "bare", std::to_string(n), "500"},
                       dir + "/bare.log");
    auto t0 = std::chrono::steady_clock::now();
    uint64_t bare_rss = 0;
    while (waitpid(bare, nullptr, WNOHANG) == 0) {
      bare_rss = std::max(bare_rss, peak_rss_kb(bare));
      std::this_thread::sleep_for(20ms);
    }
    double bare_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::fprintf(stderr, "bench: publishing %ld jobs for the relay\n", n);
    publish(bin, broker, "relay", n, dir + "/loadgen-relay.log");
    int fcm_port = leakscope::scenarios::free_loopback_port();
    std::string sa = dir + "/sa.json";
    wait_for(spawn({bin + "fake-fcm", "--make-service-account", sa, "--token-uri",
                    "http://127.0.0.1:" + std::to_string(fcm_port) + "/token"}, dir + "/sa.log"));
    pid_t fcm = spawn({bin + "fake-fcm", "--listen", "127.0.0.1:" + std::to_string(fcm_port)}, dir + "/fake-fcm.log");
    std::this_thread::sleep_for(300ms);
    int relay_http = leakscope::scenarios::free_loopback_port();
    pid_t relay = spawn({bin + "fcm-relay", "--amqp-url", broker.amqp_url(), "--queue", "relay", "--credentials", sa,
                         "--fcm-base-url", "http://127.0.0.1:" + std::to_string(fcm_port), "--http-addr",
                         "127.0.0.1:" + std::to_string(relay_http),
                         "--prefetch", "500", "--max-inflight", "128", "--log-level", "warn"},
                        dir + "/relay.log");
    leakscope::relay::AmqpSession probe(broker.amqp_url(), 0);
    t0 = std::chrono::steady_clock::now();
    uint64_t relay_rss = 0;
    bool sampled = false;
    while (probe.queue_length("relay") > 0 && std::chrono::steady_clock::now() - t0 < 600s) {
      relay_rss = std::max(relay_rss, peak_rss_kb(relay));
      std::this_thread::sleep_for(20ms);
      if (!sampled && std::getenv("BENCH_RELAY_METRICS") && std::chrono::steady_clock::now() - t0 > 3s) {
        sampled = true;  // a look inside mid-run: where the time goes
        std::system(("curl -s http://127.0.0.1:" + std::to_string(relay_http) + "/metrics | grep -E '^fcm_relay_(in_flight|fcm_latency|retry|sent|consumed|acked)' >&2").c_str());
      }
    }
    double relay_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    relay_rss = std::max(relay_rss, peak_rss_kb(relay));
    kill(relay, SIGTERM);
    wait_for(relay);
    kill(fcm, SIGTERM);
    wait_for(fcm);
    double bare_rate = n / bare_s, relay_rate = n / relay_s;
    std::printf("== fcm-relay throughput (%ld messages, zero-latency fake-fcm, same broker) ==\n", n);
    std::printf("%-40s %12s %12s\n", "", "msg/s", "peak RSS MB");
    std::printf("%-40s %12.0f %12.1f\n", "bare rabbitmq-c consumer (ack, prefetch 500)", bare_rate, bare_rss / 1024.0);
    std::printf("%-40s %12.0f %12.1f\n", "fcm-relay, production mode", relay_rate, relay_rss / 1024.0);
    std::printf("relay / bare: %.0f%% (target >= 75%%); relay RSS %s 64 MiB\n", 100 * relay_rate / bare_rate,
                relay_rss <= 64 * 1024 ? "<=" : ">");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: %s (logs in %s)\n", e.what(), dir.c_str());
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
