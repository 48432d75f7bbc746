// loadgen: publishes N push jobs with unique ids (message.data.id) to a queue, at a given rate or
// flat out, with publisher confirms; prints progress every second and a final count.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/job.h"

int main(int argc, char** argv) {
  std::string url = "amqp://guest:guest@127.0.0.1:5672/", queue = "push-jobs", queue_type = "classic", prefix = "job-",
              token = "device-token-";
  uint64_t count = 1000, start_id = 0;
  double rate = 0;
  int payload = 64, batch = 500, malformed_every = 0;
  CLI::App app{"loadgen: publish push jobs (FCM v1 send requests) with unique ids, with publisher confirms"};
  app.name("loadgen");
  app.add_option("--amqp-url", url, "broker URL");
  app.add_option("--queue", queue, "queue to publish to (declared durable)");
  app.add_option("--queue-type", queue_type, "classic | quorum, as the relay declares it")
      ->check(CLI::IsMember({"classic", "quorum"}));
  app.add_option("--count,-n", count, "jobs to publish");
  app.add_option("--rate", rate, "jobs per second (0: flat out)");
  app.add_option("--id-prefix", prefix, "prefix of message.data.id");
  app.add_option("--start-id", start_id, "first id number");
  app.add_option("--token-prefix", token, "prefix of message.token (the id number is appended)");
  app.add_option("--payload-bytes", payload, "size of message.data.payload")->check(CLI::Range(0, 1 << 20));
  app.add_option("--confirm-batch", batch, "wait for confirms every N messages")->check(CLI::Range(1, 100000));
  app.add_option("--malformed-every", malformed_every, "make every Nth job malformed (0: none)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "loadgen: " << e.what() << " (see --help)\n";
    return 2;
  }
  try {
    leakscope::relay::AmqpSession amqp(url, 30);
    amqp.declare_queue(queue, true, queue_type);
    amqp.enable_confirms();
    auto t0 = std::chrono::steady_clock::now(), last_report = t0;
    std::string filler(static_cast<size_t>(payload), 'x');
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t n = start_id + i;
      std::string body;
      if (malformed_every > 0 && (i + 1) % static_cast<uint64_t>(malformed_every) == 0) {
        body = (i / malformed_every) % 2 ? "{not json"
                                         : R"({"message": {"data": {"id": ")" + prefix + std::to_string(n) + R"("}}})";
      } else {
        body = leakscope::relay::push_job_body(prefix + std::to_string(n), token + std::to_string(n), filler);
      }
      amqp.publish(queue, body);
      if ((i + 1) % static_cast<uint64_t>(batch) == 0 && !amqp.wait_for_confirms(std::chrono::seconds(60)))
        throw std::runtime_error("broker did not confirm (nack or timeout)");
      if (rate > 0) {
        auto due = t0 + std::chrono::duration<double>((i + 1) / rate);
        std::this_thread::sleep_until(due);
      }
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::milliseconds(200)) {  // scenarios/run reads these for its progress line
        last_report = now;
        std::cerr << "loadgen: published " << i + 1 << "/" << count << "\n";
      }
    }
    if (!amqp.wait_for_confirms(std::chrono::seconds(60)))
      throw std::runtime_error("broker did not confirm (nack or timeout)");
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "published " << count << " confirmed " << count << " in " << secs << " s\n";
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
