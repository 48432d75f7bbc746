#include "leakscope/scenarios/broker_cluster.h"

#include <exception>
#include <filesystem>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "leakscope/process/child_process.h"

namespace leakscope::scenarios {
using process::ChildProcess;

BrokerCluster::BrokerCluster(const std::string& dir, size_t nodes, std::chrono::seconds timeout, const BrokerTls& tls)
    : dir_(std::filesystem::absolute(dir).string()), epmd_port_(free_loopback_port()) {
  std::mt19937 rng{std::random_device{}()};
  BrokerOptions options;
  options.tls = tls;
  options.shared_epmd_port = epmd_port_;
  for (int i = 0; i < 20; ++i) options.erlang_cookie += static_cast<char>('A' + rng() % 26);
  // The nodes boot in parallel (a boot is mostly waiting on Erlang start-up), then join in turn.
  nodes_.resize(nodes);
  std::vector<std::exception_ptr> errors(nodes);
  std::vector<std::thread> boots;
  for (size_t i = 0; i < nodes; ++i)
    boots.emplace_back([&, i] {
      // A node whose listener lost its port to another process exits at once: boot it again, on new
      // ports (each attempt in its own directory, so no state of the last one is read).
      for (int attempt = 0; attempt < 3; ++attempt) {
        try {
          errors[i] = nullptr;
          nodes_[i] = std::make_unique<Broker>(dir_ + "/node" + std::to_string(i) + "-" + std::to_string(attempt),
                                               options, timeout);
          return;
        } catch (const std::runtime_error& e) {
          errors[i] = std::current_exception();
          if (std::string(e.what()).find("exited during start-up") == std::string::npos) return;
        } catch (...) {
          errors[i] = std::current_exception();
          return;
        }
      }
    });
  for (auto& t : boots) t.join();
  try {
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    for (size_t i = 1; i < nodes; ++i) nodes_[i]->join_cluster(*nodes_[0], timeout);
  } catch (...) {
    stop();
    throw;
  }
}

BrokerCluster::~BrokerCluster() { stop(); }

void BrokerCluster::stop() {
  nodes_.clear();
  ChildProcess epmd({"/usr/bin/epmd", "-kill"}, {"ERL_EPMD_PORT=" + std::to_string(epmd_port_)}, dir_ + "/tools");
  if (epmd.wait_exit(std::chrono::seconds(10)) == -1) epmd.terminate();
}

std::vector<std::string> BrokerCluster::urls_of_running_nodes(
    const std::function<std::string(const Broker&)>& url) const {
  std::vector<std::string> urls;
  for (const auto& n : nodes_)
    if (n && n->running()) urls.push_back(url(*n));
  return urls;
}

std::vector<std::string> BrokerCluster::amqp_urls() const {
  return urls_of_running_nodes([](const Broker& n) { return n.amqp_url(); });
}

std::vector<std::string> BrokerCluster::amqps_urls() const {
  return urls_of_running_nodes([](const Broker& n) { return n.amqps_url(); });
}

}  // namespace leakscope::scenarios
