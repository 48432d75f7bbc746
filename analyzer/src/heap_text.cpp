#include "heap_text.h"

namespace leakscope::analyzer {

HeapCounts parse_heap_counts(std::string_view& s, const TextCursor& at) {
  HeapCounts c;
  c.inuse_objects = parse_int(s, at, "object count");
  expect(s, ":", at);
  c.inuse_bytes = parse_int(s, at, "byte count");
  expect(s, "[", at);
  c.alloc_objects = parse_int(s, at, "allocated object count");
  expect(s, ":", at);
  c.alloc_bytes = parse_int(s, at, "allocated byte count");
  expect(s, "]", at);
  return c;
}

void parse_addresses(std::string_view s, const TextCursor& at, std::vector<uint64_t>& out, EmptyStack empty) {
  out.clear();
  skip_spaces(s);
  while (!s.empty()) {
    out.push_back(parse_hex(s, at, "stack address"));
    skip_spaces(s);
  }
  if (out.empty() && empty == EmptyStack::kRefused) at.fail("expected at least one address after '@'");
}

}  // namespace leakscope::analyzer
