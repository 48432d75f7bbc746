#include "leakscope/relay/ack_window.h"

namespace leakscope::relay {

void AckWindow::finished(uint64_t tag) {
  auto it = unacked_.find(tag);
  if (it == unacked_.end() || it->second) return;
  it->second = true;
  ++finished_count_;
}

void AckWindow::forget(uint64_t tag) {
  auto it = unacked_.find(tag);
  if (it == unacked_.end()) return;
  if (it->second) --finished_count_;
  unacked_.erase(it);
}

std::vector<Ack> AckWindow::take_acks(bool all_finished) {
  std::vector<Ack> acks;
  Ack run;  // the finished oldest run: one cumulative ack
  while (!unacked_.empty() && unacked_.begin()->second) {
    run.tag = unacked_.begin()->first;
    ++run.deliveries;
    unacked_.erase(unacked_.begin());
    --finished_count_;
  }
  if (run.deliveries > 0) {
    run.multiple = run.deliveries > 1;
    acks.push_back(run);
  }
  if (finished_count_ > max_held_ || (all_finished && finished_count_ > 0)) {  // held back by a slow one: singly
    for (auto it = unacked_.begin(); it != unacked_.end();) {
      if (!it->second) {
        ++it;
        continue;
      }
      acks.push_back({it->first, false, 1});
      it = unacked_.erase(it);
    }
    finished_count_ = 0;
  }
  return acks;
}

std::vector<uint64_t> AckWindow::unfinished() const {
  std::vector<uint64_t> tags;
  for (const auto& [tag, done] : unacked_)
    if (!done) tags.push_back(tag);
  return tags;
}

}  // namespace leakscope::relay
