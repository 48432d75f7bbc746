// parse_relay_command_line in the process: the options RelayService, FcmSender and the profiler
// really receive, from flags, an injected environment and TOML files (file < environment < flags).
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "leakscope/relay/relay_config.h"
#include "run_command.h"

namespace leakscope::relay {
namespace {

using namespace std::chrono_literals;

class RelayConfigOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir("relay-config-options");
    sa_ = dir_ + "/sa.json";
    std::ofstream(sa_) << service_account_json(
        {"proj-from-sa", "relay@proj.iam.gserviceaccount.com", "k1",
         "-----BEGIN PRIVATE KEY-----\nnot used here\n-----END PRIVATE KEY-----\n", "http://127.0.0.1:1/token"});
    write("relay.toml", "queue = \"from-file\"\nprefetch = 100\nmax-inflight = 32\nhealth-interval-ms = 500\n");
  }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  RelayConfig parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return parse_relay_command_line(args, lookup(std::move(env))).config;
  }
  static EnvironmentLookup lookup(std::map<std::string, std::string> env) {
    return [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
  std::string dir_, sa_;
};

TEST_F(RelayConfigOptions, DefaultsAreProductionMode) {
  RelayConfig c = parse({"--credentials", sa_});
  EXPECT_EQ(c.relay.ack_mode, AckMode::kManual);
  EXPECT_EQ(c.relay.close_watch, CloseWatch::kStatus);
  EXPECT_EQ(c.relay.prefetch, 256);
  EXPECT_EQ(c.relay.max_inflight, 64);
  EXPECT_EQ(c.sender.max_inflight, 64);
  EXPECT_EQ(c.relay.health_interval, 1000ms);
  EXPECT_EQ(c.relay.shutdown_timeout, 10s);
  EXPECT_EQ(c.sender.request_timeout, 30000ms);
  EXPECT_EQ(c.sender.retry_after_cap, 30s);
  EXPECT_EQ(c.relay.amqp_urls, std::vector<std::string>{"amqp://guest:guest@127.0.0.1:5672/"});
  EXPECT_EQ(c.http_addr, "127.0.0.1:9090");
  EXPECT_EQ(c.sender.send_url, "https://fcm.googleapis.com/v1/projects/proj-from-sa/messages:send");
  EXPECT_TRUE(c.missing.empty()) << c.missing;
  EXPECT_FALSE(c.print_config);
}

TEST_F(RelayConfigOptions, FileThenEnvironmentThenFlags) {
  const std::string file = dir_ + "/relay.toml";
  RelayConfig from_file = parse({"--config", file, "--credentials", sa_});
  EXPECT_EQ(from_file.relay.queue, "from-file");
  EXPECT_EQ(from_file.relay.prefetch, 100);
  EXPECT_EQ(from_file.relay.health_interval, 500ms);

  RelayConfig from_env =
      parse({"--config", file, "--credentials", sa_}, {{"FCM_RELAY_QUEUE", "from-env"}, {"FCM_RELAY_PREFETCH", "7"}});
  EXPECT_EQ(from_env.relay.queue, "from-env");
  EXPECT_EQ(from_env.relay.prefetch, 7);
  EXPECT_EQ(from_env.relay.max_inflight, 32) << "what the environment does not set still comes from the file";
  EXPECT_EQ(from_env.sender.max_inflight, 32) << "the sender gets the same bound";

  RelayConfig from_flag = parse({"--config", file, "--credentials", sa_, "--queue", "from-flag", "--prefetch", "9"},
                                {{"FCM_RELAY_QUEUE", "from-env"}, {"FCM_RELAY_PREFETCH", "7"}});
  EXPECT_EQ(from_flag.relay.queue, "from-flag");
  EXPECT_EQ(from_flag.relay.prefetch, 9);
}

TEST_F(RelayConfigOptions, DurationsReachTheServiceInTheirUnits) {
  RelayConfig c =
      parse({"--credentials", sa_, "--health-interval-ms", "250", "--shutdown-timeout", "3", "--fcm-timeout-ms", "1500",
             "--heartbeat", "0", "--max-attempts", "2", "--max-rate", "12.5", "--retry-after-cap", "7"});
  EXPECT_EQ(c.relay.health_interval, 250ms);
  EXPECT_EQ(c.relay.shutdown_timeout, 3s);
  EXPECT_EQ(c.sender.request_timeout, 1500ms);
  EXPECT_EQ(c.relay.heartbeat_seconds, 0);
  EXPECT_EQ(c.sender.max_attempts, 2);
  EXPECT_DOUBLE_EQ(c.sender.max_rate, 12.5);
  EXPECT_EQ(c.sender.retry_after_cap, 7s);
}

TEST_F(RelayConfigOptions, LeakModesFromFlagsOrEnvironment) {
  RelayConfig flags = parse({"--credentials", sa_, "--ack-mode", "auto", "--close-watch", "notify"});
  EXPECT_EQ(flags.relay.ack_mode, AckMode::kAuto);
  EXPECT_EQ(flags.relay.close_watch, CloseWatch::kNotify);
  RelayConfig env = parse({"--credentials", sa_}, {{"FCM_RELAY_ACK_MODE", "auto"}});
  EXPECT_EQ(env.relay.ack_mode, AckMode::kAuto);
  EXPECT_EQ(env.relay.close_watch, CloseWatch::kStatus);
  RelayConfig overridden = parse({"--credentials", sa_, "--ack-mode", "manual"}, {{"FCM_RELAY_ACK_MODE", "auto"}});
  EXPECT_EQ(overridden.relay.ack_mode, AckMode::kManual);
}

// One URL per cluster node: the flag repeated, or the variable with spaces between them; flags
// replace the variable rather than add to it.
TEST_F(RelayConfigOptions, SeveralAmqpUrlsComeInOrder) {
  const std::string a = "amqp://u:p@node-a:5672/", b = "amqp://u:p@node-b:5672/", c = "amqp://u:p@node-c:5672/";
  EXPECT_EQ(parse({"--credentials", sa_, "--amqp-url", a, "--amqp-url", b}).relay.amqp_urls,
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(parse({"--credentials", sa_}, {{"FCM_RELAY_AMQP_URL", a + " " + b}}).relay.amqp_urls,
            (std::vector<std::string>{a, b}));
  EXPECT_EQ(parse({"--credentials", sa_, "--amqp-url=" + c}, {{"FCM_RELAY_AMQP_URL", a + " " + b}}).relay.amqp_urls,
            (std::vector<std::string>{c}));
}

TEST_F(RelayConfigOptions, CredentialsDecideTheSendUrl) {
  RelayConfig via_env = parse({"--fcm-base-url", "http://127.0.0.1:8443"}, {{"GOOGLE_APPLICATION_CREDENTIALS", sa_}});
  EXPECT_EQ(via_env.credentials, sa_);
  EXPECT_EQ(via_env.account.client_email, "relay@proj.iam.gserviceaccount.com");
  EXPECT_EQ(via_env.sender.send_url, "http://127.0.0.1:8443/v1/projects/proj-from-sa/messages:send");
  RelayConfig other_project = parse({"--credentials", sa_, "--project-id", "other"});
  EXPECT_EQ(other_project.sender.send_url, "https://fcm.googleapis.com/v1/projects/other/messages:send");
  // Not an error yet: --print-config shows the rest, then names what is missing.
  RelayConfig none = parse({"--queue", "q"});
  EXPECT_NE(none.missing.find("no credentials"), std::string::npos) << none.missing;
  EXPECT_EQ(none.relay.queue, "q");
  EXPECT_TRUE(none.sender.send_url.empty());
}

TEST_F(RelayConfigOptions, ProfilerFlagsStartItWithPeriodicSnapshots) {
  RelayConfig c = parse({"--credentials", sa_, "--snapshot-dir", dir_ + "/snaps", "--lg-sample", "12"});
  EXPECT_TRUE(c.start_profiler);
  EXPECT_EQ(c.profiler.snapshots.dir, dir_ + "/snaps");
  EXPECT_EQ(c.profiler.snapshots.interval_seconds, 60) << "the interval when none is given";
  EXPECT_EQ(c.profiler.snapshots.name, "fcm-relay");
  EXPECT_EQ(c.profiler.lg_sample, 12);
  RelayConfig every_5 = parse({"--credentials", sa_, "--snapshot-dir", dir_, "--snapshot-interval", "5"});
  EXPECT_EQ(every_5.profiler.snapshots.interval_seconds, 5);
  RelayConfig debug = parse({"--credentials", sa_}, {{"LEAKSCOPE_DEBUG_ADDR", "127.0.0.1:0"}});
  EXPECT_TRUE(debug.start_profiler);
  EXPECT_EQ(debug.profiler.debug_addr, "127.0.0.1:0");
}

// The profiler's own variables reach the relay's profiler: allocation ages (a flag too), the debug
// token (only a variable: a secret stays off command lines) and the unwinder switch.
TEST_F(RelayConfigOptions, ProfilerVariablesReachTheProfiler) {
  RelayConfig aged = parse({"--credentials", sa_}, {{"LEAKSCOPE_AGE_EPOCH", "2.5"}});
  EXPECT_TRUE(aged.start_profiler) << "ages ask for the profiler";
  EXPECT_EQ(aged.profiler.age_epoch_seconds, 2.5);
  EXPECT_EQ(parse({"--credentials", sa_, "--age-epoch", "60"}).profiler.age_epoch_seconds, 60);
  EXPECT_THROW(parse({"--credentials", sa_, "--age-epoch", "0.0001"}), RelayConfigError);
  // Read from the process's environment, as the profiler reads it in any other program.
  ::setenv("LEAKSCOPE_DEBUG_TOKEN", "s3cret", 1);
  ::setenv("LEAKSCOPE_FAST_UNWIND", "0", 1);
  RelayConfig guarded = parse({"--credentials", sa_, "--debug-addr", "0.0.0.0:0"});
  ::unsetenv("LEAKSCOPE_DEBUG_TOKEN");
  ::unsetenv("LEAKSCOPE_FAST_UNWIND");
  EXPECT_EQ(guarded.profiler.debug_token, "s3cret");
  EXPECT_FALSE(guarded.profiler.fast_unwinder);
  EXPECT_EQ(parse({"--credentials", sa_, "--debug-addr", "127.0.0.1:0"}).profiler.debug_token, "");
}

TEST_F(RelayConfigOptions, HelpIsTextNotAConfiguration) {
  RelayCommandLine cl = parse_relay_command_line({"--help"}, lookup({}));
  ASSERT_TRUE(cl.help);
  for (const char* option : {"--ack-mode", "--close-watch", "--config", "--print-config", "--amqp-url"})
    EXPECT_NE(cl.help->find(option), std::string::npos) << option;
  // Each variable the parser reads is named beside its flag, and each one named there is read.
  for (const char* line :
       {"FCM_RELAY_QUEUE  --queue", "FCM_RELAY_AMQP_URL  --amqp-url", "LEAKSCOPE_DEBUG_ADDR  --debug-addr"})
    EXPECT_NE(cl.help->find(line), std::string::npos) << line;
  EXPECT_EQ(parse({"--credentials", sa_}, {{"FCM_RELAY_QUEUE", "from-help"}}).relay.queue, "from-help");
  // Defaults shown are the structs' own, so help and behaviour cannot drift apart.
  const RelayConfig defaults = parse({"--credentials", sa_});
  for (auto [option, value] :
       {std::pair<std::string, std::string>{"--prefetch", std::to_string(defaults.relay.prefetch)},
        {"--http-addr", defaults.http_addr},
        {"--fcm-timeout-ms", std::to_string(defaults.sender.request_timeout.count())}}) {
    size_t at = cl.help->find("  " + option + " ");
    ASSERT_NE(at, std::string::npos) << option;
    std::string line = cl.help->substr(at, cl.help->find('\n', at) - at);
    EXPECT_NE(line.find("=" + value), std::string::npos) << line;
  }
}

// Each class of bad input: one line naming what is wrong, never a partial configuration.
TEST_F(RelayConfigOptions, BadValuesAreOneLineErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> flags{
      {{"--prefetch", "0"}, "--prefetch"},
      {{"--prefetch", "lots"}, "--prefetch"},
      {{"--ack-mode", "sometimes"}, "--ack-mode"},
      {{"--close-watch", "poll"}, "--close-watch"},
      {{"--queue-type", "stream"}, "--queue-type"},
      {{"--nosuch"}, "--nosuch"},
      {{"--queue-type", "quorum", "--durable", "false"}, "always durable"},
      {{"--config", dir_ + "/missing.toml"}, "missing.toml"},
      {{"--config", write("unknown.toml", "nosuchkey = 1\n")}, "config file"},
      {{"--config", write("badvalue.toml", "prefetch = \"lots\"\n")}, "prefetch"},
      {{"--amqp-url", "amqp://u:p@h:5672/", "--amqp-ca-file", sa_}, "amqps:// URLs only"},
  };
  for (const auto& [args, expected] : flags) {
    try {
      parse(args);
      ADD_FAILURE() << args.front() << ": accepted";
    } catch (const RelayConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(expected), std::string::npos) << args.front() << ": " << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
  EXPECT_THROW(parse({}, {{"FCM_RELAY_MAX_INFLIGHT", "many"}}), RelayConfigError) << "variables are checked as flags";
}

}  // namespace
}  // namespace leakscope::relay
