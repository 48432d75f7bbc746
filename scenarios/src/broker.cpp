#include "leakscope/scenarios/broker.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace leakscope::scenarios {
namespace fs = std::filesystem;

int free_loopback_port() {
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

std::string tail_of(const fs::path& dir, size_t max_lines) {
  std::vector<std::string> lines;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  std::string out;
  for (size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

}  // namespace

Broker::Broker(const std::string& dir, std::chrono::seconds timeout) : dir_(fs::absolute(dir).string()) {
  fs::create_directories(dir_ + "/mnesia");
  fs::create_directories(dir_ + "/log");
  amqp_port_ = free_loopback_port();
  dist_port_ = free_loopback_port();
  epmd_port_ = free_loopback_port();
  node_ = "leakscope" + std::to_string(amqp_port_) + "@localhost";
  std::ofstream(dir_ + "/enabled_plugins") << "[].\n";
  std::ofstream(dir_ + "/rabbitmq.conf") << "loopback_users = none\n"
                                         << "listeners.tcp.1 = 127.0.0.1:" << amqp_port_ << "\n"
                                         << "heartbeat = 10\n";
  launch(timeout);
}

Broker::~Broker() {
  try {
    stop();
  } catch (...) {
  }
}

std::string Broker::amqp_url() const { return "amqp://guest:guest@127.0.0.1:" + std::to_string(amqp_port_) + "/"; }

std::string Broker::env_prefix() const {
  return "HOME=" + dir_ + " RABBITMQ_NODENAME=" + node_ + " RABBITMQ_NODE_PORT=" + std::to_string(amqp_port_) +
         " RABBITMQ_DIST_PORT=" + std::to_string(dist_port_) + " ERL_EPMD_PORT=" + std::to_string(epmd_port_) +
         " RABBITMQ_MNESIA_BASE=" + dir_ + "/mnesia RABBITMQ_LOG_BASE=" + dir_ + "/log RABBITMQ_CONFIG_FILE=" + dir_ +
         "/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins RABBITMQ_PID_FILE=" + dir_ + "/pid";
}

void Broker::launch(std::chrono::seconds timeout) {
  // The environment the broker (and rabbitmqctl) use, as NAME=value strings.
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("RABBITMQ_", 0) != 0 && kv.rfind("HOME=", 0) != 0 && kv.rfind("ERL_", 0) != 0) env.push_back(kv);
  }
  std::istringstream words(env_prefix());
  for (std::string w; words >> w;) env.push_back(w);
  // No busy-waiting Erlang schedulers: this broker shares a few cores with the clients under test,
  // and a spinning scheduler takes CPU they need (the usual setting for a co-located RabbitMQ).
  env.push_back("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=+sbwt none +sbwtdcpu none +sbwtdio none");
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = "/usr/lib/rabbitmq/bin/rabbitmq-server";
  std::vector<char*> argv{exe.data(), nullptr};
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // its own group: one kill reaches beam and helpers
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string out = dir_ + "/log/server-stdout.log";
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawn(&pid_, exe.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + exe + " (is rabbitmq-server installed? run make deps)");
  }
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (amqp_login_works(amqp_port_)) return;
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
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
  if (pid_ > 0) {
    std::string ctl = env_prefix() + " /usr/lib/rabbitmq/bin/rabbitmqctl -q stop >/dev/null 2>&1";
    int rc = std::system(ctl.c_str());
    (void)rc;
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    int status;
    while (waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() >= end) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill(-pid_, SIGKILL);  // stragglers in its group (erl_child_setup, inet_gethost)
    pid_ = -1;
  }
  if (epmd_port_) {
    std::string kill_epmd = "ERL_EPMD_PORT=" + std::to_string(epmd_port_) + " /usr/bin/epmd -kill >/dev/null 2>&1";
    int rc = std::system(kill_epmd.c_str());
    (void)rc;
  }
}

void Broker::restart(std::chrono::seconds timeout) {
  stop();
  launch(timeout);
}

}  // namespace leakscope::scenarios
