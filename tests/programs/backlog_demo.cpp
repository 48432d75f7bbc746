// A miniature of the relay's first historic leak, for `make demo` until scenarios/ exists:
// an auto-ack consumer copies every delivery's body (recv_content) into a backlog that a slower
// sender drains (send_one), so the backlog grows without bound.
// Usage: backlog_demo SNAPSHOT_DIR  (run with MALLOC_CONF=prof:true,lg_prof_sample:<N>)
// Writes SNAPSHOT_DIR/snapshot.N.heap after each of five rounds of 20000 deliveries.
#include <jemalloc/jemalloc.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>

namespace {

struct Delivery {
  std::unique_ptr<char[]> body;
  size_t size;
};
std::deque<Delivery> backlog;
std::string routing_table;  // allocated once at start-up: large but not a leak

__attribute__((noinline)) void recv_content(const char* frame, size_t size) {
  Delivery d{std::unique_ptr<char[]>(new char[size]), size};
  std::memcpy(d.body.get(), frame, size);
  backlog.push_back(std::move(d));
}

__attribute__((noinline)) void send_one() {
  if (!backlog.empty()) backlog.pop_front();
}

__attribute__((noinline)) void load_routing_table() { routing_table.assign(8 << 20, 'r'); }

bool dump(const std::string& path) {
  const char* p = path.c_str();
  return mallctl("prof.dump", nullptr, nullptr, &p, sizeof p) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: backlog_demo SNAPSHOT_DIR\n");
    return 2;
  }
  std::string dir = argv[1];
  load_routing_table();
  char frame[2048];
  std::memset(frame, 'm', sizeof frame);
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 20000; ++i) {
      recv_content(frame, 1024 + (i % 1024));  // the broker pushes...
      if (i % 3 == 0) send_one();              // ...faster than FCM accepts
    }
    if (!dump(dir + "/snapshot." + std::to_string(round) + ".heap")) {
      std::fprintf(stderr, "prof.dump failed: is MALLOC_CONF=prof:true set?\n");
      return 1;
    }
  }
  return 0;
}
