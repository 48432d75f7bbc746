// A private RabbitMQ broker for tests and scenarios: Debian's rabbitmq-server started on free
// loopback ports with its own data, log and cookie directory, ready once an AMQP login works, and
// stopped (with its epmd) when the object dies. No system service is involved.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace leakscope::scenarios {

class Broker {
 public:
  // Starts a broker with its state under `dir` (created). Throws std::runtime_error with the
  // broker's last log lines when it does not come up within `timeout`.
  explicit Broker(const std::string& dir, std::chrono::seconds timeout = std::chrono::seconds(90));
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  int amqp_port() const { return amqp_port_; }
  std::string amqp_url() const;  // amqp://guest:guest@127.0.0.1:PORT/
  // Stops and starts the same node (same ports and data: durable queues survive).
  void restart(std::chrono::seconds timeout = std::chrono::seconds(90));
  void stop();
  bool running() const { return pid_ > 0; }
  // The Erlang VM's pid (from its pid file), e.g. to account its CPU; -1 when not known.
  pid_t node_pid() const;

 private:
  void launch(std::chrono::seconds timeout);
  std::string env_prefix() const;
  std::string dir_;
  int amqp_port_ = 0, dist_port_ = 0, epmd_port_ = 0;
  std::string node_;
  pid_t pid_ = -1;
};

// A free TCP port on 127.0.0.1 (bound and released; the caller should use it promptly).
int free_loopback_port();
// True when an AMQP connection and login to 127.0.0.1:port as guest succeeds.
bool amqp_login_works(int port);

}  // namespace leakscope::scenarios
