#include "symbolizer_helper.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "leakscope/profiler/fd_contents.h"

extern char** environ;

namespace leakscope::profiler {
namespace fs = std::filesystem;
namespace {

constexpr int kDumpFd = 3, kBaseFd = 4, kOutFd = 5;

bool executable(const fs::path& p) { return ::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p); }

// Variables that would make the helper a profiled service itself, or change its allocator.
bool kept_for_helper(const char* entry) {
  for (const char* drop : {"LD_PRELOAD=", "MALLOC_CONF=", "LEAKSCOPE_"})
    if (std::strncmp(entry, drop, std::strlen(drop)) == 0)
      return std::strncmp(entry, "LEAKSCOPE_BINARY_PATH=", 22) == 0 ||
             std::strncmp(entry, "LEAKSCOPE_MAX_INPUT_BYTES=", 26) == 0;
  return true;
}

// High, close-on-exec copies, so the spawn's dup2s to 3..5 cannot overwrite one another's source.
int high_copy(int fd) { return fd < 0 ? -1 : fcntl(fd, F_DUPFD_CLOEXEC, 64); }

// Waits for the child until the deadline; false (child killed) past it.
bool wait_child(pid_t pid, std::chrono::milliseconds deadline, int& status) {
  auto end = std::chrono::steady_clock::now() + deadline;
  auto pause = std::chrono::microseconds(500);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {  // reaped by someone else (SIGCHLD ignored, or a reaper thread)
      status = -1;
      return true;
    }
    if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return false;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(20000));
  }
}

}  // namespace

std::string find_symbolizer_helper() {
  if (const char* v = std::getenv("LEAKSCOPE_SYMBOLIZER"); v && *v)
    return std::string(v) == "off" || !executable(v) ? "" : v;
  std::vector<fs::path> dirs;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&find_symbolizer_helper), &info) && info.dli_fname && *info.dli_fname)
    dirs.push_back(fs::path(info.dli_fname).parent_path());
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(exe.parent_path());
  for (const auto& d : dirs)
    for (const fs::path& candidate : {d / "leakscope", d / ".." / "bin" / "leakscope"})
      if (executable(candidate)) return fs::weakly_canonical(candidate, ec).string();
  if (const char* path = std::getenv("PATH"))
    for (std::string_view rest = path; !rest.empty();) {
      auto colon = rest.find(':');
      fs::path candidate = fs::path(std::string(rest.substr(0, colon))) / "leakscope";
      if (!candidate.parent_path().empty() && executable(candidate)) return candidate.string();
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  return "";
}

HelperRun run_symbolizer_helper(const std::string& helper, const HelperFiles& files,
                                const std::vector<std::string>& extra_args, std::chrono::milliseconds deadline) {
  HelperRun run;
  std::vector<std::string> args = {helper, "symbolize-snapshot", "/proc/self/fd/" + std::to_string(kDumpFd)};
  if (files.base >= 0) args.insert(args.end(), {"--base", "/proc/self/fd/" + std::to_string(kBaseFd)});
  args.insert(args.end(), {"--out-fd", std::to_string(kOutFd)});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; e && *e; ++e)
    if (kept_for_helper(*e)) envp.push_back(*e);
  envp.push_back(nullptr);

  int out_summary = memfd_create("leakscope-helper-stdout", MFD_CLOEXEC);
  int out_errors = memfd_create("leakscope-helper-stderr", MFD_CLOEXEC);
  int dump = high_copy(files.dump), base = high_copy(files.base), out = high_copy(files.out);
  // Not process::ChildProcess: this spawn runs inside the profiled service, so it hands memfds to fds 3..5,
  // closes every other descriptor, keeps the service's process group and writes no files.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_summary, 1);
  posix_spawn_file_actions_adddup2(&actions, out_errors, 2);
  posix_spawn_file_actions_adddup2(&actions, dump, kDumpFd);
  if (base >= 0) posix_spawn_file_actions_adddup2(&actions, base, kBaseFd);
  posix_spawn_file_actions_adddup2(&actions, out, kOutFd);
  posix_spawn_file_actions_addclosefrom_np(&actions, kOutFd + 1);  // none of the service's sockets
  pid_t pid = -1;
  int rc = (out_summary < 0 || out_errors < 0 || dump < 0 || out < 0)
               ? EMFILE
               : posix_spawn(&pid, helper.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  for (int fd : {dump, base, out})
    if (fd >= 0) close(fd);
  if (rc != 0) {
    run.failure = "cannot start " + helper + ": " + std::strerror(rc);
  } else {
    int status = 0;
    if (!wait_child(pid, deadline, status))
      run.failure = helper + " took longer than " + std::to_string(deadline.count()) + " ms and was stopped";
    run.summary = read_whole_fd(out_summary).value_or("");
    std::string errors = read_whole_fd(out_errors).value_or("");
    for (size_t at = 0; at < errors.size();) {
      size_t nl = errors.find('\n', at);
      if (nl == std::string::npos) nl = errors.size();
      if (nl > at) run.errors.push_back(errors.substr(at, nl - at));
      at = nl + 1;
    }
    bool exited_ok = status == -1 || (WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (run.failure.empty() && (!exited_ok || run.summary.empty()))
      run.failure = helper + " failed" + (run.errors.empty() ? std::string() : ": " + run.errors.back());
    run.ok = run.failure.empty();
  }
  for (int fd : {out_summary, out_errors})
    if (fd >= 0) close(fd);
  return run;
}

}  // namespace leakscope::profiler
