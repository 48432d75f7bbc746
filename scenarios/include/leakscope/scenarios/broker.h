// A private RabbitMQ broker for tests and scenarios: Debian's rabbitmq-server started on free
// loopback ports with its own data, log and cookie directory, ready once an AMQP login works, and
// stopped (with its epmd) when the object dies. No system service is involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "leakscope/process/child_process.h"

namespace leakscope::scenarios {

// A TLS listener for the broker (RabbitMQ's listeners.ssl and ssl_options), next to the plain one.
// PEM files; ca_file holds the CAs client certificates are checked against.
struct BrokerTls {
  std::string ca_file, cert_file, key_file;
  bool require_client_cert = false;  // verify = verify_peer, fail_if_no_peer_cert = true
};

struct BrokerOptions {
  BrokerTls tls;  // no TLS listener while tls.cert_file is empty
  // Cluster nodes find each other through one epmd and trust each other by one Erlang cookie
  // (see BrokerCluster). 0 / empty: the node's own epmd (stopped with it) and a cookie of its own.
  int shared_epmd_port = 0;
  std::string erlang_cookie;
};

class Broker {
 public:
  // Starts a broker with its state under `dir` (created). Throws std::runtime_error with the
  // broker's last log lines when it does not come up within `timeout`.
  explicit Broker(const std::string& dir, std::chrono::seconds timeout = std::chrono::seconds(90));
  // The same with options: a TLS listener too (amqps_url), or a node for a cluster.
  Broker(const std::string& dir, const BrokerOptions& options, std::chrono::seconds timeout = std::chrono::seconds(90));
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  int amqp_port() const { return amqp_port_; }
  std::string amqp_url() const;  // amqp://guest:guest@127.0.0.1:PORT/
  // amqps://guest:guest@HOST:TLSPORT/ (TLS brokers only). The listener is on 127.0.0.1; "localhost"
  // is the name to verify, as rabbitmq-c checks DNS names only, not IP addresses.
  std::string amqps_url(const std::string& host = "localhost") const;
  // Stops and starts the same node (same ports and data: durable queues survive).
  void restart(std::chrono::seconds timeout = std::chrono::seconds(90));
  void stop();
  // SIGKILL of the whole node (beam and its helpers), as when a machine dies: no goodbye to peers.
  void kill();
  bool running() const { return server_ != nullptr; }
  const std::string& node_name() const { return node_; }  // leakscopePORT@localhost
  // Makes this running node a member of `seed`'s cluster (rabbitmqctl stop_app, join_cluster,
  // start_app). Throws std::runtime_error with rabbitmqctl's output when a step fails.
  void join_cluster(const Broker& seed, std::chrono::seconds timeout = std::chrono::seconds(90));
  // The Erlang VM's pid (from its pid file), e.g. to account its CPU; -1 when not known.
  pid_t node_pid() const;

 private:
  void launch(std::chrono::seconds timeout);
  std::vector<std::string> node_environment() const;  // NAME=value: this node's ports, paths, name
  // rabbitmqctl, epmd and the like for this node, bounded by `timeout` (then stopped); output under
  // DIR/tools. Returns the exit code (-1: timed out) and, in `output`, what it printed.
  int run_tool(const std::vector<std::string>& argv, std::chrono::seconds timeout, std::string* output = nullptr) const;
  void wait_ready(std::chrono::seconds timeout);  // until an AMQP login (and the TLS port) works
  std::string dir_;
  int amqp_port_ = 0, amqps_port_ = 0, dist_port_ = 0, epmd_port_ = 0;
  std::string node_;
  bool owns_epmd_ = true;
  std::unique_ptr<process::ChildProcess> server_;  // rabbitmq-server (its beam and helpers share its group)
};

// A free TCP port on 127.0.0.1 (bound and released; the caller should use it promptly).
int free_loopback_port();
// True when an AMQP connection and login to 127.0.0.1:port as guest succeeds.
bool amqp_login_works(int port);

}  // namespace leakscope::scenarios
