#include "leakscope/scenarios/broker.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "leakscope/process/child_process.h"

namespace leakscope::scenarios {
namespace fs = std::filesystem;
using process::ChildOptions;
using process::ChildProcess;

namespace {

int unused_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    throw std::runtime_error("no free loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

// The kernel may hand a port just closed to the next bind: a cluster's nodes, booting in parallel in
// this process, once got the same one (a node then exited during start-up, its listener refused).
// So no port is handed out twice by one process.
int free_loopback_port() {
  static std::mutex mu;
  static std::set<int> handed_out;
  std::lock_guard lock(mu);
  for (int attempt = 0; attempt < 100; ++attempt) {
    int port = unused_loopback_port();
    if (handed_out.insert(port).second) return port;
  }
  throw std::runtime_error("no free loopback port not handed out already");
}

bool amqp_login_works(int port) {
  amqp_connection_state_t conn = amqp_new_connection();
  amqp_socket_t* socket = amqp_tcp_socket_new(conn);
  bool ok = false;
  timeval timeout{2, 0};
  if (socket && amqp_socket_open_noblock(socket, "127.0.0.1", port, &timeout) == AMQP_STATUS_OK) {
    amqp_rpc_reply_t r = amqp_login(conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, "guest", "guest");
    ok = r.reply_type == AMQP_RESPONSE_NORMAL;
    if (ok) amqp_connection_close(conn, AMQP_REPLY_SUCCESS);
  }
  amqp_destroy_connection(conn);
  return ok;
}

namespace {

// The TLS listener starts a moment after the plain one; a TCP connect is enough to know it is up.
bool accepts_connections(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

std::string tail_of(const fs::path& dir, size_t max_lines) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
    out += lines[i] + "\n";
  return out;
}

}  // namespace

Broker::Broker(const std::string& dir, std::chrono::seconds timeout) : Broker(dir, BrokerOptions{}, timeout) {}

Broker::Broker(const std::string& dir, const BrokerOptions& options, std::chrono::seconds timeout)
    : dir_(fs::absolute(dir).string()) {
  const BrokerTls& tls = options.tls;
  fs::create_directories(dir_ + "/mnesia");
  fs::create_directories(dir_ + "/log");
  amqp_port_ = free_loopback_port();
  dist_port_ = free_loopback_port();
  owns_epmd_ = options.shared_epmd_port == 0;
  epmd_port_ = owns_epmd_ ? free_loopback_port() : options.shared_epmd_port;
  if (!options.erlang_cookie.empty()) {  // HOME is dir_ for the node and its rabbitmqctl
    std::string cookie = dir_ + "/.erlang.cookie";
    std::ofstream(cookie) << options.erlang_cookie;
    fs::permissions(cookie, fs::perms::owner_read);  // Erlang refuses a cookie others can read
  }
  node_ = "leakscope" + std::to_string(amqp_port_) + "@localhost";
  std::ofstream(dir_ + "/enabled_plugins") << "[].\n";
  std::ofstream conf(dir_ + "/rabbitmq.conf");
  conf << "loopback_users = none\n"
       << "listeners.tcp.1 = 127.0.0.1:" << amqp_port_ << "\n"
       << "heartbeat = 10\n";
  if (!tls.cert_file.empty()) {
    amqps_port_ = free_loopback_port();
    conf << "listeners.ssl.1 = 127.0.0.1:" << amqps_port_ << "\n"
         << "ssl_options.cacertfile = " << fs::absolute(tls.ca_file).string() << "\n"
         << "ssl_options.certfile = " << fs::absolute(tls.cert_file).string() << "\n"
         << "ssl_options.keyfile = " << fs::absolute(tls.key_file).string() << "\n"
         << "ssl_options.verify = " << (tls.require_client_cert ? "verify_peer" : "verify_none") << "\n"
         << "ssl_options.fail_if_no_peer_cert = " << (tls.require_client_cert ? "true" : "false") << "\n";
  }
  conf.close();
  launch(timeout);
}

Broker::~Broker() {
  try {
    stop();
  } catch (...) {
  }
}

std::string Broker::amqp_url() const { return "amqp://guest:guest@127.0.0.1:" + std::to_string(amqp_port_) + "/"; }

std::string Broker::amqps_url(const std::string& host) const {
  if (!amqps_port_) throw std::logic_error("this broker has no TLS listener");
  return "amqps://guest:guest@" + host + ":" + std::to_string(amqps_port_) + "/";
}

std::vector<std::string> Broker::node_environment() const {
  return {"HOME=" + dir_,
          "RABBITMQ_NODENAME=" + node_,
          "RABBITMQ_NODE_PORT=" + std::to_string(amqp_port_),
          "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
          "ERL_EPMD_PORT=" + std::to_string(epmd_port_),
          "RABBITMQ_MNESIA_BASE=" + dir_ + "/mnesia",
          "RABBITMQ_LOG_BASE=" + dir_ + "/log",
          "RABBITMQ_CONFIG_FILE=" + dir_ + "/rabbitmq",
          "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins",
          "RABBITMQ_PID_FILE=" + dir_ + "/pid"};
}

int Broker::run_tool(const std::vector<std::string>& argv, std::chrono::seconds timeout, std::string* output) const {
  ChildProcess tool(argv, node_environment(), dir_ + "/tools");
  int rc = tool.wait_exit(timeout);
  if (rc == -1) tool.terminate();
  if (output) *output = tool.out() + tool.err();
  return rc;
}

void Broker::join_cluster(const Broker& seed, std::chrono::seconds timeout) {
  const std::string ctl = "/usr/lib/rabbitmq/bin/rabbitmqctl";
  for (const std::vector<std::string>& step :
       {std::vector<std::string>{ctl, "stop_app"}, std::vector<std::string>{ctl, "join_cluster", seed.node_name()},
        std::vector<std::string>{ctl, "start_app"}}) {
    std::string output;
    int rc = run_tool(step, timeout, &output);
    if (rc != 0)
      throw std::runtime_error(node_ + ": rabbitmqctl " + step[1] + " exited " + std::to_string(rc) + ":\n" + output);
  }
  wait_ready(timeout);
}

void Broker::kill() {
  if (!server_) return;
  server_->signal_group(SIGKILL);
  server_->wait_exit(std::chrono::seconds(10));
  server_.reset();
}

void Broker::launch(std::chrono::seconds timeout) {
  ChildOptions options;
  options.drop_inherited = {"RABBITMQ_", "HOME=", "ERL_"};  // only this node's settings reach it
  options.env = node_environment();
  // No busy-waiting Erlang schedulers: this broker shares a few cores with the clients under test,
  // and a spinning scheduler takes CPU they need (the usual setting for a co-located RabbitMQ).
  options.env.push_back("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+sbwt none +sbwtdcpu none +sbwtdio none");
  options.out_path = options.err_path = dir_ + "/log/server-stdout.log";
  options.append = true;  // a restart adds to the same log
  const std::string exe = "/usr/lib/rabbitmq/bin/rabbitmq-server";
  try {
    // Its own process group (ChildProcess gives every child one): one kill reaches beam and helpers.
    server_ = std::make_unique<ChildProcess>(std::vector<std::string>{exe}, options);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + " (is rabbitmq-server installed? run make deps)");
  }
  wait_ready(timeout);
}

void Broker::wait_ready(std::chrono::seconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (amqp_login_works(amqp_port_) && (!amqps_port_ || accepts_connections(amqps_port_))) return;
    if (!server_->running()) {
      server_.reset();
      throw std::runtime_error("rabbitmq-server exited during start-up:\n" + tail_of(dir_ + "/log", 20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  stop();
  throw std::runtime_error("rabbitmq-server did not accept AMQP logins within " + std::to_string(timeout.count()) +
                           " s:\n" + tail_of(dir_ + "/log", 20));
}

pid_t Broker::node_pid() const {
  std::ifstream in(dir_ + "/pid");
  long pid = -1;
  return in >> pid ? static_cast<pid_t>(pid) : -1;
}

void Broker::stop() {
  if (server_) {
    run_tool({"/usr/lib/rabbitmq/bin/rabbitmqctl", "-q", "stop"}, std::chrono::seconds(30));
    if (server_->wait_exit(std::chrono::seconds(20)) == -1) {
      server_->signal_group(SIGKILL);
      server_->wait_exit(std::chrono::seconds(10));
    }
    server_->signal_group(SIGKILL);  // stragglers in its group (erl_child_setup, inet_gethost)
    server_.reset();
  }
  if (epmd_port_ && owns_epmd_) run_tool({"/usr/bin/epmd", "-kill"}, std::chrono::seconds(10));
}

void Broker::restart(std::chrono::seconds timeout) {
  stop();
  launch(timeout);
}

}  // namespace leakscope::scenarios
