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
  // Clearing TCP_CORK pushes the queued bytes out at once (tcp(7)); setting it again starts the next round.
  for (int fd : fds_) {
    set_cork(fd, 0);
    set_cork(fd, 1);
  }
}

}  // namespace leakscope::relay
