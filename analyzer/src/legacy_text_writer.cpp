// Legacy heap text (what Go serves at /debug/pprof/heap?debug=1): one line per sample with return
// addresses, then one "#\t0xpc\tfunction+0x0\tfile:line" comment per frame so a person, or
// leakscope's legacy reader, can read it without binaries. Values are already unsampled, so the
// header says "heapprofile" (period 1: no further scaling).
#include <cinttypes>
#include <cstdio>

#include "leakscope/analyzer/writers.h"

namespace leakscope::analyzer {

std::string write_legacy_heap_text(const Profile& p) {
  auto index = [&](const char* name, const char* fallback) {
    int i = p.sample_index(name);
    return i >= 0 ? i : p.sample_index(fallback);
  };
  int io = index("inuse_objects", "objects"), ib = index("inuse_space", "space");  // growth profiles: objects/space
  int ao = p.sample_index("alloc_objects"), ab = p.sample_index("alloc_space");
  auto value = [](const Sample& s, int i) { return i >= 0 ? s.values[i] : int64_t{0}; };
  int64_t t[4] = {0, 0, 0, 0};
  for (const auto& s : p.samples) {
    t[0] += value(s, io);
    t[1] += value(s, ib);
    t[2] += value(s, ao);
    t[3] += value(s, ab);
  }
  std::string out;
  char buf[256];
  std::snprintf(buf, sizeof buf, "heap profile: %" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "] @ heapprofile\n",
                t[0], t[1], t[2], t[3]);
  out += buf;
  for (const auto& s : p.samples) {
    std::snprintf(buf, sizeof buf, "%" PRId64 ": %" PRId64 " [%" PRId64 ": %" PRId64 "] @", value(s, io), value(s, ib),
                  value(s, ao), value(s, ab));
    out += buf;
    for (auto id : s.location_ids) {
      std::snprintf(buf, sizeof buf, " 0x%" PRIx64, p.location(id).address + 1);
      out += buf;
    }
    out += "\n";
    for (auto id : s.location_ids) {
      const Location& loc = p.location(id);
      for (const auto& line : loc.lines) {
        const Function& f = p.function(line.function_id);
        std::snprintf(buf, sizeof buf, "#\t0x%" PRIx64 "\t", loc.address + 1);
        out +=
            buf + f.name + "+0x0\t" + (f.filename.empty() ? "?" : f.filename) + ":" + std::to_string(line.line) + "\n";
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace leakscope::analyzer
