#include "leakscope/http/listen.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "accepted_socket.h"
#include "leakscope/http/guarded_server.h"

namespace leakscope::http {

namespace {

constexpr int kListenBacklog = 128;

std::string lowercase_first(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

// Binds and listens on the first of host's addresses that takes it, as cpp-httplib does; -1 and
// the reason of the last failure otherwise.
int open_listener(const std::string& host, int port, std::string& reason) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    reason = lowercase_first(::gai_strerror(rc));
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      reason = lowercase_first(std::strerror(errno));
      continue;
    }
    set_listener_socket_options(fd);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, kListenBacklog) != 0) {
      reason = lowercase_first(std::strerror(errno));
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

std::runtime_error cannot_listen(const std::string& address, const std::string& what, const std::string& reason) {
  return std::runtime_error("cannot listen on " + address + " for " + what + ": " + reason);
}

}  // namespace

bool split_host_port(const std::string& addr, std::string& host, int& port) {
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos) return false;
  host = addr.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = addr.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  return !host.empty() && ec == std::errc() && end == p.data() + p.size() && port >= 0 && port <= 65535;
}

void set_listener_socket_options(int fd) {
  int yes = 1, no = 0;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &no, sizeof no);
}

int listen_tcp(const std::string& address, const std::string& what, int& port) {
  std::string host;
  if (!split_host_port(address, host, port))
    throw std::runtime_error(what + " address '" + address + "' is not host:port");
  std::string reason;
  int fd = open_listener(host, port, reason);
  if (fd < 0) throw cannot_listen(address, what, reason);
  port = local_port(fd);
  return fd;
}

int bind_http_server(httplib::Server& server, const std::string& address, const std::string& what) {
  std::string host;
  int port = 0;
  if (!split_host_port(address, host, port))
    throw std::runtime_error(what + " address '" + address + "' is not host:port");
  server.set_tcp_nodelay(true);  // headers and body go out as separate writes: no Nagle stall
  // A guarded server finds its accepted sockets by the listener's port; cpp-httplib has no getter
  // for the options hook it installed, so it is installed again here.
  auto* guarded = dynamic_cast<GuardedHttpServer*>(&server);
  auto options = [guarded](int fd) {
    set_listener_socket_options(fd);
    if (guarded) guarded->set_listener(fd);
  };
  int listener = -1;  // the socket cpp-httplib binds is the last one it hands to the options callback
  server.set_socket_options([&listener, &options](int fd) {
    options(fd);
    listener = fd;
  });
  int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  server.set_socket_options(options);  // `listener` goes out of scope
  if (bound >= 0) {
    // cpp-httplib 0.11 listens with a backlog of 5. A client opening connections in a burst (the
    // relay opens up to --max-inflight to fake-fcm) overflows it; the kernel then drops handshakes,
    // and those requests stall for seconds in TCP retransmits. listen() again only resizes the queue.
    ::listen(listener, kListenBacklog);
    return bound;
  }
  // cpp-httplib says only that it failed; the same bind on a socket of our own says why.
  std::string reason;
  int probe = open_listener(host, port, reason);
  if (probe >= 0) {
    ::close(probe);
    reason = "bind failed";
  }
  throw cannot_listen(address, what, reason);
}

}  // namespace leakscope::http
