// A cpp-httplib server that bounds what one client can hold: each request's line and headers must
// arrive within a deadline (a client trickling a byte every few seconds passes every per-read
// timeout, so cpp-httplib alone lets it hold a worker for ever), a handler gets a time allowance of
// its own, and connections beyond a bound are answered 503 at once instead of queueing.
//
// Built on cpp-httplib's public hooks only (new_task_queue, the pre-routing handler, the logger, the
// socket options), so a new cpp-httplib does not break it: the task queue, on the listener thread
// right after each accept(), finds the new socket (accepted_socket.h), refuses it or registers it; a
// watchdog thread shuts down (shutdown(2), through a private dup of the socket, so a reused fd number
// is never touched) every connection past its deadline; the worker then sees the socket closed and
// moves on.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace leakscope::http {

struct ConnectionLimits {
  std::chrono::milliseconds header_deadline{10'000};    // request line + headers, from accept or last response
  std::chrono::milliseconds handler_allowance{60'000};  // from headers read to response written
  size_t max_connections = 32;                          // being served or waiting for a worker
  size_t worker_threads = 4;
};

class GuardedHttpServer : public httplib::Server {
 public:
  // `on_worker_start` runs first on each worker thread (the profiler turns sampling off there).
  explicit GuardedHttpServer(ConnectionLimits limits = {}, std::function<void()> on_worker_start = {});
  ~GuardedHttpServer() override;

  // The deadlines hang on these two hooks, so they replace cpp-httplib's own setters of the same name:
  // `handler` still runs first thing for each request whose headers are in.
  GuardedHttpServer& set_pre_routing_handler(HandlerWithResponse handler);
  GuardedHttpServer& set_logger(httplib::Logger logger);

  // A handler that waits on purpose (?seconds=N) extends its own allowance.
  static void extend_allowance(std::chrono::milliseconds extra);

  // Starts the watchdog; call before listen_after_bind(). Stopped by the destructor.
  void start_watchdog();

  // The socket cpp-httplib listens on, whose port the accepted sockets are found by. Set by the socket
  // options hook when cpp-httplib's own bind calls are used; bind_http_server (which installs its own
  // hook) calls it.
  void set_listener(int listening_fd);

 private:
  class GuardedTaskQueue;

  struct Connection {
    int watch_fd = -1;  // our dup of the socket
    ino_t inode = 0;    // how the socket is told apart from a later one with the same number
    std::chrono::steady_clock::time_point deadline;
  };

  // On the listener thread, for each accepted connection: refuse it, or hand `serve` (cpp-httplib's
  // closure for the socket) to `pool` with the connection watched.
  void accepted(std::function<void()> serve, httplib::TaskQueue& pool, const std::function<void()>& on_worker_start);
  static void refuse(int sock);
  static void set_deadline(std::chrono::milliseconds from_now);
  void forget(uint64_t id);
  void watch();

  ConnectionLimits limits_;
  std::atomic<int> listener_fd_{-1};
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<uint64_t, Connection> connections_;  // accepted and not yet closed, served or waiting
  uint64_t next_id_ = 0;
  int last_accepted_fd_ = -1;  // where the next accepted socket is looked for first
  std::thread watchdog_;
  HandlerWithResponse user_pre_routing_;
  httplib::Logger user_logger_;
};

}  // namespace leakscope::http
