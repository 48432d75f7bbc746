// Profiles that pprof's legacy parser (profile/legacy_profile.go parseLegacy, legacy_java_profile.go)
// recognizes but that are not heap profiles. Naming them beats "not a recognized profile".
#include <cstdint>
#include <regex>
#include <string>

#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {
namespace {

constexpr const char* kHeapOnly = "; leakscope reads heap profiles only";

uint64_t word(std::string_view b, size_t i, size_t size, bool big_endian) {
  uint64_t v = 0;
  for (size_t k = 0; k < size; ++k) {
    auto byte = static_cast<unsigned char>(b[i * size + (big_endian ? k : size - 1 - k)]);
    v = (v << 8) | byte;
  }
  return v;
}

// parseCPU: five header words 0, 3, 0 (C++) or 1 (Java), period > 0, 0; 32 or 64 bits, either order.
bool is_legacy_cpu_profile(std::string_view b) {
  for (size_t size : {4, 8})
    for (bool big : {false, true}) {
      if (b.size() < 5 * size) continue;
      if (word(b, 0, size, big) == 0 && word(b, 1, size, big) == 3 && word(b, 2, size, big) <= 1 &&
          word(b, 3, size, big) > 0 && word(b, 4, size, big) == 0)
        return true;
    }
  return false;
}

std::string_view trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The kind named by a "--- <marker>" line: the markers jeprof and gperftools' pprof write.
std::string kind_of_marker(std::string_view line) {
  if (starts_with(line, "--- contentionz 1 ---")) return "a contention profile (pprof's legacy format)";
  if (starts_with(line, "--- contentionz ") || starts_with(line, "--- contention"))
    return "a contention profile (pprof's legacy format)";
  if (starts_with(line, "--- mutex:")) return "a mutex contention profile (Go's legacy text format)";
  if (starts_with(line, "--- threadz ") || starts_with(line, "--- Thread "))
    return "a thread profile (pprof's legacy threadz format)";
  if (starts_with(line, "--- heapz 1 ---")) return "a Java heap profile (pprof's legacy heapz format)";
  return "";
}

}  // namespace

UnsupportedKind unsupported_profile_kind(std::string_view b) {
  if (is_legacy_cpu_profile(b))
    return {"byte 0", std::string("this is a CPU profile (pprof's legacy format)") + kHeapOnly};
  // The first line that is not blank or a comment, as pprof's parsers skip them.
  size_t pos = 0;
  uint64_t line_no = 0;
  std::string_view line;
  while (pos < b.size() && line_no < 64) {
    size_t end = b.find('\n', pos);
    if (end == std::string_view::npos) end = b.size();
    line = trim(b.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.front() != '#') break;
    line = {};
  }
  if (line.empty()) return {};
  std::string where = "line " + std::to_string(line_no);
  if (std::string kind = kind_of_marker(line); !kind.empty()) return {where, "this is " + kind + kHeapOnly};
  if (starts_with(line, "--- symbol")) {
    // jeprof/pprof --raw: "--- symbol", symbol lines, "---", then "--- profile|heap|growth|contention".
    for (size_t p = pos; p < b.size();) {
      size_t end = b.find('\n', p);
      if (end == std::string_view::npos) end = b.size();
      std::string_view l = trim(b.substr(p, end - p));
      p = end + 1;
      if (!starts_with(l, "--- ")) continue;
      if (starts_with(l, "--- profile"))
        return {where, std::string("this is a CPU profile (symbolized by pprof --raw)") + kHeapOnly};
      if (std::string kind = kind_of_marker(l); !kind.empty()) return {where, "this is " + kind + kHeapOnly};
      return {where,
              "this is a profile symbolized by jeprof/pprof --raw ('--- symbol' section), which leakscope does not "
              "read; give it the raw heap dump instead"};
    }
    return {where,
            "this is a profile symbolized by jeprof/pprof --raw ('--- symbol' section), which leakscope does "
            "not read; give it the raw heap dump instead"};
  }
  // parseGoCount: "goroutine profile: total 12", "threadcreate profile: total 7".
  static const std::regex count_start(R"(^(\S+) profile: total \d+$)");
  std::match_results<std::string_view::const_iterator> m;
  if (std::regex_match(line.begin(), line.end(), m, count_start) && m[1].str() != "heap")
    return {where, "this is a Go " + m[1].str() + " profile (a count of stacks, not memory)" + kHeapOnly};
  return {};
}

}  // namespace leakscope::analyzer
