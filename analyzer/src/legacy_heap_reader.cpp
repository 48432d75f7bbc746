// gperftools / Go legacy text heap profile reader (pprof's profile/legacy_profile.go parseHeap):
//   heap profile: <inuse objs>: <inuse bytes> [<alloc objs>: <alloc bytes>] @ heap_v2/<period>
//   <objs>: <bytes> [<objs>: <bytes>] @ 0xpc 0xpc ...
//   #	0xpc	func+0xoff	file:line          (Go debug=1 only: symbols for the stack above)
//   MAPPED_LIBRARIES: | --- Memory map: ---    followed by /proc/PID/maps
// Go writes "@ heap/<2*MemProfileRate>", so the period there is half the number.
// gperftools' MallocExtension::GetHeapGrowthStacks writes "@ growthz" (and fragmentation profiles
// "@ fragmentationz"): every sample, period 1, and pprof names their types objects/space.
#include <map>
#include <string>
#include <tuple>

#include "heap_profile_builder.h"
#include "heap_text.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "memory_map.h"
#include "text_cursor.h"

namespace leakscope::analyzer {
namespace {

struct HintFrame {
  std::string function, file;
  int64_t line = 0;
};

// Go's "#\t0x4b1c25\tmain.allocA+0x45\t/src/main.go:12" comment, one frame per line.
bool parse_go_frame_comment(std::string_view s, uint64_t& pc, HintFrame& f) {
  if (s.empty() || s.front() != '#') return false;
  s.remove_prefix(1);
  skip_spaces(s);
  if (s.substr(0, 2) != "0x") return false;
  size_t tab = s.find('\t');
  if (tab == std::string_view::npos) return false;
  try {
    pc = std::stoull(std::string(s.substr(2, tab - 2)), nullptr, 16);
  } catch (...) {
    return false;
  }
  s.remove_prefix(tab + 1);
  size_t tab2 = s.find('\t');
  if (tab2 == std::string_view::npos) return false;
  std::string_view name = s.substr(0, tab2);
  if (size_t plus = name.rfind("+0x"); plus != std::string_view::npos) name = name.substr(0, plus);
  std::string_view where = s.substr(tab2 + 1);
  skip_spaces(where);
  f.function = std::string(name);
  size_t colon = where.rfind(':');
  if (colon != std::string_view::npos) {
    f.file = std::string(where.substr(0, colon));
    try {
      f.line = std::stoll(std::string(where.substr(colon + 1)));
    } catch (...) {
      f.line = 0;
    }
  } else {
    f.file = std::string(where);
  }
  return true;
}

void apply_hints(Profile& p, const std::map<uint64_t, std::vector<HintFrame>>& hints) {
  if (hints.empty()) return;
  std::map<std::pair<std::string, std::string>, uint64_t> function_ids;
  for (auto& loc : p.locations) {
    auto it = hints.find(loc.address + 1);                // Go prints the return address...
    if (it == hints.end()) it = hints.find(loc.address);  // ...or the call address
    if (it == hints.end()) continue;
    for (const auto& f : it->second) {
      auto [fit, inserted] = function_ids.try_emplace({f.function, f.file}, p.functions.size() + 1);
      if (inserted) p.functions.push_back(Function{fit->second, f.function, f.function, f.file, 0});
      loc.lines.push_back(Line{fit->second, f.line});
    }
  }
}

}  // namespace

Profile read_legacy_heap(std::string_view text, const std::string& source) {
  TextCursor cur(text, source);
  std::string_view line;
  if (!cur.next(line) || !consume(line, "heap profile:")) cur.fail("expected 'heap profile:' header");
  HeapCounts header = parse_heap_counts(line, cur);
  expect(line, "@", cur);
  skip_spaces(line);
  int64_t period = 1;
  bool growth = false;
  if (consume(line, "growth") || consume(line, "fragmentation")) {
    growth = true;  // pprof's growthHeaderRE / fragmentationHeaderRE: period 1, the first pair only
  } else if (consume(line, "heap_v2/") || consume(line, "heapz_v2/")) {
    period = parse_int(line, cur, "sample period");
  } else if (consume(line, "heap/")) {
    period = parse_int(line, cur, "sample period") / 2;  // Go reports 2*MemProfileRate
  } else if (consume(line, "heapprofile") || consume(line, "heap")) {
    period = 1;
  } else {
    cur.fail("expected 'heap_v2/<period>', 'heap/<2*period>', 'heapprofile' or 'growthz' after '@'");
  }
  if (period < 1) period = 1;

  HeapProfileBuilder builder(period);
  // As pprof's parseHeapHeader: four sample types when either alloc number is non-zero and differs
  // from its inuse number ("1: 10 [1: 0]" and "2: 10 [0: 10]" have two).
  const bool has_alloc = !growth && ((header.alloc_objects && header.alloc_objects != header.inuse_objects) ||
                                     (header.alloc_bytes && header.alloc_bytes != header.inuse_bytes));
  builder.set_has_alloc(has_alloc);
  std::map<uint64_t, std::vector<HintFrame>> hints;
  std::vector<uint64_t> pcs;
  std::vector<Mapping> maps;
  while (cur.next(line)) {
    std::string_view s = line;
    skip_spaces(s);
    if (s.empty()) continue;
    if (s.front() == '#') {
      uint64_t pc;
      HintFrame f;
      if (parse_go_frame_comment(s, pc, f)) hints[pc].push_back(std::move(f));
      continue;
    }
    if (s.substr(0, 17) == "MAPPED_LIBRARIES:" || s.substr(0, 19) == "--- Memory map: ---") {
      maps = parse_memory_map(cur);
      break;
    }
    HeapCounts c = parse_heap_counts(s, cur);
    // pprof's parseHeapSample refuses bytes without objects: the pair cannot be unsampled.
    if ((c.inuse_objects == 0 && c.inuse_bytes != 0) || (has_alloc && c.alloc_objects == 0 && c.alloc_bytes != 0))
      cur.fail("object count is 0 but byte count is not (expected '<objects>: <bytes>' with objects > 0)");
    expect(s, "@", cur);
    parse_addresses(s, cur, pcs, EmptyStack::kAllowed);
    builder.add(pcs, c);
  }
  Profile p = builder.finish(std::move(maps));
  if (growth) {
    // Not memory in use: where the heap grew. pprof's names, so -sample_index works the same in both.
    p.sample_types = {{"objects", "count"}, {"space", "bytes"}};
    p.default_sample_type = "space";
  }
  apply_hints(p, hints);
  return p;
}

}  // namespace leakscope::analyzer
