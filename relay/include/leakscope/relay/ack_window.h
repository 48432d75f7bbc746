// Which acknowledgements to send, given deliveries that finish out of order. RabbitMQ keeps a
// channel's unacknowledged deliveries in order and finds a single ack by walking from the oldest,
// so acking out of order costs the broker more the more are unacked; a cumulative ack
// (multiple=true) of the finished oldest run costs it least. A delivery that takes long (a retry
// waiting out its backoff) would hold back everything behind it, so once more than `max_held`
// finished deliveries wait behind unfinished ones they are acked one by one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace leakscope::relay {

struct Ack {
  uint64_t tag = 0;
  bool multiple = false;  // also every older unacked delivery of the channel
  size_t deliveries = 0;  // how many this ack settles
};

class AckWindow {
 public:
  explicit AckWindow(size_t max_held) : max_held_(max_held) {}

  void delivered(uint64_t tag) { unacked_.emplace(tag, false); }
  // Marks a delivery finished (to be acked); unknown tags are ignored.
  void finished(uint64_t tag);
  // Removes a delivery settled some other way (rejected or requeued).
  void forget(uint64_t tag);
  // The acks to send now, oldest first; the window forgets what they settle. `all_finished`
  // settles every finished delivery however few are held back (at shutdown).
  std::vector<Ack> take_acks(bool all_finished = false);

  // Delivered and not yet finished, oldest first.
  std::vector<uint64_t> unfinished() const;
  size_t unacked() const { return unacked_.size(); }
  size_t unfinished_count() const { return unacked_.size() - finished_count_; }

 private:
  size_t max_held_;
  std::map<uint64_t, bool> unacked_;  // tag -> finished
  size_t finished_count_ = 0;         // of unacked_ entries
};

}  // namespace leakscope::relay
