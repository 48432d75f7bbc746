// A RabbitMQ cluster for tests: several private Broker nodes on loopback, one Erlang cookie (in each
// node's temporary HOME) and one epmd, the others joined to the first with rabbitmqctl join_cluster.
// Quorum queues declared on it replicate to every node.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/scenarios/broker.h"

namespace leakscope::scenarios {

class BrokerCluster {
 public:
  // Starts `nodes` nodes under `dir` and joins them. Throws std::runtime_error (with the failing
  // node's log or rabbitmqctl output) when that does not work within `timeout` per step.
  // `tls`: every node also gets a TLS listener with these files (see BrokerTls).
  explicit BrokerCluster(const std::string& dir, size_t nodes = 3,
                         std::chrono::seconds timeout = std::chrono::seconds(120), const BrokerTls& tls = {});
  ~BrokerCluster();  // every node, then the shared epmd
  BrokerCluster(const BrokerCluster&) = delete;
  BrokerCluster& operator=(const BrokerCluster&) = delete;

  size_t size() const { return nodes_.size(); }
  Broker& node(size_t i) { return *nodes_.at(i); }
  std::vector<std::string> amqp_urls() const;   // of the nodes still running, in node order
  std::vector<std::string> amqps_urls() const;  // the same over TLS (a cluster made with `tls`)

 private:
  void stop();  // the nodes, then epmd
  std::vector<std::string> urls_of_running_nodes(const std::function<std::string(const Broker&)>& url) const;
  std::string dir_;
  int epmd_port_ = 0;
  std::vector<std::unique_ptr<Broker>> nodes_;
};

}  // namespace leakscope::scenarios
