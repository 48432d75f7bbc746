#include "leakscope/profiler/fd_contents.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace leakscope::profiler {

std::optional<std::string> read_whole_fd(int fd) {
  struct stat st {};
  if (fd < 0 || fstat(fd, &st) != 0) return std::nullopt;
  // The size is a first guess only: pread may return less, and a file still being written may grow.
  std::string s(st.st_size > 0 ? static_cast<size_t>(st.st_size) : 4096, '\0');
  size_t done = 0;
  for (;;) {
    if (done == s.size()) s.resize(s.size() * 2);
    ssize_t n = pread(fd, s.data() + done, s.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  s.resize(done);
  return s;
}

}  // namespace leakscope::profiler
