#include "leakscope/http/guarded_server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string_view>
#include <utility>

#include "accepted_socket.h"
#include "leakscope/http/listen.h"

namespace leakscope::http {

namespace {

using Clock = std::chrono::steady_clock;

// The connection this worker thread is serving (set for the length of cpp-httplib's closure).
struct CurrentConnection {
  GuardedHttpServer* server = nullptr;
  uint64_t id = 0;
};
thread_local CurrentConnection t_current;

}  // namespace

// cpp-httplib creates it on the listener thread and calls enqueue() right after each accept().
class GuardedHttpServer::GuardedTaskQueue : public httplib::TaskQueue {
 public:
  GuardedTaskQueue(GuardedHttpServer& server, size_t threads, std::function<void()> on_worker_start)
      : server_(server), pool_(threads), on_worker_start_(std::move(on_worker_start)) {}

  // cpp-httplib 0.11 declares `void enqueue`, later versions `bool enqueue` (false: it closes the socket);
  // this queue serves or refuses every connection itself, so it always succeeds.
  using EnqueueResult = decltype(std::declval<httplib::TaskQueue&>().enqueue(std::function<void()>{}));
  EnqueueResult enqueue(std::function<void()> fn) override {
    server_.accepted(std::move(fn), pool_, on_worker_start_);
    return static_cast<EnqueueResult>(true);  // void(true) under 0.11
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  GuardedHttpServer& server_;
  httplib::ThreadPool pool_;
  std::function<void()> on_worker_start_;
};

GuardedHttpServer::GuardedHttpServer(ConnectionLimits limits, std::function<void()> on_worker_start) : limits_(limits) {
  new_task_queue = [this, on_worker_start] {
    return new GuardedTaskQueue(*this, limits_.worker_threads, on_worker_start);
  };
  set_pre_routing_handler(nullptr);
  set_logger(nullptr);
  // However it is bound, it never shares its port, and it knows the socket it listens on.
  set_socket_options([this](int fd) {
    set_listener_socket_options(fd);
    set_listener(fd);
  });
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

void GuardedHttpServer::set_listener(int listening_fd) { listener_fd_ = listening_fd; }

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

void GuardedHttpServer::refuse(int sock) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
      "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n";
  // Never block the listener on a client that does not read.
  (void)!::send(sock, kBusy.data(), kBusy.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(sock, SHUT_RDWR);
}

void GuardedHttpServer::accepted(std::function<void()> serve, httplib::TaskQueue& pool,
                                 const std::function<void()>& on_worker_start) {
  std::unique_lock lock(mu_);
  std::set<ino_t> watched;
  for (const auto& [id, c] : connections_) watched.insert(c.inode);
  ino_t inode = 0;
  int sock = find_accepted_socket(local_port(listener_fd_), watched, last_accepted_fd_, inode);
  if (sock >= 0) last_accepted_fd_ = sock;
  if (sock < 0) {
    // Not found: closed under cpp-httplib's feet, or bound past both hooks that name the listener.
    // Nothing to watch or refuse; served as plain cpp-httplib would.
    lock.unlock();
    pool.enqueue([serve = std::move(serve), on_worker_start] {
      if (on_worker_start) on_worker_start();
      serve();
    });
    return;
  }
  // The watchdog shuts the connection down through its own descriptor: the worker closes `sock`
  // whenever it likes, and the number may be reused at once by some other open().
  int watch_fd = connections_.size() < limits_.max_connections ? ::fcntl(sock, F_DUPFD_CLOEXEC, 0) : -1;
  if (watch_fd < 0) {  // over the bound, or out of descriptors
    lock.unlock();
    refuse(sock);
    serve();  // cpp-httplib reads the end of the stream at once, and closes the socket
    return;
  }
  uint64_t id = ++next_id_;
  connections_[id] = Connection{watch_fd, inode, Clock::now() + limits_.header_deadline};
  lock.unlock();
  pool.enqueue([this, id, serve = std::move(serve), on_worker_start] {
    if (on_worker_start) on_worker_start();
    t_current = {this, id};
    serve();
    t_current = {};
    forget(id);
  });
}

void GuardedHttpServer::forget(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  ::close(it->second.watch_fd);
  connections_.erase(it);
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
