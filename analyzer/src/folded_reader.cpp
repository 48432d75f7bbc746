// Folded stacks (Brendan Gregg's stackcollapse output): "root;caller;leaf <count>" per line.
// Each frame becomes a function; identical names share one function and location.
// Also flamegraph.pl's two-column diff form "root;leaf <base> <new>" (difffolded.pl output).
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "text_cursor.h"

namespace leakscope::analyzer {

namespace {

// Parses a trailing count the way flamegraph.pl does (decimals accepted, rounded).
int64_t parse_count(std::string_view ct, TextCursor& cur) {
  // Fast path: plain integers, which is nearly every line of real input.
  if (!ct.empty() && ct.size() <= 18 &&
      std::all_of(ct.begin(), ct.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t n = 0;
    for (char c : ct) n = n * 10 + (c - '0');
    return n;
  }
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(std::string(ct), &used);
    if (used != ct.size()) throw std::invalid_argument("trailing");
  } catch (const std::out_of_range&) {
    cur.fail("count '" + std::string(ct) + "' is out of range");
  } catch (...) {
    cur.fail("expected a count at the end of the line but found '" + std::string(ct.substr(0, 20)) + "'");
  }
  if (!std::isfinite(v) || v < 0 || v > 9.2e18)
    cur.fail("count '" + std::string(ct) + "' must be a non-negative number below 2^63");
  return static_cast<int64_t>(std::llround(v));
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "rest <token>" at the last blank; false when there is none.
bool split_last(std::string_view s, std::string_view& rest, std::string_view& token) {
  size_t space = s.find_last_of(" \t");
  if (space == std::string_view::npos || space == 0) return false;
  token = s.substr(space + 1);
  rest = trim_right(s.substr(0, space));
  return !rest.empty();
}

bool is_number(std::string_view t) {
  if (t.empty()) return false;
  bool digit = false;
  for (char c : t) {
    if (c >= '0' && c <= '9')
      digit = true;
    else if (c != '.')
      return false;
  }
  return digit;
}

}  // namespace

bool is_diff_folded(const Profile& p) {
  for (const auto& c : p.comments)
    if (c == kDiffFoldedComment) return true;
  return false;
}

// FNV-1a: frame names are short, and std::hash's Murmur costs more than the lookup it feeds.
struct FrameHash {
  size_t operator()(std::string_view s) const {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
  }
};

Profile read_folded(std::string_view text, const std::string& source) {
  Profile p;
  p.sample_types = {{"samples", "count"}};
  p.period_type = {"samples", "count"};
  p.period = 1;
  std::unordered_map<std::string_view, uint64_t, FrameHash> location_of;
  TextCursor cur(text, source);
  std::string_view line;
  int columns = 0;  // 1: "stack count"; 2: flamegraph.pl's difffolded "stack base new". Set by the first line.
  while (cur.next(line)) {
    std::string_view s = trim_right(line);
    if (s.empty() || s.front() == '#') continue;
    std::string_view stack, count_text;
    if (!split_last(s, stack, count_text))
      cur.fail("expected 'frame;frame;... <count>' (a stack, a space and a count)");
    std::string_view before, base_text;
    if (columns == 0) {
      columns = split_last(stack, before, base_text) && is_number(base_text) && is_number(count_text) ? 2 : 1;
      if (columns == 2) {
        p.sample_types = {{"samples_base", "count"}, {"samples", "count"}};
        p.default_sample_type = "samples";
        p.comments.push_back(kDiffFoldedComment);
      }
    }
    Sample sample;
    if (columns == 2) {
      if (!split_last(stack, before, base_text) || !is_number(base_text))
        cur.fail("expected two counts 'stack <base> <new>' as on the first line (flamegraph.pl's diff format)");
      sample.values = {parse_count(base_text, cur), parse_count(count_text, cur)};
      stack = before;
    } else {
      sample.values = {parse_count(count_text, cur)};
    }
    // Frames root first in the text; the model stores leaf first.
    size_t start = 0;
    while (start <= stack.size()) {
      size_t end = stack.find(';', start);
      if (end == std::string_view::npos) end = stack.size();
      std::string_view frame = stack.substr(start, end - start);
      if (frame.empty()) cur.fail("empty frame name in stack (';;' or a leading/trailing ';')");
      auto [it, inserted] = location_of.try_emplace(frame, p.locations.size() + 1);
      if (inserted) {
        uint64_t id = it->second;
        p.functions.push_back(Function{id, std::string(frame), std::string(frame), "", 0});
        p.locations.push_back(Location{id, 0, 0, {Line{id, 0}}});
      }
      sample.location_ids.push_back(it->second);
      start = end + 1;
    }
    std::reverse(sample.location_ids.begin(), sample.location_ids.end());
    p.samples.push_back(std::move(sample));
  }
  if (p.samples.empty()) throw InputError(source, "", "no stacks found, expected folded lines 'a;b;c <count>'");
  return p;
}

}  // namespace leakscope::analyzer
