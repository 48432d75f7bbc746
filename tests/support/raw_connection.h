// A plain TCP client on loopback for tests that must misbehave in ways an HTTP client will not:
// trickle bytes, hold a connection open without a request, read a raw response.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace leakscope::test {

class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == ssize_t(bytes.size());
  }
  // True when the server closed (or reset) the connection within `wait`; `received` gets what it sent.
  bool closed_by_server(std::chrono::milliseconds wait, std::string* received = nullptr) {
    std::string ignored;
    std::string& got = received ? *received : ignored;
    auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      int r = receive_some(got);
      if (r < 0) return true;
      if (r == 0 && std::chrono::steady_clock::now() >= until) return false;
    }
  }
  // Takes what has already arrived, without waiting: -1 once the server has closed, else the bytes read.
  int receive_now(std::string& got) { return receive_some(got, 0); }
  int fd() const { return fd_; }
  // Reads until `marker` arrives; false when the server closes first or time runs out.
  bool read_until(const std::string& marker, std::chrono::milliseconds wait, std::string& got) {
    auto until = std::chrono::steady_clock::now() + wait;
    while (got.find(marker) == std::string::npos) {
      if (receive_some(got) < 0 || std::chrono::steady_clock::now() >= until) return false;
    }
    return true;
  }

 private:
  // Waits up to `wait_ms` for bytes: -1 when the connection is closed, else how many arrived.
  int receive_some(std::string& got, int wait_ms = 50) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) <= 0) return 0;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return -1;
    got.append(buf, static_cast<size_t>(n));
    return static_cast<int>(n);
  }

  int fd_;
  bool connected_ = false;
};

using RawConnections = std::vector<std::unique_ptr<RawConnection>>;

// Connections the kernel has completed for the listener on 127.0.0.1:`port` that it has not yet
// accept()ed (the LISTEN line's rx_queue in /proc/net/tcp); -1 when no such listener is found.
inline int accept_queue_length(int port) {
  std::ifstream tcp("/proc/net/tcp");
  char want[32];
  std::snprintf(want, sizeof want, "0100007F:%04X", port);
  for (std::string line; std::getline(tcp, line);) {
    std::istringstream in(line);
    std::string slot, local, remote, state, queues;
    if (!(in >> slot >> local >> remote >> state >> queues) || local != want || state != "0A") continue;
    return static_cast<int>(std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16));
  }
  return -1;
}

// Opens `n` connections in order, each once the server has accepted the one before. A burst would
// overflow cpp-httplib's listen backlog (5) whenever the listener is slow to run: the kernel then drops
// the SYN and the client retries a second or more later, so on a loaded machine opening 64 took 9 s
// and the first ones met their header deadline before the last were accepted.
inline RawConnections open_connections(int port, int n) {
  RawConnections c;
  for (int i = 0; i < n; ++i) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (accept_queue_length(port) > 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    c.push_back(std::make_unique<RawConnection>(port));
  }
  return c;
}
inline bool all_connected(const RawConnections& c) {
  for (const auto& x : c)
    if (!x->connected()) return false;
  return true;
}

// Slowloris: sends `request` one byte per connection every `tick`, for at most `ticks` ticks or until
// the server has closed every connection. Returns how many are still open.
inline size_t trickle_until_cut(RawConnections& slow, const std::string& request, int ticks,
                                std::chrono::milliseconds tick) {
  std::vector<bool> cut(slow.size(), false);
  size_t still_open = slow.size();
  for (int t = 0; t < ticks && still_open > 0; ++t) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (cut[i]) continue;
      if (slow[i]->closed_by_server(std::chrono::milliseconds(0)) ||
          !slow[i]->send(std::string(1, request[t % request.size()]))) {
        cut[i] = true;
        --still_open;
      }
    }
    std::this_thread::sleep_for(tick);
  }
  return still_open;
}

struct SlowlorisOutcome {
  size_t still_open = 0;                // tricklers the server never cut off
  bool served_while_trickling = false;  // a normal GET got its 200 before the trickling ended
};
// `slow` trickle `request` (see trickle_until_cut) while a normal client GETs `path`.
inline SlowlorisOutcome slowloris(int port, RawConnections& slow, const std::string& request, const std::string& path,
                                  int ticks, std::chrono::milliseconds tick) {
  std::atomic<bool> trickling{true};
  auto normal = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the tricklers hold the workers first
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    auto r = c.Get(path.c_str());
    return r && r->status == 200 && trickling.load();
  });
  SlowlorisOutcome out;
  out.still_open = trickle_until_cut(slow, request, ticks, tick);
  out.served_while_trickling = normal.get();
  trickling = false;
  return out;
}

// After a flood: the status of GET `path` once the server has let go of the closed connections
// (they free their slots as their workers notice, so early tries may still be 503). At most `wait`.
inline int status_once_freed(int port, const std::string& path, std::chrono::milliseconds wait) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(15, 0);
  int status = 0;
  for (auto until = std::chrono::steady_clock::now() + wait; std::chrono::steady_clock::now() < until;) {
    auto r = c.Get(path.c_str());
    status = r ? r->status : 0;
    if (status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return status;
}

// How many of `connections` the server answered with a 503 (it closes them after). Reads them all
// side by side until `expected` have been turned away, every connection is closed, or `bound` passes:
// a loaded machine only makes it wait longer, never miscount. Connections the server holds open would
// keep it waiting until their deadlines, hence `expected`; answers beyond it count when they have
// arrived by then (a server turning away too many sends them all in the same instant).
inline int count_turned_away(RawConnections& connections, int expected, std::chrono::milliseconds bound) {
  std::vector<std::string> got(connections.size());
  std::vector<bool> closed(connections.size(), false);
  auto turned_away = [&] {
    int n = 0;
    for (const auto& g : got) n += g.rfind("HTTP/1.1 503", 0) == 0;
    return n;
  };
  auto read_ready = [&](int wait_ms) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < connections.size(); ++i)
      if (!closed[i]) fds.push_back({connections[i]->fd(), POLLIN, 0}), which.push_back(i);
    if (fds.empty() || ::poll(fds.data(), fds.size(), wait_ms) <= 0) return;
    for (size_t k = 0; k < fds.size(); ++k)
      if (fds[k].revents) closed[which[k]] = connections[which[k]]->receive_now(got[which[k]]) < 0;
  };
  auto until = std::chrono::steady_clock::now() + bound;
  while (turned_away() < expected && std::chrono::steady_clock::now() < until &&
         std::find(closed.begin(), closed.end(), false) != closed.end())
    read_ready(50);
  read_ready(0);
  return turned_away();
}

}  // namespace leakscope::test
