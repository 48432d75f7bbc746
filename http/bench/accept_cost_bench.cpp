// What the guarded server's footing costs per accepted connection (issue #14 §4): finding the socket
// cpp-httplib has just accepted (http/src/accepted_socket.cpp), and a whole connection to a
// GuardedHttpServer, in a process holding N other descriptors (half files, half sockets), as a
// service with many connections and files open does.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "accepted_socket.h"
#include "leakscope/http/guarded_server.h"
#include "leakscope/http/listen.h"

namespace {

// N descriptors the scan has to look past: /dev/null opens and Unix socket pairs.
class OtherDescriptors {
 public:
  explicit OtherDescriptors(int n) {
    for (int i = 0; i < n / 2; ++i) fds_.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    for (int i = 0; i < n / 4; ++i) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) throw std::runtime_error("socketpair");
      fds_.insert(fds_.end(), {pair[0], pair[1]});
    }
  }
  ~OtherDescriptors() {
    for (int fd : fds_) ::close(fd);
  }

 private:
  std::vector<int> fds_;
};

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("connect");
  return fd;
}

// The lookup alone: one accepted socket among N others, as the task queue sees it after accept().
// With a hint (the previous find's number, as in the server) one below the socket's, so the lookup
// starts one descriptor off; without, the whole /proc/self/fd (the server's first connection).
void find_accepted_socket(benchmark::State& state, bool with_hint) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener, 16);
  int port = leakscope::http::local_port(listener);
  OtherDescriptors others(static_cast<int>(state.range(0)));
  int client = connect_loopback(port);
  int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  std::set<ino_t> watched;
  int hint = with_hint ? accepted - 1 : -1;
  for (auto _ : state) {
    ino_t inode = 0;
    int found = leakscope::http::find_accepted_socket(port, watched, hint, inode);
    if (found != accepted) state.SkipWithError("found the wrong socket");
    benchmark::DoNotOptimize(inode);
  }
  for (int fd : {accepted, client, listener}) ::close(fd);
}
void BM_FindAcceptedSocketNearTheLast(benchmark::State& state) { find_accepted_socket(state, true); }
void BM_FindAcceptedSocketScanningAll(benchmark::State& state) { find_accepted_socket(state, false); }
BENCHMARK(BM_FindAcceptedSocketNearTheLast)->Arg(0)->Arg(500)->Arg(2000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FindAcceptedSocketScanningAll)->Arg(0)->Arg(100)->Arg(500)->Arg(2000)->Unit(benchmark::kMicrosecond);

// A whole connection: connect, one request with Connection: close, the response read to its end.
void BM_GuardedConnection(benchmark::State& state) {
  leakscope::http::GuardedHttpServer server;
  server.Get("/fast", [](const httplib::Request&, httplib::Response& res) { res.set_content("fast\n", "text/plain"); });
  int port = leakscope::http::bind_http_server(server, "127.0.0.1:0", "bench");
  server.start_watchdog();
  std::thread thread([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  OtherDescriptors others(static_cast<int>(state.range(0)));
  static const std::string kRequest = "GET /fast HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
  char buffer[4096];
  for (auto _ : state) {
    int fd = connect_loopback(port);
    (void)!::write(fd, kRequest.data(), kRequest.size());
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
    ::close(fd);
  }
  server.stop();
  thread.join();
}
BENCHMARK(BM_GuardedConnection)->Arg(0)->Arg(500)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
