// Why: libcurl 7.88 hands each HTTP/2 frame to its own SSL_write, so every request's HEADERS and
// DATA frames and every WINDOW_UPDATE were a loopback send each, with the whole TCP transmit (and,
// on loopback, the receiver's softirq) behind it: the kernel's 32% of the relay's CPU. A corked
// socket (Linux TCP_CORK) only queues those writes; flush() after each curl_multi_perform round
// sends the round's frames as full segments, so nothing waits longer than that round.
#pragma once

#include <vector>

namespace leakscope::relay {

class CorkedSockets {
 public:
  // Corks `fd` until it is forgotten; false when the socket refuses (not TCP), leaving it as it was.
  bool cork(int fd);
  bool corked(int fd) const;
  // The socket is being closed: it is no longer flushed (its number may be reused).
  void forget(int fd);
  // Sends what every corked socket queued since the last flush; they stay corked. One setsockopt
  // per socket (TCP_NODELAY, which also leaves the socket with Nagle off, as libcurl sets it).
  void flush();

 private:
  std::vector<int> fds_;  // a few: one per multiplexed connection
};

}  // namespace leakscope::relay
