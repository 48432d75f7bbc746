// fcm-relay's configuration through the binary: --print-config's JSON, secrets masked, bad input -> one
// line and exit 2, --help.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_command.h"
#include "test_pki.h"

namespace leakscope::test {
namespace {

const std::string kBin = std::string(LEAKSCOPE_BIN).substr(0, std::string(LEAKSCOPE_BIN).rfind('/') + 1);

class RelayConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir("relay-config");
    sa_ = dir_ + "/sa.json";
    ASSERT_EQ(run_program({kBin + "fake-fcm", "--make-service-account", sa_, "--token-uri", "http://127.0.0.1:1/token"})
                  .exit_code,
              0);
    std::ofstream(dir_ + "/relay.toml") << "queue = \"from-file\"\nprefetch = 100\nmax-inflight = 32\n"
                                        << "amqp-url = \"amqp://user:s3cret@127.0.0.1:5672/\"\n";
  }
  // What --print-config reports, with `env` (NAME=value) added to the relay's environment.
  nlohmann::json effective(const std::vector<std::string>& env, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {kBin + "fcm-relay", "--credentials", sa_, "--print-config"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_program(argv, env);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }
  std::string dir_, sa_;
};

// The precedence itself is tested on the parsed options (relay_config_options_test.cpp); here, that
// the binary reads its real environment and prints what it parsed.
TEST_F(RelayConfig, TheBinaryReadsItsEnvironment) {
  auto env = effective({"FCM_RELAY_QUEUE=from-env", "FCM_RELAY_ACK_MODE=auto"}, {"--config", dir_ + "/relay.toml"});
  EXPECT_EQ(env["queue"], "from-env");
  EXPECT_EQ(env["ack_mode"], "auto");
  EXPECT_EQ(env["max_inflight"], 32) << "what the environment does not set still comes from the file";
  auto defaults = effective({}, {});
  EXPECT_EQ(defaults["prefetch"], 256);
  EXPECT_EQ(defaults["ack_mode"], "manual") << "production mode is the default";
  EXPECT_EQ(defaults["close_watch"], "status");
  EXPECT_EQ(defaults["health_interval_ms"], 1000);
  EXPECT_EQ(defaults["fcm_timeout_ms"], 30000);
}

TEST_F(RelayConfig, SecretsAreMasked) {
  auto c = effective({}, {"--config", dir_ + "/relay.toml"});
  EXPECT_EQ(c["amqp_url"], nlohmann::json::array({"amqp://user:****@127.0.0.1:5672/"}));
  EXPECT_EQ(c["private_key"], "****");
  auto r = run_program({kBin + "fcm-relay", "--credentials", sa_, "--print-config", "--config", dir_ + "/relay.toml"});
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos);
  EXPECT_EQ(r.out.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(RelayConfig, BadInputIsOneLineAndExitTwo) {
  std::ofstream(dir_ + "/unknown.toml") << "nosuchkey = 1\n";
  std::ofstream(dir_ + "/badvalue.toml") << "prefetch = \"lots\"\n";
  std::ofstream(dir_ + "/notjson.json") << "{ nope";
  const std::vector<std::vector<std::string>> bad_inputs = {
      {"--config", dir_ + "/unknown.toml", "--credentials", sa_},
      {"--config", dir_ + "/badvalue.toml", "--credentials", sa_},
      {"--config", dir_ + "/missing.toml"},
      {"--credentials", dir_ + "/notjson.json"},
      {"--credentials", "/nonexistent.json"},
      {"--ack-mode", "sometimes", "--credentials", sa_},
      {"--queue-type", "stream", "--credentials", sa_},
      {"--queue-type", "quorum", "--durable", "false", "--credentials", sa_},
      {}};
  for (const auto& args : bad_inputs) {
    std::vector<std::string> argv = {"env", "-u", "GOOGLE_APPLICATION_CREDENTIALS", kBin + "fcm-relay",
                                     "--print-config"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_program(argv);
    std::string named = args.empty() ? "no options" : args[0] + " " + args[1];
    EXPECT_EQ(r.exit_code, 2) << named << ": " << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << named << ": " << r.err;
    EXPECT_EQ(r.err.rfind("fcm-relay: ", 0), 0u) << r.err;
  }
}

// Without credentials --print-config still shows the effective configuration, then names what is
// missing (one line, exit 2).
TEST_F(RelayConfig, PrintConfigWithoutCredentialsPrintsThenNamesWhatIsMissing) {
  auto r = run_program({"env", "-u", "GOOGLE_APPLICATION_CREDENTIALS", kBin + "fcm-relay", "--print-config", "--config",
                        dir_ + "/relay.toml", "--max-rate", "250"});
  EXPECT_EQ(r.exit_code, 2);
  auto c = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(c.is_discarded()) << r.out;
  EXPECT_EQ(c["queue"], "from-file");
  EXPECT_EQ(c["max_inflight"], 32);
  EXPECT_EQ(c["max_rate"], 250);
  EXPECT_TRUE(c["fcm_send_url"].is_null()) << "unknown without a project";
  EXPECT_TRUE(c["client_email"].is_null());
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("no credentials"), std::string::npos) << r.err;
}

// TLS files are read at start-up: a file that is not PEM, a key that is not the certificate's, or TLS
// options on a plain amqp:// URL stop the relay before it connects, instead of a retry loop.
TEST_F(RelayConfig, BadAmqpTlsFilesAreOneLineAndExitTwo) {
  auto ca = make_test_ca(dir_, "ca");
  auto a = make_signed_cert(ca, dir_, "a", "a.test"), b = make_signed_cert(ca, dir_, "b", "b.test");
  std::ofstream(dir_ + "/not-pem.crt") << "hello\n";
  const std::string amqps = "amqps://guest:guest@localhost:5671/";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--amqp-url", amqps, "--amqp-ca-file", dir_ + "/not-pem.crt"}, "no PEM CA certificate"},
      {{"--amqp-url", amqps, "--amqp-cert", a.cert, "--amqp-key", b.key}, "belongs to it"},
      {{"--amqp-url", amqps, "--amqp-cert", a.cert}, "requires --amqp-key"},
      {{"--amqp-url", amqps, "--amqp-ca-file", dir_ + "/missing.crt"}, "missing.crt"},
      {{"--amqp-url", "amqp://guest:guest@localhost:5672/", "--amqp-ca-file", ca.cert}, "amqps:// URLs only"}};
  for (const auto& [args, expected] : cases) {
    std::vector<std::string> argv = {kBin + "fcm-relay", "--credentials", sa_, "--print-config"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << expected << ": " << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << expected << ": " << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << expected << ": " << r.err;
  }
  auto good = run_program({kBin + "fcm-relay", "--credentials", sa_, "--print-config", "--amqp-url", amqps,
                           "--amqp-ca-file", ca.cert, "--amqp-cert", a.cert, "--amqp-key", a.key});
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(nlohmann::json::parse(good.out)["amqp_cert"], a.cert);
}

TEST_F(RelayConfig, ShippedExampleConfigParsesToProductionMode) {
  auto c = effective({}, {"--config", std::string(RELAY_DEPLOY_DIR) + "/fcm-relay.toml.example"});
  EXPECT_EQ(c["ack_mode"], "manual");
  EXPECT_EQ(c["close_watch"], "status");
  EXPECT_EQ(c["shutdown_timeout"], 30);
  EXPECT_EQ(c["fcm_send_url"], "https://fcm.googleapis.com/v1/projects/leakscope-test/messages:send");
}

TEST_F(RelayConfig, HelpOnEveryTool) {
  for (const char* tool : {"fcm-relay", "fake-fcm", "loadgen"}) {
    auto r = run_program({kBin + tool, "--help"});
    EXPECT_EQ(r.exit_code, 0) << tool;
    EXPECT_NE(r.out.find("--"), std::string::npos) << tool;
  }
}

// Bad usage: one line on stderr naming the flag and the tool, exit 2, nothing on stdout.
TEST_F(RelayConfig, UnknownFlagIsOneLineOnEveryTool) {
  for (const char* tool : {"fcm-relay", "fake-fcm", "loadgen"}) {
    auto r = run_command(kBin + tool + " --no-such-flag");
    EXPECT_EQ(r.exit_code, 2) << tool;
    EXPECT_EQ(r.out, "") << tool;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << tool << ": " << r.err;
    EXPECT_EQ(r.err.rfind(std::string(tool) + ": ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace leakscope::test
