// The one launcher (process::ChildProcess) with real programs: argv words and paths with spaces stay
// whole, environment and working directory reach the child, readiness comes from a JSON event line,
// and stopping escalates from SIGTERM to SIGKILL and reaches the whole process group.
#include "leakscope/process/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "run_command.h"
#include "wait_until.h"

namespace leakscope::test {
namespace {
namespace fs = std::filesystem;
using process::ChildOptions;
using process::ChildProcess;
using namespace std::chrono_literals;

// A copy of a system program under a directory and a name with spaces.
std::string program_with_spaces(const std::string& dir, const std::string& system_program, const std::string& name) {
  fs::create_directories(dir);
  std::string copy = dir + "/" + name;
  fs::copy_file(system_program, copy, fs::copy_options::overwrite_existing);
  return copy;
}

// Whether `pid` still runs: not gone and not a zombie (whoever adopted an orphan may reap it late).
bool alive(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  size_t name_end = stat.rfind(')');
  return name_end != std::string::npos && name_end + 2 < stat.size() && stat[name_end + 2] != 'Z';
}

TEST(ChildProcess, ProgramArgumentAndLogPathWithSpacesStayWhole) {
  std::string dir = scratch_dir("child process") + "/a dir with spaces";
  std::string echo = program_with_spaces(dir, "/bin/echo", "my echo");
  ChildOptions options;
  options.out_path = dir + "/logs with spaces/echo out.log";
  options.err_path = dir + "/logs with spaces/echo err.log";
  ChildProcess child({echo, "one argument  with spaces", "second"}, options);
  ASSERT_EQ(child.wait_exit(30s), 0) << child.err();
  EXPECT_EQ(read_file(dir + "/logs with spaces/echo out.log"), "one argument  with spaces second\n");
  EXPECT_EQ(child.err(), "");
}

TEST(ChildProcess, EnvironmentAndWorkingDirectoryReachTheChild) {
  std::string dir = scratch_dir("child process env") + "/work dir";
  std::string env = program_with_spaces(dir, "/usr/bin/env", "my env");
  std::string pwd = program_with_spaces(dir, "/bin/pwd", "my pwd");
  ::setenv("LEAKSCOPE_TEST_DROPPED", "inherited", 1);
  ::setenv("LEAKSCOPE_TEST_REPLACED", "inherited", 1);
  ChildOptions options;
  options.env = {"LEAKSCOPE_TEST_REPLACED=two words", "LEAKSCOPE_TEST_ADDED=added"};
  options.drop_inherited = {"LEAKSCOPE_TEST_DROPPED="};
  options.working_dir = dir;
  options.out_path = options.err_path = dir + "/env.log";  // one file for both
  ChildProcess env_child({env}, options);
  ASSERT_EQ(env_child.wait_exit(30s), 0) << env_child.out();
  std::string seen = env_child.out();
  EXPECT_NE(seen.find("\nLEAKSCOPE_TEST_REPLACED=two words\n"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("LEAKSCOPE_TEST_REPLACED=inherited"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\nLEAKSCOPE_TEST_ADDED=added\n"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("LEAKSCOPE_TEST_DROPPED"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\nPATH="), std::string::npos) << "the rest is inherited: " << seen;

  options.out_path = options.err_path = dir + "/pwd.log";
  ChildProcess pwd_child({pwd}, options);
  ASSERT_EQ(pwd_child.wait_exit(30s), 0) << pwd_child.out();
  EXPECT_EQ(pwd_child.out(), fs::canonical(dir).string() + "\n");
}

TEST(ChildProcess, ReadinessIsAJsonEventLine) {
  std::string dir = scratch_dir("child process event");
  ChildOptions options;
  options.out_path = dir + "/out.log";
  options.err_path = dir + "/err.log";
  // Human text mentioning the event first, then the event on stderr; then it keeps running.
  ChildProcess child({"/bin/sh", "-c",
                      "echo 'fake listening soon'; echo '{\"event\":\"other\"}' >&2; sleep 0.2; "
                      "echo '{\"event\":\"listening\",\"http_port\":4321}' >&2; exec sleep 60"},
                     options);
  auto event = child.wait_for_event("listening", 30s);
  ASSERT_TRUE(event) << child.err();
  EXPECT_EQ((*event)["http_port"], 4321);
  EXPECT_FALSE(child.wait_for_event("consuming", 300ms)) << "no such event line";
  EXPECT_TRUE(child.running());
}

// A profiled program prints the profiler's "listening" beside its own: the fields tell them apart.
TEST(ChildProcess, EventFieldsTellTwoListeningLinesApart) {
  std::string dir = scratch_dir("child process event fields");
  ChildOptions options;
  options.out_path = options.err_path = dir + "/out.log";
  ChildProcess child({"/bin/sh", "-c",
                      "echo '{\"event\":\"listening\",\"http_port\":1}'; sleep 0.2; "
                      "echo '{\"event\":\"listening\",\"what\":\"debug\",\"port\":2}'; exec sleep 60"},
                     options);
  auto debug = child.wait_for_event("listening", 30s, {{"what", "debug"}});
  ASSERT_TRUE(debug) << child.out();
  EXPECT_EQ((*debug)["port"], 2);
  auto lines = process::event_lines(child.out(), "listening");
  ASSERT_EQ(lines.size(), 2u) << child.out();
  EXPECT_EQ(lines[0]["http_port"], 1);
  EXPECT_TRUE(process::event_lines(child.out(), "listening", {{"what", "status"}}).empty());
}

TEST(ChildProcess, NoReadinessFromAProgramThatExits) {
  std::string dir = scratch_dir("child process exits");
  ChildOptions options;
  options.out_path = options.err_path = dir + "/out.log";
  ChildProcess child({"/bin/sh", "-c", "echo listening; exit 3"}, options);
  EXPECT_FALSE(child.wait_for_event("listening", 60s));
  EXPECT_EQ(child.wait_exit(0ms), 3);
}

TEST(ChildProcess, TerminateEscalatesToSigkillAndGroupSignalReachesHelpers) {
  std::string dir = scratch_dir("child process stop");
  ChildOptions options;
  options.out_path = options.err_path = dir + "/out.log";
  // Ignores SIGTERM, and leaves a helper of its own behind (its pid on the first line).
  ChildProcess child({"/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $!; echo started; while :; do sleep 0.1; done"},
                     options);
  ASSERT_TRUE(child.wait_for_output("started", 30s)) << child.out();
  pid_t helper = std::stoi(child.out());
  child.terminate(300ms);
  EXPECT_FALSE(child.running());
  EXPECT_EQ(child.wait_exit(0ms), 128 + SIGKILL) << "SIGTERM was ignored, so SIGKILL ended it";
  EXPECT_TRUE(alive(helper)) << "the helper outlives its parent's end";
  child.signal_group(SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !alive(helper); }, 30s)) << "the group signal ended it";
}

TEST(ChildProcess, AProgramThatDoesNotExistIsAnErrorNamingIt) {
  std::string dir = scratch_dir("child process missing");
  ChildOptions options;
  options.out_path = options.err_path = dir + "/out.log";
  try {
    ChildProcess child({dir + "/no such program"}, options);
    FAIL() << "started a program that does not exist";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/no such program"), std::string::npos) << e.what();
  }
}

TEST(ChildProcess, RunProgramKeepsArgvWordsWhole) {
  std::string dir = scratch_dir("run program") + "/with spaces";
  std::string echo = program_with_spaces(dir, "/bin/echo", "echo copy");
  auto r = run_program({echo, "a  b", "$HOME", "'quoted'"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "a  b $HOME 'quoted'\n") << "no shell: no splitting, no expansion";
}

}  // namespace
}  // namespace leakscope::test
