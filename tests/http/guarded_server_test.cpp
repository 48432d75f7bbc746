// GuardedHttpServer over real loopback sockets: trickling clients are cut off at the header
// deadline while others are served, slow handlers at their allowance, and connections over the bound
// are answered 503 at once. Short limits keep each test to a few seconds.
#include "leakscope/http/guarded_server.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <thread>

#include "leakscope/http/listen.h"
#include "raw_connection.h"

namespace leakscope::test {
namespace {

using namespace std::chrono_literals;
using http::ConnectionLimits;
using http::GuardedHttpServer;

class Guarded : public ::testing::Test {
 protected:
  void start(ConnectionLimits limits) {
    server_ = std::make_unique<GuardedHttpServer>(limits);
    server_->set_read_timeout(5, 0);  // per read, as the debug server: each trickled byte passes it
    server_->Get("/fast",
                 [](const httplib::Request&, httplib::Response& res) { res.set_content("fast\n", "text/plain"); });
    server_->Get("/sleep", [](const httplib::Request& req, httplib::Response& res) {
      auto ms = std::chrono::milliseconds(std::stoi(req.get_param_value("ms")));
      if (req.has_param("extend")) GuardedHttpServer::extend_allowance(ms);
      std::this_thread::sleep_for(ms);
      res.set_content("slept\n", "text/plain");
    });
    port_ = http::bind_http_server(*server_, "127.0.0.1:0", "test");
    server_->start_watchdog();
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(5ms);
  }
  void TearDown() override {
    if (!server_) return;
    server_->stop();
    thread_.join();
  }

  std::unique_ptr<GuardedHttpServer> server_;
  std::thread thread_;
  int port_ = -1;
};

ConnectionLimits limits(int header_ms, int handler_ms, size_t max_connections, size_t workers) {
  ConnectionLimits l;
  l.header_deadline = std::chrono::milliseconds(header_ms);
  l.handler_allowance = std::chrono::milliseconds(handler_ms);
  l.max_connections = max_connections;
  l.worker_threads = workers;
  return l;
}

TEST_F(Guarded, TricklingClientsAreCutOffWhileOthersAreServed) {
  start(limits(1000, 5000, 32, 2));
  // More tricklers than workers: without a header deadline they would hold both workers for as long
  // as they keep sending (each byte well inside the 5 s per-read timeout).
  RawConnections slow = open_connections(port_, 4);
  ASSERT_TRUE(all_connected(slow));
  auto r = slowloris(port_, slow, "GET /fast HTTP/1.1\r\nHost: x\r\nX-Slow: ", "/fast", 100, 100ms);  // ≤ 10 s
  EXPECT_EQ(r.still_open, 0u) << "every trickling client is cut off at the header deadline";
  EXPECT_TRUE(r.served_while_trickling) << "a normal request is answered while the tricklers are still sending";
}

// The accepted socket is looked for near the previous one's number first; one that lands far from it
// (the process opened many descriptors in between) is still found, watched and cut off.
TEST_F(Guarded, AConnectionFarFromThePreviousNumberIsStillCutOff) {
  start(limits(1000, 5000, 32, 2));
  httplib::Client first("127.0.0.1", port_);
  auto served = first.Get("/fast");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  first.stop();
  std::vector<int> filler;  // takes the numbers around the first connection's
  for (int i = 0; i < 200; ++i) filler.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  RawConnections slow = open_connections(port_, 2);
  ASSERT_TRUE(all_connected(slow));
  EXPECT_GT(slow[0]->fd(), filler[0] + 100) << "the new connections' numbers lie far from the first's";
  auto r = slowloris(port_, slow, "GET /fast HTTP/1.1\r\nHost: x\r\nX-Slow: ", "/fast", 100, 100ms);  // ≤ 10 s
  EXPECT_EQ(r.still_open, 0u) << "both trickling clients are cut off at the header deadline";
  for (int fd : filler) ::close(fd);
}

TEST_F(Guarded, HandlersGetTheirAllowanceAndMayExtendIt) {
  start(limits(1000, 1000, 32, 2));
  httplib::Client c("127.0.0.1", port_);
  c.set_read_timeout(10, 0);
  auto quick = c.Get("/sleep?ms=100");
  ASSERT_TRUE(quick);
  EXPECT_EQ(quick->status, 200);
  auto over = c.Get("/sleep?ms=2500");
  EXPECT_FALSE(over && over->status == 200) << "a handler past its allowance loses its connection";
  auto extended = c.Get("/sleep?ms=2500&extend=1");
  ASSERT_TRUE(extended);
  EXPECT_EQ(extended->status, 200) << "a handler that waits on purpose extends its own allowance";
}

TEST_F(Guarded, KeepAliveRequestsEachGetAFreshDeadline) {
  // Idle gaps between keep-alive requests outlast the handler allowance but not the header deadline,
  // which starts again once each response is written.
  start(limits(2000, 1000, 32, 2));
  RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /sleep?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n")) << i;
    std::string got;
    EXPECT_TRUE(c.read_until("slept\n", 5s, got)) << i << ": " << got;
    std::this_thread::sleep_for(1200ms);
  }
}

TEST_F(Guarded, ConnectionsOverTheBoundAre503AtOnce) {
  // A header deadline the test never reaches, however slow the machine: the held four stay held.
  start(limits(60000, 5000, 4, 2));
  RawConnections idle = open_connections(port_, 20);
  ASSERT_TRUE(all_connected(idle));
  int busy = count_turned_away(idle, 16, 10s);
  EXPECT_EQ(busy, 16) << "4 held (2 served, 2 waiting), the other 16 turned away";
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(idle[i]->closed_by_server(0ms)) << "held connection " << i;
  idle.clear();
  EXPECT_EQ(status_once_freed(port_, "/fast", 10s), 200) << "served again once the idle connections are gone";
}

}  // namespace
}  // namespace leakscope::test
