#include "leakscope/relay/corked_sockets.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

namespace leakscope::relay {
namespace {

bool set_cork(int fd, int on) { return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on) == 0; }

}  // namespace

bool CorkedSockets::cork(int fd) {
  if (corked(fd)) return true;
  if (!set_cork(fd, 1)) return false;
  fds_.push_back(fd);
  return true;
}

bool CorkedSockets::corked(int fd) const { return std::find(fds_.begin(), fds_.end(), fd) != fds_.end(); }

void CorkedSockets::forget(int fd) { fds_.erase(std::remove(fds_.begin(), fds_.end(), fd), fds_.end()); }

void CorkedSockets::flush() {
  // Setting TCP_NODELAY "forces an explicit flush of pending output, even if TCP_CORK is currently set"
  // (tcp(7)), and the socket stays corked: one call per round instead of uncork + cork (libcurl sets
  // TCP_NODELAY on its sockets anyway).
  int on = 1;
  for (int fd : fds_) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

}  // namespace leakscope::relay
