// The whole content of a file descriptor (a memfd, a dump file), read from offset 0 with pread so the
// descriptor's own offset is left alone — the profiler's dumps and the helper's outputs are read this way.
#pragma once

#include <optional>
#include <string>

namespace leakscope::profiler {

// Everything from offset 0 to end of file; nullopt when the descriptor cannot be read.
std::optional<std::string> read_whole_fd(int fd);

}  // namespace leakscope::profiler
