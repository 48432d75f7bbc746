// The private broker every broker test and scenario stands on.
#include <gtest/gtest.h>

#include <signal.h>

#include "leakscope/scenarios/broker.h"
#include "run_command.h"

namespace leakscope::test {
namespace {

using scenarios::Broker;

// Processes whose command line contains `marker` (pgrep never counts itself; no shell runs it).
int processes_of(const std::string& marker) {
  auto r = run_program({"pgrep", "-f", "-c", "--", marker});
  return r.exit_code == 0 ? std::stoi(r.out) : 0;
}

TEST(BrokerLauncher, StartsOnFreePortsRestartsAndLeavesNothingBehind) {
  std::string dir = scratch_dir("broker");
  int port;
  {
    Broker broker(dir);
    port = broker.amqp_port();
    EXPECT_TRUE(scenarios::amqp_login_works(port));
    EXPECT_EQ(broker.amqp_url(), "amqp://guest:guest@127.0.0.1:" + std::to_string(port) + "/");
    EXPECT_GT(processes_of("-home " + dir), 0);
    broker.restart();
    EXPECT_TRUE(scenarios::amqp_login_works(port)) << "same port after a restart";
  }
  EXPECT_FALSE(scenarios::amqp_login_works(port));
  EXPECT_EQ(processes_of("-home " + dir), 0) << "no orphan broker processes";
}

}  // namespace
}  // namespace leakscope::test
