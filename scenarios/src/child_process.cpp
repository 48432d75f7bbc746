#include "leakscope/scenarios/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace leakscope::scenarios {

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
                           const std::string& log_dir) {
  static int counter = 0;
  std::filesystem::create_directories(log_dir);
  std::string base = log_dir + "/" + std::filesystem::path(argv.at(0)).filename().string() + "." +
                     std::to_string(::getpid()) + "." + std::to_string(counter++);
  out_path_ = base + ".out";
  err_path_ = base + ".err";
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    bool overridden = false;
    for (const auto& o : env_overrides) overridden |= kv.substr(0, kv.find('=') + 1) == o.substr(0, o.find('=') + 1);
    if (!overridden) env_strings.push_back(kv);
  }
  env_strings.insert(env_strings.end(), env_overrides.begin(), env_overrides.end());
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  int rc = posix_spawn(&pid_, args[0], &actions, &attr, args.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
}

ChildProcess::~ChildProcess() { terminate(); }

std::string ChildProcess::out() const { return slurp(out_path_); }
std::string ChildProcess::err() const { return slurp(err_path_); }

bool ChildProcess::running() { return pid_ > 0 && wait_exit(std::chrono::milliseconds(0)) == -1; }

int ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ < 0) return exit_code_;
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= end) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void ChildProcess::terminate(std::chrono::milliseconds grace) {
  if (pid_ < 0) return;
  kill(pid_, SIGTERM);
  if (wait_exit(grace) == -1) {
    kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(5));
  }
}

bool ChildProcess::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (out().find(needle) != std::string::npos || err().find(needle) != std::string::npos) return true;
    if (pid_ < 0 || wait_exit(std::chrono::milliseconds(0)) != -1) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int debug_port(const ChildProcess& child) {
  static const std::regex rx(R"(debug endpoints on http://[^:]+:(\d+)/)");
  std::smatch m;
  std::string err = child.err();
  return std::regex_search(err, m, rx) ? std::stoi(m[1]) : -1;
}

}  // namespace leakscope::scenarios
