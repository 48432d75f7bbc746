#include "leakscope/profiler/preload_target.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace leakscope::profiler {

namespace {

// Programs that run another program and are not what anyone means to profile: coreutils and
// util-linux launchers, shells, privilege switchers and container init processes.
constexpr std::string_view kWrappers[] = {
    "timeout", "env",     "nohup", "nice",    "ionice",    "taskset",   "stdbuf",       "setsid",  "chrt",
    "numactl", "time",    "flock", "setpriv", "unshare",   "nsenter",   "chroot",       "prlimit", "xargs",
    "sh",      "bash",    "dash",  "zsh",     "ksh",       "mksh",      "busybox",      "sudo",    "runuser",
    "su",      "su-exec", "gosu",  "tini",    "dumb-init", "catatonit", "s6-setuidgid", "chpst"};

// The profiler's own variables (LEAKSCOPE_BINARY_PATH and the like belong to the CLI and stay).
constexpr const char* kProfilerVariables[] = {
    "LEAKSCOPE_DEBUG_ADDR",      "LEAKSCOPE_DEBUG_TOKEN",     "LEAKSCOPE_SNAPSHOT_DIR",  "LEAKSCOPE_SNAPSHOT_INTERVAL",
    "LEAKSCOPE_SNAPSHOT_GROWTH", "LEAKSCOPE_SNAPSHOT_RETAIN", "LEAKSCOPE_SNAPSHOT_NAME", "LEAKSCOPE_LG_SAMPLE",
    "LEAKSCOPE_FAST_UNWIND",     "LEAKSCOPE_PROFILE",         "LEAKSCOPE_PROGRAM",       "LEAKSCOPE_PROFILE_CHILDREN"};

constexpr size_t kCommLength = 15;  // TASK_COMM_LEN - 1: the kernel truncates comm to this

}  // namespace

bool is_known_wrapper(std::string_view exe_name) {
  return std::find(std::begin(kWrappers), std::end(kWrappers), exe_name) != std::end(kWrappers);
}

bool is_preload_target(std::string_view exe_name, std::string_view comm, const char* wanted) {
  if (wanted && *wanted) {
    std::string_view w(wanted);
    return exe_name == w || (!comm.empty() && comm == w.substr(0, kCommLength));
  }
  return !is_known_wrapper(exe_name);
}

std::string own_exe_name() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.filename().string();
}

std::string own_comm() {
  std::ifstream in("/proc/self/comm");
  std::string comm;
  std::getline(in, comm);
  return comm;
}

std::string ld_preload_without(std::string_view list, std::string_view library) {
  std::string out;
  size_t i = 0;
  while (i < list.size()) {
    size_t end = list.find_first_of(": ", i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view entry = list.substr(i, end - i);
    std::string_view name = entry.substr(entry.rfind('/') == std::string_view::npos ? 0 : entry.rfind('/') + 1);
    if (!entry.empty() && name != library) {
      if (!out.empty()) out += ':';
      out += entry;
    }
    i = end + 1;
  }
  return out;
}

void keep_children_unprofiled(std::string_view library) {
  const char* keep = std::getenv("LEAKSCOPE_PROFILE_CHILDREN");
  if (keep && std::string_view(keep) == "1") return;
  for (const char* v : kProfilerVariables) ::unsetenv(v);
  if (const char* preload = std::getenv("LD_PRELOAD")) {
    std::string rest = ld_preload_without(preload, library);
    if (rest.empty())
      ::unsetenv("LD_PRELOAD");
    else
      ::setenv("LD_PRELOAD", rest.c_str(), 1);
  }
}

}  // namespace leakscope::profiler
