#include "leakscope/analyzer/sample_promotion.h"

#include <charconv>

#include "leakscope/analyzer/memory_figures.h"

namespace leakscope::analyzer {
namespace {

// "  t*: OBJS: BYTES [..." -> objs, bytes.
bool parse_total_line(std::string_view line, uint64_t& objs, uint64_t& bytes) {
  constexpr std::string_view kPrefix = "  t*: ";
  if (line.substr(0, kPrefix.size()) != kPrefix) return false;
  const char* p = line.data() + kPrefix.size();
  const char* end = line.data() + line.size();
  auto r = std::from_chars(p, end, objs);
  if (r.ec != std::errc() || end - r.ptr < 2 || r.ptr[0] != ':' || r.ptr[1] != ' ') return false;
  return std::from_chars(r.ptr + 2, end, bytes).ec == std::errc();
}

}  // namespace

uint64_t sample_promotion_bytes(std::string_view dump, uint64_t promoted_size) {
  if (promoted_size == 0) return 0;
  uint64_t total = 0;
  bool after_stack = false;  // the line before was a stack ("@ 0x..."): this one is its total
  while (!dump.empty()) {
    size_t nl = dump.find('\n');
    std::string_view line = dump.substr(0, nl);
    dump.remove_prefix(nl == std::string_view::npos ? dump.size() : nl + 1);
    if (!line.empty() && line[0] == '@') {
      after_stack = true;
      continue;
    }
    if (line.rfind("MAPPED_LIBRARIES:", 0) == 0) break;
    uint64_t objs = 0, bytes = 0;
    if (after_stack && parse_total_line(line, objs, bytes) && objs * promoted_size > bytes)
      total += objs * promoted_size - bytes;
    after_stack = false;
  }
  return total;
}

std::string with_sample_promotion(std::string comment, uint64_t bytes) {
  constexpr std::string_view kField = " sample_promotion=";
  if (comment.rfind(kMemoryCommentPrefix, 0) != 0) return comment;
  size_t at = comment.find(kField);
  if (at == std::string::npos) return comment;
  size_t value = at + kField.size();
  size_t end = comment.find(' ', value);
  comment.replace(value, (end == std::string::npos ? comment.size() : end) - value, std::to_string(bytes));
  return comment;
}

}  // namespace leakscope::analyzer
