#include "leakscope/scenarios/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <list>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "leakscope/http/listen.h"

namespace leakscope::scenarios {

struct FaultProxy::Impl {
  std::string host;
  int target_port;
  int listen_fd = -1, port = 0;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> accepted{0}, cut_count{0}, faults_applied{0};
  std::atomic<int> armed{-1};       // a FrameFault waiting for its frame, or -1
  std::atomic<bool> silent{false};  // black_hole(): forward nothing
  bool amqp_frames = true;          // else forwarded unparsed (a TLS stream)
  std::thread acceptor;
  std::mutex mu;
  struct Pair {
    int client, upstream;
    std::thread pump;
  };
  std::list<Pair> pairs;
  mutable std::mutex methods_mu;
  std::map<uint32_t, uint64_t> client_methods;  // (class << 16 | method) -> frames, guarded by methods_mu

  // Counts the method frames of the client's byte stream (after its 8-byte protocol header).
  struct ClientMethodCounter {
    Impl& proxy;
    size_t header_left = 8;
    std::string partial;
    void feed(const char* data, size_t n) {
      size_t skip = std::min(header_left, n);
      header_left -= skip;
      partial.append(data + skip, n - skip);
      size_t at = 0;
      while (partial.size() - at >= 7) {
        const auto* h = reinterpret_cast<const uint8_t*>(partial.data() + at);
        size_t frame_size = ((size_t(h[3]) << 24) | (size_t(h[4]) << 16) | (size_t(h[5]) << 8) | size_t(h[6])) + 8;
        if (partial.size() - at < frame_size) break;
        if (h[0] == 1 && frame_size >= 12) {  // a method frame: class id, method id
          std::lock_guard lock(proxy.methods_mu);
          ++proxy.client_methods[(uint32_t(h[7]) << 24) | (uint32_t(h[8]) << 16) | (uint32_t(h[9]) << 8) | h[10]];
        }
        at += frame_size;
      }
      partial.erase(0, at);
    }
  };

  // Splits the broker's byte stream into frames (type, channel, size, payload, 0xCE) and applies an
  // armed frame fault to the first channel frame that comes by.
  struct FrameRewriter {
    Impl& proxy;
    std::string partial;  // bytes of an incomplete frame
    std::string held;     // a frame waiting to be sent after the next one (kSwapWithNext)

    // Appends what to forward to `out`; keeps an incomplete last frame for the next read.
    void feed(const char* data, size_t n, std::string& out) {
      partial.append(data, n);
      size_t at = 0;
      while (partial.size() - at >= 7) {
        const auto* h = reinterpret_cast<const uint8_t*>(partial.data() + at);
        size_t frame_size = ((size_t(h[3]) << 24) | (size_t(h[4]) << 16) | (size_t(h[5]) << 8) | size_t(h[6])) + 8;
        if (partial.size() - at < frame_size) break;
        rewrite(std::string_view(partial).substr(at, frame_size), h[1] != 0 || h[2] != 0, out);
        at += frame_size;
      }
      partial.erase(0, at);  // once per read, not once per frame
    }

    void rewrite(std::string_view frame, bool channel_frame, std::string& out) {
      int fault = -1;
      if (channel_frame && held.empty()) fault = proxy.armed.exchange(-1);
      if (fault >= 0) ++proxy.faults_applied;
      switch (static_cast<FrameFault>(fault)) {
        case FrameFault::kSwapWithNext:
          held = frame;
          return;
        case FrameFault::kDuplicate:
          out += frame;
          break;
        case FrameFault::kDrop:
          return;
      }
      out += frame;
      if (channel_frame && !held.empty()) out += std::exchange(held, {});  // the swapped frame, now second
    }
  };

  // Forwards client <-> upstream until either side closes; the upstream's frames go through `rewriter`.
  static void pump(int client, int upstream, std::atomic<bool>& stopping, const std::atomic<bool>& silent,
                   bool amqp_frames, FrameRewriter rewriter, ClientMethodCounter counter) {
    char buf[65536];
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    while (!stopping) {
      if (poll(fds, 2, 100) < 0) break;
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) return;
        if (amqp_frames && fds[i].fd == client) counter.feed(buf, static_cast<size_t>(n));  // even unheard
        if (silent) continue;
        std::string rewritten;
        const char* out = buf;
        size_t len = static_cast<size_t>(n);
        if (amqp_frames && fds[i].fd == upstream) {  // frame boundaries are tracked from the first byte
          rewriter.feed(buf, len, rewritten);
          out = rewritten.data();
          len = rewritten.size();
        }
        for (size_t off = 0; off < len;) {
          // MSG_NOSIGNAL: a peer reset is an ordinary event here, not a reason to kill the process.
          ssize_t w = send(fds[1 - i].fd, out + off, len - off, MSG_NOSIGNAL);
          if (w <= 0) return;
          off += static_cast<size_t>(w);
        }
      }
    }
  }

  int connect_upstream() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(target_port));
    inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  void accept_loop() {
    while (!stopping) {
      pollfd p{listen_fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      int client = accept(listen_fd, nullptr, nullptr);
      if (client < 0) continue;
      int upstream = connect_upstream();
      if (upstream < 0) {
        close(client);
        continue;
      }
      ++accepted;
      std::lock_guard lock(mu);
      reap_finished();
      auto& pair = pairs.emplace_back(Pair{client, upstream, {}});
      pair.pump = std::thread([this, client, upstream] {
        pump(client, upstream, stopping, silent, amqp_frames, FrameRewriter{*this, {}, {}},
             ClientMethodCounter{*this, 8, {}});
        shutdown(client, SHUT_RDWR);
        shutdown(upstream, SHUT_RDWR);
      });
    }
  }

  // Joins pumps whose connections ended (their sockets were shut down).
  void reap_finished() {
    for (auto it = pairs.begin(); it != pairs.end();) {
      char c;
      if (recv(it->client, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0 || has_socket_error(it->client)) {
        it->pump.join();
        close(it->client);
        close(it->upstream);
        it = pairs.erase(it);
      } else {
        ++it;
      }
    }
  }
  static bool has_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0;
  }
};

FaultProxy::FaultProxy(std::string target_host, int target_port, const std::string& listen_host, bool amqp_frames)
    : impl_(std::make_unique<Impl>()) {
  impl_->amqp_frames = amqp_frames;
  impl_->host = std::move(target_host);
  impl_->target_port = target_port;
  impl_->listen_fd = http::listen_tcp(listen_host + ":0", "fault proxy", impl_->port);
  impl_->acceptor = std::thread([this] { impl_->accept_loop(); });
}

FaultProxy::~FaultProxy() {
  impl_->stopping = true;
  impl_->acceptor.join();
  cut_all();
  std::lock_guard lock(impl_->mu);
  for (auto& p : impl_->pairs) {
    if (p.pump.joinable()) p.pump.join();
    close(p.client);
    close(p.upstream);
  }
  close(impl_->listen_fd);
}

int FaultProxy::port() const { return impl_->port; }

void FaultProxy::cut_all() {
  std::lock_guard lock(impl_->mu);
  for (auto& p : impl_->pairs) {
    // RST to the client (SO_LINGER 0), FIN upstream: an abrupt drop as a network fault looks.
    linger l{1, 0};
    setsockopt(p.client, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    shutdown(p.client, SHUT_RDWR);
    shutdown(p.upstream, SHUT_RDWR);
  }
  ++impl_->cut_count;
}

void FaultProxy::inject(FrameFault fault) { impl_->armed = static_cast<int>(fault); }
void FaultProxy::black_hole() { impl_->silent = true; }

uint64_t FaultProxy::connections_accepted() const { return impl_->accepted; }
uint64_t FaultProxy::frame_faults_applied() const { return impl_->faults_applied; }
uint64_t FaultProxy::cuts() const { return impl_->cut_count; }
uint64_t FaultProxy::client_methods(uint16_t class_id, uint16_t method_id) const {
  std::lock_guard lock(impl_->methods_mu);
  auto it = impl_->client_methods.find((uint32_t(class_id) << 16) | method_id);
  return it == impl_->client_methods.end() ? 0 : it->second;
}

}  // namespace leakscope::scenarios
