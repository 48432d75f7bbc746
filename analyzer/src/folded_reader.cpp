// Folded stacks (Brendan Gregg's stackcollapse output): "root;caller;leaf <count>" per line.
// Each frame becomes a function; identical names share one function and location.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/text_cursor.h"

namespace leakscope {

Profile read_folded(std::string_view text, const std::string& source) {
  Profile p;
  p.sample_types = {{"samples", "count"}};
  p.period_type = {"samples", "count"};
  p.period = 1;
  std::unordered_map<std::string_view, uint64_t> location_of;
  TextCursor cur(text, source);
  std::string_view line;
  while (cur.next(line)) {
    std::string_view s = line;
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    if (s.empty() || s.front() == '#') continue;
    size_t space = s.find_last_of(" \t");
    if (space == std::string_view::npos || space == 0)
      cur.fail("expected 'frame;frame;... <count>' (a stack, a space and a count)");
    std::string_view count_text = s.substr(space + 1);
    std::string_view stack = s.substr(0, space);
    while (!stack.empty() && (stack.back() == ' ' || stack.back() == '\t')) stack.remove_suffix(1);
    // flamegraph.pl accepts decimal counts; so do we (rounded).
    std::string_view ct = count_text;
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
    if (!std::isfinite(v) || v < 0 || v > 9.2e18) cur.fail("count '" + std::string(ct) + "' must be a non-negative number below 2^63");
    Sample sample;
    sample.values = {static_cast<int64_t>(std::llround(v))};
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

}  // namespace leakscope
