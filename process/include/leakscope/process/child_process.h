// The one way leakscope starts a program (scenarios, the broker launcher, benches and tests alike):
// an argv vector run by posix_spawn, never a shell, so paths with spaces stay one word; extra
// environment variables; a working directory; stdout and stderr to files; its own process group (a
// Ctrl-C at the terminal reaches only the runner, which then stops its children in order). Every wait
// is bounded; stopping is SIGTERM, then SIGKILL after a grace period; the destructor stops and reaps.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace leakscope::process {

struct ChildOptions {
  std::vector<std::string> env;  // NAME=value, replacing inherited variables of the same name
  // Inherited variables whose NAME=value starts with one of these are not passed on (e.g. "RABBITMQ_").
  std::vector<std::string> drop_inherited;
  std::string working_dir;  // empty: the caller's
  // Where stdout and stderr go; the same path for both gives one file. Relative paths are the caller's.
  std::string out_path, err_path;
  bool append = false;  // add to the files instead of truncating them
};

class ChildProcess {
 public:
  // argv[0] is a path to the program (no PATH search). Throws std::runtime_error if it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options);
  // stdout and stderr go to files under `log_dir` named after the program.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
               const std::string& log_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until stdout or stderr contains `needle`; returns false on timeout or early exit.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);
  // Waits for a structured line on stderr or stdout: a JSON object whose "event" is `event` (as
  // fake-fcm's "listening" and fcm-relay's "consuming") and which holds every member of `fields` with
  // the same value (the profiler's debug endpoints: "listening" with {"what": "debug"}); returns it,
  // or nothing on timeout or exit.
  std::optional<nlohmann::json> wait_for_event(const std::string& event, std::chrono::milliseconds timeout,
                                               const nlohmann::json& fields = nlohmann::json::object());
  // Exit code (128+signal when killed), or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  void terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));  // SIGTERM, then SIGKILL
  // A signal to the child's whole process group (its helpers too), even after the child was reaped.
  void signal_group(int signal);
  bool running();
  std::string out() const;
  std::string err() const;
  const std::string& out_path() const { return out_path_; }
  const std::string& err_path() const { return err_path_; }
  pid_t pid() const { return pid_; }
  // CPU and peak memory of the child (and its reaped children), known once it has been reaped.
  const rusage& usage() const { return usage_; }

 private:
  void start(const std::vector<std::string>& argv, const ChildOptions& options);
  pid_t pid_ = -1, group_ = -1;
  int exit_code_ = -1;
  rusage usage_{};
  std::string out_path_, err_path_;
};

// The event lines in `text` (whole lines only: a last line without '\n' may still be being written),
// in order, as wait_for_event matches them.
std::vector<nlohmann::json> event_lines(const std::string& text, const std::string& event,
                                        const nlohmann::json& fields = nlohmann::json::object());

}  // namespace leakscope::process
