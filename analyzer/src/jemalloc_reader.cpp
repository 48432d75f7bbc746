// jemalloc 5 heap dump reader. Format (jemalloc's src/prof_data.c and the man page):
//   heap_v2/<sample period>
//     t*: <objs>: <bytes> [<cumobjs>: <cumbytes>]         process totals
//     t<uid>: ... [...] [<thread name>]                   per-thread totals
//   @ 0xpc 0xpc ...                                       one stack, leaf first
//     t*: ...                                             that stack's totals
//     t<uid>: ...                                         per thread
//   MAPPED_LIBRARIES:
//   <copy of /proc/PID/maps>
#include <string>

#include "heap_profile_builder.h"
#include "heap_text.h"
#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/warnings.h"
#include "memory_map.h"
#include "text_cursor.h"

namespace leakscope::analyzer {
namespace {

struct CountLine {
  bool all_threads = false;  // "t*"
  int64_t thread = 0;
  HeapCounts counts;
};

// "  t*: 1: 4096 [0: 0]" or "  t3: 1: 4096 [0: 0] name"
CountLine parse_count_line(std::string_view s, const TextCursor& at) {
  CountLine c;
  expect(s, "t", at);
  if (!s.empty() && s.front() == '*') {
    c.all_threads = true;
    s.remove_prefix(1);
  } else {
    c.thread = parse_int(s, at, "thread id");
  }
  expect(s, ":", at);
  c.counts = parse_heap_counts(s, at);
  if (c.counts.inuse_objects < 0 || c.counts.inuse_bytes < 0 || c.counts.alloc_objects < 0 || c.counts.alloc_bytes < 0)
    at.fail("negative count in a heap dump");
  return c;
}

bool is_count_line(std::string_view line) {
  skip_spaces(line);
  return !line.empty() && line.front() == 't';
}

}  // namespace

Profile read_jemalloc_heap(std::string_view text, const std::string& source) {
  TextCursor cur(text, source);
  std::string_view line;
  if (!cur.next(line) || line.substr(0, 8) != "heap_v2/") cur.fail("expected 'heap_v2/<period>' header");
  line.remove_prefix(8);
  int64_t period = parse_int(line, cur, "sample period");
  if (period < 1) cur.fail("sample period must be positive");

  HeapProfileBuilder builder(period);
  bool has_alloc = false;
  bool saw_maps = false;
  HeapCounts header_total, stacks_total;
  std::vector<uint64_t> pcs;
  bool in_stack = false;
  HeapCounts stack_all, stack_threads_sum;
  std::vector<CountLine> stack_threads;
  std::vector<Label> stack_age;  // from the profiler's age pseudo-frame, when the stack has one

  auto flush_stack = [&] {
    if (!in_stack) return;
    in_stack = false;
    stacks_total.inuse_objects += stack_all.inuse_objects;
    stacks_total.inuse_bytes += stack_all.inuse_bytes;
    // One sample per thread line, labelled; each line is unsampled on its own, which is how
    // jemalloc pre-biased it. Whatever the thread lines do not cover stays unlabelled.
    for (const auto& t : stack_threads)
      if (t.counts.inuse_objects || t.counts.alloc_objects) {
        std::vector<Label> labels{Label{"thread", "", t.thread, ""}};
        labels.insert(labels.end(), stack_age.begin(), stack_age.end());
        builder.add(pcs, t.counts, std::move(labels));
      }
    HeapCounts rest{stack_all.inuse_objects - stack_threads_sum.inuse_objects,
                    stack_all.inuse_bytes - stack_threads_sum.inuse_bytes,
                    stack_all.alloc_objects - stack_threads_sum.alloc_objects,
                    stack_all.alloc_bytes - stack_threads_sum.alloc_bytes};
    if (rest.inuse_objects > 0 || rest.alloc_objects > 0) builder.add(pcs, rest, stack_age);
  };

  bool seen_header_total = false;
  while (cur.next(line)) {
    if (line.empty()) continue;
    if (line.front() == '@') {
      flush_stack();
      parse_addresses(line.substr(1), cur, pcs);
      auto age = take_age_frame(pcs);
      stack_age = age ? age_labels(*age) : std::vector<Label>{};
      in_stack = true;
      stack_all = {};
      stack_threads_sum = {};
      stack_threads.clear();
      bool got_all = false;
      // The stack's count lines follow.
      while (true) {
        std::string_view next;
        if (!cur.peek(next) || !is_count_line(next)) break;
        cur.next(next);
        CountLine c = parse_count_line(next, cur);
        if (c.counts.alloc_objects || c.counts.alloc_bytes) has_alloc = true;
        if (c.all_threads) {
          stack_all = c.counts;
          got_all = true;
        } else {
          stack_threads_sum.inuse_objects += c.counts.inuse_objects;
          stack_threads_sum.inuse_bytes += c.counts.inuse_bytes;
          stack_threads_sum.alloc_objects += c.counts.alloc_objects;
          stack_threads_sum.alloc_bytes += c.counts.alloc_bytes;
          stack_threads.push_back(c);
        }
      }
      if (!got_all) cur.fail("expected a 't*:' line after the stack");
      continue;
    }
    if (line.substr(0, 17) == "MAPPED_LIBRARIES:") {
      flush_stack();
      saw_maps = true;
      break;
    }
    if (is_count_line(line)) {
      if (in_stack) cur.fail("unexpected count line");
      CountLine c = parse_count_line(line, cur);
      if (c.counts.alloc_objects || c.counts.alloc_bytes) has_alloc = true;
      if (c.all_threads) {
        header_total = c.counts;
        seen_header_total = true;
      }
      continue;
    }
    cur.fail("expected '@ <addresses>', a 't*:'/'tN:' count line or 'MAPPED_LIBRARIES:'");
  }
  if (!seen_header_total) throw InputError(source, at_line(2), "expected the process total line '  t*: ...'");
  if (!saw_maps)
    throw InputError(source, at_line(cur.line_number()), "file ends before 'MAPPED_LIBRARIES:' (truncated dump?)");
  // jemalloc pre-biases every line on its own, so lines only add up when nothing is sampled away.
  if (period == 1 && (stacks_total.inuse_objects != header_total.inuse_objects ||
                      stacks_total.inuse_bytes != header_total.inuse_bytes))
    warn_once(source + ": stack totals (" + std::to_string(stacks_total.inuse_bytes) +
              " bytes) differ from the header's t* line (" + std::to_string(header_total.inuse_bytes) + " bytes)");
  builder.set_has_alloc(has_alloc);
  std::vector<Mapping> maps = parse_memory_map(cur);
  // jemalloc copies /proc/PID/maps whole, which ends with a newline: a partial last line means the
  // dump was cut, and the binaries it would have named are missing.
  if (text.back() != '\n')
    throw InputError(source, at_line(cur.line_number()),
                     "incomplete last line in MAPPED_LIBRARIES (truncated dump?): expected a mapping ending "
                     "with a newline");
  return builder.finish(std::move(maps));
}

}  // namespace leakscope::analyzer
