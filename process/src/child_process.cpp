#include "leakscope/process/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace leakscope::process {
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string name_of(const std::string& kv) { return kv.substr(0, kv.find('=') + 1); }

// The caller's environment without the dropped and overridden variables, then the overrides.
std::vector<std::string> child_environment(const ChildOptions& o) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    bool keep = true;
    for (const auto& prefix : o.drop_inherited) keep &= kv.rfind(prefix, 0) != 0;
    for (const auto& over : o.env) keep &= name_of(kv) != name_of(over);
    if (keep) env.push_back(kv);
  }
  env.insert(env.end(), o.env.begin(), o.env.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Paths made absolute before the child changes directory, so they mean what the caller meant.
std::string absolute(const std::string& path) { return path.empty() ? path : fs::absolute(path).string(); }
}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options) { start(argv, options); }

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
                           const std::string& log_dir) {
  static int counter = 0;
  fs::create_directories(log_dir);
  std::string base = log_dir + "/" + fs::path(argv.at(0)).filename().string() + "." + std::to_string(::getpid()) + "." +
                     std::to_string(counter++);
  ChildOptions options;
  options.env = env_overrides;
  options.out_path = base + ".out";
  options.err_path = base + ".err";
  start(argv, options);
}

void ChildProcess::start(const std::vector<std::string>& argv, const ChildOptions& options) {
  out_path_ = absolute(options.out_path.empty() ? "/dev/null" : options.out_path);
  err_path_ = absolute(options.err_path.empty() ? "/dev/null" : options.err_path);
  for (const auto& path : {out_path_, err_path_}) fs::create_directories(fs::path(path).parent_path());
  std::vector<std::string> env = child_environment(options), args = argv;
  args.at(0) = absolute(args[0]);
  std::vector<char*> envp = c_strings(env), arg_ptrs = c_strings(args);
  int flags = O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), flags, 0644);
  if (err_path_ == out_path_)
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
  else
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), flags, 0644);
  if (!options.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  int rc = posix_spawn(&pid_, args[0].c_str(), &actions, &attr, arg_ptrs.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
  group_ = pid_;
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
    pid_t r = wait4(pid_, &status, WNOHANG, &usage_);
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

void ChildProcess::signal_group(int signal) {
  if (group_ > 0) kill(-group_, signal);
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

namespace {
bool matches(const nlohmann::json& j, const std::string& event, const nlohmann::json& fields) {
  if (!j.is_object() || j.value("event", "") != event) return false;
  for (const auto& [key, value] : fields.items())
    if (!j.contains(key) || j[key] != value) return false;
  return true;
}

// Each whole line (ended by '\n') of `text` that is a matching JSON object, until `want` are found.
std::vector<nlohmann::json> find_events(const std::string& text, const std::string& event, const nlohmann::json& fields,
                                        size_t want) {
  std::vector<nlohmann::json> found;
  std::istringstream lines(text);
  for (std::string line; found.size() < want && std::getline(lines, line);) {
    if (lines.eof() || line.empty() || line[0] != '{') continue;  // the last line may still be being written
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (matches(j, event, fields)) found.push_back(std::move(j));
  }
  return found;
}

std::optional<nlohmann::json> find_event(const std::string& text, const std::string& event,
                                         const nlohmann::json& fields) {
  auto found = find_events(text, event, fields, 1);
  if (found.empty()) return std::nullopt;
  return found[0];
}
}  // namespace

std::vector<nlohmann::json> event_lines(const std::string& text, const std::string& event,
                                        const nlohmann::json& fields) {
  return find_events(text, event, fields, SIZE_MAX);
}

std::optional<nlohmann::json> ChildProcess::wait_for_event(const std::string& event, std::chrono::milliseconds timeout,
                                                           const nlohmann::json& fields) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    bool exited = pid_ < 0 || wait_exit(std::chrono::milliseconds(0)) != -1;  // before reading: no line lost
    if (auto j = find_event(err(), event, fields)) return j;
    if (auto j = find_event(out(), event, fields)) return j;
    if (exited) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

}  // namespace leakscope::process
