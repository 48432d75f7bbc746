#include "leakscope/http/guarded_server.h"
#include "leakscope/http/listen.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string_view>

// cpp-httplib 0.11.4 (Debian 12) keeps Server::process_and_close_socket private, so an override
// cannot name the base version; its exported symbol is called instead. The symbol is resolved at
// link time: another cpp-httplib build without it fails to link rather than misbehave.
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4", "check the process_and_close_socket symbol below");
bool httplib_base_process_and_close_socket(httplib::Server* server, int sock) __asm__(
    "_ZN7httplib6Server24process_and_close_socketEi");

namespace leakscope::http {

namespace {

using Clock = std::chrono::steady_clock;

// The connection this worker thread is serving (set for the length of process_and_close_socket).
struct CurrentConnection {
  GuardedHttpServer* server = nullptr;
  uint64_t id = 0;
};
thread_local CurrentConnection t_current;
// Set on the listener thread while a connection over the bound is being turned away.
thread_local bool t_refusing = false;
// When the connection a worker is about to serve was accepted: its header deadline counts from
// there, time spent waiting for a worker included.
thread_local Clock::time_point t_accepted_at;

class GuardedTaskQueue : public httplib::TaskQueue {
 public:
  GuardedTaskQueue(size_t threads, std::function<bool()> admit, std::function<void()> on_worker_start)
      : pool_(threads), admit_(std::move(admit)), on_worker_start_(std::move(on_worker_start)) {}

  void enqueue(std::function<void()> fn) override {
    if (!admit_()) {
      // fn would wait in the queue; run it here instead, where process_and_close_socket sees
      // t_refusing and answers 503 without reading.
      t_refusing = true;
      fn();
      t_refusing = false;
      return;
    }
    pool_.enqueue([this, fn = std::move(fn), accepted_at = Clock::now()] {
      if (on_worker_start_) on_worker_start_();
      t_accepted_at = accepted_at;
      fn();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
  std::function<bool()> admit_;
  std::function<void()> on_worker_start_;
};

}  // namespace

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits, std::function<void()> on_worker_start)
    : limits_(limits) {
  new_task_queue = [this, on_worker_start] {
    return new GuardedTaskQueue(limits_.worker_threads, [this] { return admit(); }, on_worker_start);
  };
  set_pre_routing_handler(nullptr);
  set_logger(nullptr);
  set_socket_options(set_listener_socket_options);  // however it is bound, it never shares its port
}

GuardedHttpServer::~GuardedHttpServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

GuardedHttpServer& GuardedHttpServer::set_pre_routing_handler(HandlerWithResponse handler) {
  user_pre_routing_ = std::move(handler);
  httplib::Server::set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    set_deadline(limits_.handler_allowance);  // the headers are in
    return user_pre_routing_ ? user_pre_routing_(req, res) : HandlerResponse::Unhandled;
  });
  return *this;
}

GuardedHttpServer& GuardedHttpServer::set_logger(httplib::Logger logger) {
  user_logger_ = std::move(logger);
  // cpp-httplib calls the logger once the response is written: the next request on this keep-alive
  // connection gets a fresh header deadline.
  httplib::Server::set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    set_deadline(limits_.header_deadline);
    if (user_logger_) user_logger_(req, res);
  });
  return *this;
}

void GuardedHttpServer::extend_allowance(std::chrono::milliseconds extra) {
  auto& c = t_current;
  if (!c.server) return;
  std::lock_guard lock(c.server->mu_);
  auto it = c.server->connections_.find(c.id);
  if (it != c.server->connections_.end()) it->second.deadline += extra;
}

void GuardedHttpServer::set_deadline(std::chrono::milliseconds from_now) {
  auto& c = t_current;
  if (!c.server) return;
  std::lock_guard lock(c.server->mu_);
  auto it = c.server->connections_.find(c.id);
  if (it != c.server->connections_.end()) it->second.deadline = Clock::now() + from_now;
}

bool GuardedHttpServer::admit() {
  std::lock_guard lock(mu_);
  if (connections_.size() + waiting_ >= limits_.max_connections) return false;
  ++waiting_;
  return true;
}

void GuardedHttpServer::refuse(socket_t sock) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
      "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n";
  // Never block the listener on a client that does not read.
  (void)!::send(sock, kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

bool GuardedHttpServer::process_and_close_socket(socket_t sock) {
  if (t_refusing) {
    refuse(sock);
    return false;
  }
  // The watchdog shuts the connection down through its own descriptor: the worker closes `sock`
  // whenever it likes, and the number may be reused at once by some other open().
  int watch_fd = ::fcntl(sock, F_DUPFD_CLOEXEC, 0);
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    --waiting_;
    if (watch_fd >= 0) {
      id = ++next_id_;
      connections_[id] = Connection{watch_fd, t_accepted_at + limits_.header_deadline};
    }
  }
  if (watch_fd < 0) {  // out of descriptors: the same answer as over the bound
    refuse(sock);
    return false;
  }
  t_current = {this, id};
  bool ok = httplib_base_process_and_close_socket(this, sock);
  t_current = {};
  std::lock_guard lock(mu_);
  ::close(watch_fd);
  connections_.erase(id);
  return ok;
}

void GuardedHttpServer::start_watchdog() {
  std::lock_guard lock(mu_);
  if (watchdog_.joinable()) return;
  watchdog_ = std::thread([this] { watch(); });
}

void GuardedHttpServer::watch() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = Clock::now();
    for (auto& [id, c] : connections_) {
      if (c.deadline > now) continue;
      ::shutdown(c.watch_fd, SHUT_RDWR);  // the worker's read or write fails; it closes and moves on
      c.deadline = Clock::time_point::max();
    }
    wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping_; });
  }
}


}  // namespace leakscope::http
