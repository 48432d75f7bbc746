#include "leakscope/analyzer/pattern.h"

#include <re2/re2.h>

#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace leakscope::analyzer {

Pattern Pattern::compile(const std::string& pattern, const std::string& option) {
  static std::mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  {
    std::lock_guard lock(mu);
    auto it = cache.find(pattern);
    if (it != cache.end()) return Pattern(it->second);
  }
  // Compiled outside the lock: one slow compile must not hold up every other request.
  RE2::Options o;
  o.set_log_errors(false);  // the error is ours to report, as one line
  // Memory per pattern (program and DFA cache; past it RE2 falls back to its NFA, still linear):
  // 2 MiB, not the default 8, so that the cache below holds at most 128 MiB however hostile the
  // patterns. The allocator-frames pattern needs under 1 MiB (measured: 118 ns a match at 1 MiB).
  o.set_max_mem(2 << 20);
  auto re = std::make_shared<const re2::RE2>(pattern, o);
  if (!re->ok()) throw std::invalid_argument(option + ": invalid pattern \"" + pattern + "\": " + re->error());
  std::lock_guard lock(mu);
  if (cache.size() >= 64) cache.clear();  // bounded: the web UI compiles what users type; holders keep theirs
  return Pattern(cache.emplace(pattern, std::move(re)).first->second);
}

bool Pattern::matches(std::string_view text) const {
  return re_ && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

const std::string& Pattern::source() const {
  static const std::string none;
  return re_ ? re_->pattern() : none;
}

}  // namespace leakscope::analyzer
