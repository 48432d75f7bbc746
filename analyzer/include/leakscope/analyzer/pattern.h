// Regular expressions in pprof's dialect: Go's regexp, which is RE2 syntax, matched by RE2 in time
// linear in the text. Every pattern leakscope matches goes through here: --focus/--ignore/--hide,
// peek and list, the web UI's fields, a profile's drop_frames/keep_frames, the allocator frames.
// std::regex (backtracking) took minutes of a core on `(.*.*)*[^\s\s]^`; RE2 has no such input.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace leakscope::analyzer {

class Pattern {
 public:
  // Compiles `pattern`, or takes it from the cache (the allocator-frames pattern is large, and a
  // command or a web UI request builds several stack tables). `option` says where the pattern came
  // from, for the error: std::invalid_argument `<option>: invalid pattern "<pattern>": <why>`.
  static Pattern compile(const std::string& pattern, const std::string& option);

  Pattern() = default;  // matches nothing
  // Whether the pattern matches anywhere in `text` (Go's MatchString); anchor it for a whole match.
  bool matches(std::string_view text) const;
  const std::string& source() const;
  bool empty() const { return re_ == nullptr; }

 private:
  explicit Pattern(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  std::shared_ptr<const re2::RE2> re_;  // const RE2 is safe to match from many threads
};

}  // namespace leakscope::analyzer
