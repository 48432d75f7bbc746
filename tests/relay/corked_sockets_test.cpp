// CorkedSockets on real loopback TCP: what a corked socket holds back is measured in the kernel's
// own count of unsent bytes (SIOCOUTQNSD) and in what the peer receives.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "leakscope/relay/corked_sockets.h"

namespace leakscope::relay {
namespace {

// A connected loopback pair: `client` writes, `server` reads.
struct LoopbackPair {
  int client = -1, server = -1;
  LoopbackPair() {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    listen(listener, 1);
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
    client = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as libcurl sets it
    connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    server = accept(listener, nullptr, nullptr);
    close(listener);
  }
  ~LoopbackPair() {
    close(client);
    close(server);
  }
  int unsent() const {
    int n = -1;
    ioctl(client, SIOCOUTQNSD, &n);
    return n;
  }
  void write(const std::string& s) const { ASSERT_EQ(send(client, s.data(), s.size(), 0), ssize_t(s.size())); }
  // What has arrived, waiting at most `wait_ms` for the first byte.
  std::string received(int wait_ms) const {
    pollfd p{server, POLLIN, 0};
    std::string got;
    char buf[256];
    while (poll(&p, 1, got.empty() ? wait_ms : 0) == 1) {
      ssize_t r = recv(server, buf, sizeof buf, 0);
      if (r <= 0) break;
      got.append(buf, size_t(r));
    }
    return got;
  }
};

TEST(CorkedSockets, HoldsWritesUntilFlushThenSendsThemTogether) {
  LoopbackPair pair;
  ASSERT_GE(pair.server, 0);
  CorkedSockets corks;
  ASSERT_TRUE(corks.cork(pair.client));
  pair.write("HEADERS");
  pair.write("DATA");
  EXPECT_EQ(pair.unsent(), 11);  // both frames still queued in the kernel
  corks.flush();
  EXPECT_EQ(pair.unsent(), 0);
  EXPECT_EQ(pair.received(2000), "HEADERSDATA");
  pair.write("NEXT");  // corked again after the flush
  EXPECT_EQ(pair.unsent(), 4);
  corks.flush();
  EXPECT_EQ(pair.received(2000), "NEXT");
}

TEST(CorkedSockets, FlushSendsFromASocketWithNagleOnAndLeavesItCorked) {
  LoopbackPair pair;
  int off = 0;
  ASSERT_EQ(setsockopt(pair.client, IPPROTO_TCP, TCP_NODELAY, &off, sizeof off), 0);
  CorkedSockets corks;
  ASSERT_TRUE(corks.cork(pair.client));
  pair.write("HEADERS");
  corks.flush();
  EXPECT_EQ(pair.unsent(), 0);
  EXPECT_EQ(pair.received(2000), "HEADERS");
  int cork = -1;
  socklen_t len = sizeof cork;
  ASSERT_EQ(getsockopt(pair.client, IPPROTO_TCP, TCP_CORK, &cork, &len), 0);
  EXPECT_EQ(cork, 1);
  pair.write("DATA");
  pair.write("MORE");
  EXPECT_EQ(pair.unsent(), 8);  // held until the next flush
}

TEST(CorkedSockets, AnUncorkedSocketSendsEachWriteAtOnce) {
  LoopbackPair pair;
  pair.write("HEADERS");
  EXPECT_EQ(pair.unsent(), 0);
  EXPECT_EQ(pair.received(2000), "HEADERS");
}

TEST(CorkedSockets, AForgottenSocketIsNoLongerFlushed) {
  LoopbackPair pair;
  CorkedSockets corks;
  ASSERT_TRUE(corks.cork(pair.client));
  EXPECT_TRUE(corks.corked(pair.client));
  corks.forget(pair.client);
  EXPECT_FALSE(corks.corked(pair.client));
  pair.write("HEADERS");
  corks.flush();
  EXPECT_EQ(pair.unsent(), 7);  // still corked by the kernel: flush left it alone
}

TEST(CorkedSockets, RefusesASocketThatIsNotTcp) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  CorkedSockets corks;
  EXPECT_FALSE(corks.cork(fds[0]));
  EXPECT_FALSE(corks.corked(fds[0]));
  close(fds[0]);
  close(fds[1]);
}

}  // namespace
}  // namespace leakscope::relay
