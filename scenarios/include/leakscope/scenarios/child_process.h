// A program running in the background for a test or a scenario: started with extra environment
// variables in its own process group (a Ctrl-C at the terminal reaches only the runner, which then
// stops its children in order), output captured to files, stopped (SIGTERM, then SIGKILL) and
// reaped when the object dies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace leakscope::scenarios {

class ChildProcess {
 public:
  // stdout and stderr go to files under `log_dir` named after the program.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& env_overrides,
               const std::string& log_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Waits until stdout or stderr contains `needle`; returns false on timeout or early exit.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout);
  // Exit code (128+signal when killed), or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout);
  void terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));  // SIGTERM, then SIGKILL
  bool running();
  std::string out() const;
  std::string err() const;
  const std::string& err_path() const { return err_path_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::string out_path_, err_path_;
};

// The port from "debug endpoints on http://127.0.0.1:PORT/" in the child's stderr, or -1.
int debug_port(const ChildProcess& child);

}  // namespace leakscope::scenarios
