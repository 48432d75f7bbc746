#include "leakscope/relay/leak_modes.h"

#include <cstring>

namespace leakscope::relay {

bool DeliveryBacklog::pop(std::string& body) {
  if (bodies_.empty()) return false;
  body.assign(bodies_.front().bytes.get(), bodies_.front().size);
  bodies_.pop_front();
  return true;
}

__attribute__((noinline)) void recv_content(DeliveryBacklog& backlog, const Delivery& d) {
  // The body copy the broker's unbounded push forces on an auto-ack consumer.
  std::unique_ptr<char[]> copy(new char[d.body.size()]);
  std::memcpy(copy.get(), d.body.data(), d.body.size());
  backlog.bodies_.push_back({std::move(copy), d.body.size()});
}

__attribute__((noinline)) void notify_close(CloseListenerRegistry& registry, size_t generation) {
  // Each listener keeps a buffer alive, like a channel in the original Go service.
  auto buffer = std::make_shared<std::vector<char>>(4096, static_cast<char>(generation));
  registry.add([buffer, generation](const std::string&) { (void)buffer->size(); (void)generation; });
}

}  // namespace leakscope::relay
