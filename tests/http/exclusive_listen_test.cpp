// No listener shares its port (cpp-httplib's default SO_REUSEPORT would let a second process listen
// on the same address while the kernel splits the connections). For each kind of listener a second
// instance on a taken address fails with one line naming the address and the reason; the programs
// exit 2, a profiled program runs on without endpoints, and the first instance keeps answering.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "child_process.h"
#include "leakscope/http/guarded_server.h"
#include "leakscope/http/listen.h"
#include "raw_connection.h"
#include "run_command.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;
const std::string kBin = std::string(LEAKSCOPE_BIN).substr(0, std::string(LEAKSCOPE_BIN).rfind('/') + 1);
const std::string kPreload = "LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2:" + std::string(PRELOAD_LIB);

// The port a child announced in its "listening" event line (`field` of it), or -1 on timeout or exit.
int announced_port(ChildProcess& child, const std::string& field,
                   const nlohmann::json& match = nlohmann::json::object()) {
  auto event = child.wait_for_event("listening", 10s, match);
  return event ? event->value(field, -1) : -1;
}

std::string address(int port) { return "127.0.0.1:" + std::to_string(port); }

int lines(const std::string& s) { return static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

// A second program on the taken address: exit 2 and exactly one line "PREFIXcannot listen on ADDRESS...: address
// already in use".
void expect_refused(const std::vector<std::string>& argv, const std::string& addr, const std::string& prefix,
                    const std::vector<std::string>& env = {}) {
  ChildProcess second(argv, env);
  EXPECT_EQ(second.wait_exit(20s), 2) << "the second instance must not listen too: " << second.err();
  std::string err = second.err();
  EXPECT_EQ(err.rfind(prefix + "cannot listen on " + addr + " for ", 0), 0u) << err;
  EXPECT_NE(err.find(": address already in use\n"), std::string::npos) << err;
  EXPECT_EQ(lines(err), 1) << err;
}

int http_status(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(10, 0);
  auto r = c.Get(path.c_str());
  return r ? r->status : -1;
}

TEST(ExclusiveListen, HttpServersInOneProcess) {
  httplib::Server first, second;
  int port = http::bind_http_server(first, "127.0.0.1:0", "test");
  ASSERT_GT(port, 0);
  try {
    http::bind_http_server(second, address(port), "the second server");
    FAIL() << "a second server bound " << address(port);
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot listen on " + address(port) + " for the second server: address already in use");
  }
}

// Opens `n` connections to 127.0.0.1:`port` at once and returns how many the kernel queued for a
// listener that accepts none meanwhile (waiting up to 2 s for the handshakes to complete).
int queued_after_a_burst(int port, int n) {
  std::vector<int> clients;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);  // EINPROGRESS: the handshake goes on
    clients.push_back(fd);
  }
  int queued = 0;
  for (int i = 0; i < 100 && (queued = accept_queue_length(port)) < n; ++i) std::this_thread::sleep_for(20ms);
  for (int fd : clients) ::close(fd);
  return queued;
}

// A burst of connections before the server accepts any (the relay opens up to --max-inflight at
// once): all wait in the accept queue. cpp-httplib's own backlog of 5 takes 6; the kernel drops the
// other handshakes, and those clients stall for seconds in TCP retransmits.
TEST(ExclusiveListen, AcceptQueueHoldsABurstOfConnections) {
  httplib::Server server;  // bound, not serving: nothing is accepted
  int port = http::bind_http_server(server, "127.0.0.1:0", "test");
  ASSERT_GT(port, 0);
  EXPECT_EQ(queued_after_a_burst(port, 64), 64);
}

// The same for the programs' own listeners: each program is stopped (SIGSTOP) so that it accepts
// nothing while 64 connections arrive, then continued; every one of them must be queued.
// Whether /proc says the process is stopped (state T): SIGSTOP takes effect asynchronously, and a
// listener still running meanwhile could accept a connection of the burst.
bool is_stopped(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  size_t paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'T';
}

void expect_program_queues_a_burst(ChildProcess& program, int port) {
  ASSERT_EQ(::kill(program.pid(), SIGSTOP), 0);
  for (int i = 0; i < 500 && !is_stopped(program.pid()); ++i) std::this_thread::sleep_for(10ms);
  int queued = queued_after_a_burst(port, 64);
  ::kill(program.pid(), SIGCONT);
  EXPECT_EQ(queued, 64) << "the listen backlog must be 128, not cpp-httplib's 5";
  EXPECT_TRUE(program.running());
}

TEST(ExclusiveListen, ProgramsAcceptQueuesHoldABurstOfConnections) {
  {
    SCOPED_TRACE("fake-fcm --listen");
    ChildProcess fcm({kBin + "fake-fcm", "--listen", "127.0.0.1:0"}, {});
    int port = announced_port(fcm, "http_port");
    ASSERT_GT(port, 0) << fcm.err();
    expect_program_queues_a_burst(fcm, port);
  }
  {
    SCOPED_TRACE("leakscope serve");
    const std::string profile = std::string(TEST_DATA_DIR) + "/callgraph.folded";
    ChildProcess serve({LEAKSCOPE_BIN, "serve", profile, "--http", "127.0.0.1:0"}, {});
    int port = announced_port(serve, "port", {{"what", "serve"}});
    ASSERT_GT(port, 0) << serve.err();
    expect_program_queues_a_burst(serve, port);
  }
  {
    SCOPED_TRACE("the profiler's debug endpoints");
    ChildProcess profiled({PROFILED_SERVICE_BIN}, {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
    ASSERT_TRUE(profiled.wait_for_output("ready", 10s)) << profiled.err();
    int port = debug_port(profiled);
    ASSERT_GT(port, 0) << profiled.err();
    expect_program_queues_a_burst(profiled, port);
  }
}

// The servers the endpoints and the relay run on refuse even when bound by cpp-httplib's own calls.
TEST(ExclusiveListen, GuardedServerBoundDirectly) {
  http::GuardedHttpServer first, second;
  int port = first.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  EXPECT_FALSE(second.bind_to_port("127.0.0.1", port));
}

TEST(ExclusiveListen, RawListenersInOneProcess) {
  int port = 0;
  int fd = http::listen_tcp("127.0.0.1:0", "test", port);
  ASSERT_GE(fd, 0);
  int again = 0;
  EXPECT_THROW(http::listen_tcp(address(port), "test", again), std::runtime_error);
  httplib::Server server;
  EXPECT_THROW(http::bind_http_server(server, address(port), "test"), std::runtime_error) << "nor an HTTP server";
  ::close(fd);
}

// A service account file for a relay that never reaches its token endpoint.
bool make_service_account(const std::string& path) {
  return run_program({kBin + "fake-fcm", "--make-service-account", path, "--token-uri", "http://127.0.0.1:1/token"})
             .exit_code == 0;
}

TEST(ExclusiveListen, RelayStatusServer) {
  auto dir = scratch_dir("exclusive-relay");
  ASSERT_TRUE(make_service_account(dir + "/sa.json"));
  // No broker: the first relay keeps retrying the connection and serving /healthz.
  std::vector<std::string> relay{
      kBin + "fcm-relay", "--credentials", dir + "/sa.json", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/",
      "--http-addr"};
  auto with = [&](const std::string& addr) {
    auto v = relay;
    v.push_back(addr);
    return v;
  };
  ChildProcess first(with("127.0.0.1:0"), {});
  auto listening = first.wait_for_event("listening", 10s);
  int port = listening ? listening->value("http_port", -1) : -1;
  ASSERT_GT(port, 0) << first.err();
  expect_refused(with(address(port)), address(port), "fcm-relay: ");
  EXPECT_EQ(http_status(port, "/healthz"), 200) << "the first relay still answers";
}

TEST(ExclusiveListen, RelayDebugEndpoints) {
  auto dir = scratch_dir("exclusive-relay-debug");
  ASSERT_TRUE(make_service_account(dir + "/sa.json"));
  std::vector<std::string> relay{
      kBin + "fcm-relay", "--credentials", dir + "/sa.json", "--amqp-url", "amqp://guest:guest@127.0.0.1:1/",
      "--http-addr",      "127.0.0.1:0",   "--debug-addr"};
  auto first_argv = relay;
  first_argv.push_back("127.0.0.1:0");
  ChildProcess first(first_argv, {});
  int port = wait_for_debug_port(first, 10s);
  ASSERT_GT(port, 0) << first.err();
  relay.push_back(address(port));
  expect_refused(relay, address(port), "fcm-relay: ");
  EXPECT_EQ(http_status(port, "/debug/vars"), 200) << "the first relay's endpoints still answer";
}

TEST(ExclusiveListen, FakeFcmHttp1) {
  ChildProcess first({kBin + "fake-fcm", "--listen", "127.0.0.1:0"}, {});
  auto listening = first.wait_for_event("listening", 10s);
  int port = listening ? listening->value("http_port", -1) : -1;
  ASSERT_GT(port, 0) << first.err();
  expect_refused({kBin + "fake-fcm", "--listen", address(port)}, address(port), "fake-fcm: ");
  EXPECT_TRUE(first.running());
}

TEST(ExclusiveListen, FakeFcmHttp2OverTls) {
  auto dir = scratch_dir("exclusive-h2");
  ASSERT_EQ(
      run_program({kBin + "fake-fcm", "--make-tls-cert", dir + "/cert.pem", "--tls-key", dir + "/key.pem"}).exit_code,
      0);
  auto argv = [&](const std::string& h2) {
    return std::vector<std::string>{kBin + "fake-fcm", "--listen",        "127.0.0.1:0", "--listen-h2",   h2,
                                    "--tls-cert",      dir + "/cert.pem", "--tls-key",   dir + "/key.pem"};
  };
  ChildProcess first(argv("127.0.0.1:0"), {});
  auto listening = first.wait_for_event("listening", 10s);
  int port = listening ? listening->value("h2_port", -1) : -1;
  ASSERT_GT(port, 0) << first.err();
  expect_refused(argv(address(port)), address(port), "fake-fcm: ");
  EXPECT_TRUE(first.running());
}

TEST(ExclusiveListen, LeakscopeServe) {
  const std::string profile = std::string(TEST_DATA_DIR) + "/callgraph.folded";
  ChildProcess first({LEAKSCOPE_BIN, "serve", profile, "--http", "127.0.0.1:0"}, {});
  int port = announced_port(first, "port", {{"what", "serve"}});
  ASSERT_GT(port, 0) << first.err();
  expect_refused({LEAKSCOPE_BIN, "serve", profile, "--http", address(port)}, address(port), "leakscope: ");
  EXPECT_EQ(http_status(port, "/ui/top"), 200) << "the first web UI still answers";
}

// A program linking the profiler decides for itself; profiled_service refuses to run unprofiled.
TEST(ExclusiveListen, ProgramLinkingTheProfiler) {
  ChildProcess first({PROFILED_SERVICE_BIN}, {"LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
  int port = wait_for_debug_port(first, 10s);
  ASSERT_GT(port, 0) << first.err();
  ChildProcess second({PROFILED_SERVICE_BIN}, {"LEAKSCOPE_DEBUG_ADDR=" + address(port)});
  EXPECT_EQ(second.wait_exit(20s), 2) << second.err();
  EXPECT_NE(second.err().find("cannot listen on " + address(port) + " for debug endpoints: address already in use"),
            std::string::npos)
      << second.err();
  EXPECT_EQ(http_status(port, "/debug/vars"), 200);
}

// Under the preload library the program the user runs is not stopped by a port in use: one line, and on it goes.
TEST(ExclusiveListen, PreloadedProgramRunsOnWithoutEndpoints) {
  auto dir = scratch_dir("exclusive-preload");
  auto program = [&](const std::string& name) {
    return std::vector<std::string>{KNOWN_ALLOCS_BIN, dir + "/" + name + ".heap", "1", "--linger"};
  };
  ChildProcess first(program("first"), {kPreload, "MALLOC_CONF=prof:true", "LEAKSCOPE_DEBUG_ADDR=127.0.0.1:0"});
  int port = wait_for_debug_port(first, 10s);
  ASSERT_GT(port, 0) << first.err();
  ChildProcess second(program("second"), {kPreload, "MALLOC_CONF=prof:true", "LEAKSCOPE_DEBUG_ADDR=" + address(port)});
  ASSERT_TRUE(second.wait_for_output("lingering", 10s)) << "the program runs on: " << second.err();
  std::string err = second.err();
  EXPECT_EQ(err, "leakscope: cannot listen on " + address(port) +
                     " for debug endpoints: address already in use; the program runs on\n");
  httplib::Client c("127.0.0.1", port);
  auto cmdline = c.Get("/debug/pprof/cmdline");
  ASSERT_TRUE(cmdline);
  EXPECT_NE(cmdline->body.find("first.heap"), std::string::npos) << "the first program still answers, alone";
}

}  // namespace
}  // namespace leakscope::test
