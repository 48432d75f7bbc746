// `leakscope serve` over HTTP without a browser: patterns no engine may get stuck on, bad patterns
// as 400s naming their field, and SIGTERM stopping the server while a request is still in flight.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <regex>
#include <string>
#include <thread>

#include "child_process.h"
#include "leakscope/http/query_params.h"
#include "raw_connection.h"
#include "run_command.h"
#include "serve_port.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;

const std::string kLeakscope = LEAKSCOPE_BIN;

// Measured with std::regex: one request with this focus kept a core busy for minutes.
const std::string kPathological = R"((.*.*)*[^\s\s]^)";

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string dir = scratch_dir("serve");
    std::string profile = dir + "/p.folded";
    std::ofstream(profile) << "main;serve;handle;parse 5000\nmain;serve;handle;respond 3500\nmain;idle 1500\n";
    serve_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{kLeakscope, "serve", profile, "--http", "127.0.0.1:0"}, std::vector<std::string>{});
    port_ = serve_port(*serve_, 30s);
    ASSERT_NE(port_, 0) << serve_->err();
  }
  // GET with a generous timeout: the assertion is that an answer comes, not how fast.
  httplib::Result get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c.Get(path.c_str());
  }
  static std::string q(const std::string& s) { return http::encode_query_component(s); }

  std::unique_ptr<ChildProcess> serve_;
  int port_ = 0;
};

TEST_F(Serve, PathologicalPatternsAreAnsweredOnEveryField) {
  for (std::string path : {"/ui/top?focus=", "/ui/top?ignore=", "/ui/top?hide=", "/ui/top?s=", "/ui/peek?regex=",
                           "/ui/source?regex=", "/svg/flame?focus=", "/svg/graph?hide="}) {
    SCOPED_TRACE(path);
    auto r = get(path + q(kPathological));
    ASSERT_TRUE(r) << "no answer within 30 s";
    EXPECT_EQ(r->status, 200) << r->body;
  }
  // The pattern matches nothing: focus refines every sample away; the server still answers others.
  auto r = get("/ui/top?focus=" + q(kPathological));
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("3 samples refined away"), std::string::npos) << r->body;
  r = get("/ui/top?focus=" + q("(?i)^PARSE$"));
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("2 samples refined away"), std::string::npos) << r->body;  // inline flags, as in Go
}

TEST_F(Serve, InvalidPatternIs400NamingTheField) {
  for (auto [path, field] : {std::pair{"/ui/top?focus=", "focus"},
                             {"/ui/graph?ignore=", "ignore"},
                             {"/svg/flame?hide=", "hide"},
                             {"/ui/top?s=", "search"},
                             {"/ui/peek?regex=", "functions"},
                             {"/ui/source?s=", "search"}}) {
    SCOPED_TRACE(path);
    auto r = get(path + q("("));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->body, std::string(field) + ": invalid pattern \"(\": missing ): (\n");
  }
}

TEST_F(Serve, SigtermStopsItWhileARequestIsInFlight) {
  // A client trickling its request keeps a worker busy for as long as it likes; the listener's own
  // stop() would wait for that worker.
  RawConnection slow(port_);
  ASSERT_TRUE(slow.connected());
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    slow.send("GET /ui/top HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    for (int i = 0; i < 600 && trickling && slow.send("a"); ++i) std::this_thread::sleep_for(100ms);
  });
  std::this_thread::sleep_for(500ms);  // the worker is reading the request
  ASSERT_EQ(::kill(serve_->pid(), SIGTERM), 0);
  int code = serve_->wait_exit(20s);  // bounded wait for the exit; the trickle would last 60 s
  trickling = false;
  trickler.join();
  EXPECT_EQ(code, 0) << serve_->err();
}

}  // namespace
}  // namespace leakscope::test
