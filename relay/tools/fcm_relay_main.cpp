// fcm-relay: consumes push jobs from RabbitMQ and sends them to FCM HTTP v1.
// Production mode is the default; --ack-mode auto and --close-watch notify reproduce the two
// historic leaks on purpose.
#include <curl/curl.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <utility>

#include "leakscope/profiler/profiler.h"
#include "leakscope/profiler/snapshotter.h"
#include "leakscope/relay/fcm_sender.h"
#include "leakscope/relay/log.h"
#include "leakscope/relay/relay_config.h"
#include "leakscope/relay/relay_service.h"
#include "leakscope/relay/status_server.h"

namespace {
std::atomic<bool> stop_requested{false};
}  // namespace

int main(int argc, char** argv) {
  using namespace leakscope;
  relay::RelayConfig config;
  try {
    auto command_line = relay::parse_relay_command_line({argv + 1, argv + argc}, relay::process_environment());
    if (command_line.help) {
      std::cout << *command_line.help;
      return 0;
    }
    config = std::move(command_line.config);
  } catch (const relay::RelayConfigError& e) {
    std::cerr << "fcm-relay: " << e.what() << "\n";
    return 2;
  }
  if (config.print_config) std::cout << relay::render_relay_config_json(config) << std::endl;
  if (!config.missing.empty()) {
    std::cerr << "fcm-relay: " << config.missing << "\n";
    return 2;
  }
  if (config.print_config) return 0;
  relay::set_log_level(config.log_level);
  const relay::RelayOptions& r = config.relay;
  const relay::SenderOptions& s = config.sender;

  try {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (config.start_profiler) profiler::Profiler::instance().start(config.profiler);
    relay::OAuthTokenSource tokens(config.account, s.ca_file);
    relay::FcmSender sender(s, tokens);
    relay::RelayMetrics metrics;
    // Snapshots record messages consumed, so `leakscope trend` reports growth per message too.
    profiler::Snapshotter::instance().set_work_counter(
        "message", [&metrics] { return static_cast<int64_t>(metrics.consumed.load()); });
    relay::StatusServer status(config.http_addr, metrics, sender, tokens);
    status.start();
    std::signal(SIGTERM, [](int) { stop_requested = true; });
    std::signal(SIGINT, [](int) { stop_requested = true; });
    std::signal(SIGPIPE, SIG_IGN);
    tokens.keep_fresh();
    sender.start();
    relay::log_event("info", "fcm-relay started",
                     {{"event", "listening"},
                      {"queue", r.queue},
                      {"send_url", s.send_url},
                      {"ack_mode", relay::to_string(r.ack_mode)},
                      {"close_watch", relay::to_string(r.close_watch)},
                      {"http_port", status.port()}});
    relay::RelayService service(r, sender, metrics);
    int rc = service.run(stop_requested);
    sender.stop();
    profiler::Profiler::instance().stop();
    relay::log_event("info", "fcm-relay stopped",
                     {{"consumed", metrics.consumed.load()},
                      {"acked", metrics.acked.load()},
                      {"requeued", metrics.requeued.load()}});
    return rc;
  } catch (const std::exception& e) {
    std::cerr << "fcm-relay: " << e.what() << "\n";
    profiler::Profiler::instance().stop();  // its threads must not outlive main (a --http-addr in use, say)
    return 2;
  }
}
