#include "accepted_socket.h"

#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <charconv>
#include <string_view>

namespace leakscope::http {

int local_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return -1;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return -1;
}

namespace {
// Whether `fd` is an accepted socket on `port` not in `watched`; its inode in `inode` if so.
bool is_unwatched_accepted(int fd, int port, const std::set<ino_t>& watched, ino_t& inode) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode) || watched.count(st.st_ino)) return false;
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) return false;
  if (local_port(fd) != port) return false;
  inode = st.st_ino;
  return true;
}

int scan_all_descriptors(int port, const std::set<ino_t>& watched, ino_t& inode) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int found = -1;
  while (const dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    int fd = -1;
    auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec != std::errc() || end != name.data() + name.size() || fd == ::dirfd(dir)) continue;
    ino_t candidate = 0;
    if (!is_unwatched_accepted(fd, port, watched, candidate) || (found >= 0 && candidate < inode)) continue;
    found = fd;
    inode = candidate;
  }
  ::closedir(dir);
  return found;
}
}  // namespace

int find_accepted_socket(int port, const std::set<ino_t>& watched, int hint, ino_t& inode) {
  for (int distance = 0; hint >= 0 && distance <= kNearby; ++distance) {
    if (is_unwatched_accepted(hint + distance, port, watched, inode)) return hint + distance;
    int below = hint - distance;
    if (distance > 0 && below >= 0 && is_unwatched_accepted(below, port, watched, inode)) return below;
  }
  return scan_all_descriptors(port, watched, inode);
}

}  // namespace leakscope::http
