#include "leakscope/profiler/leak_check.h"

#include <jemalloc/jemalloc.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"
#include "leakscope/profiler/jemalloc_control.h"
#include "leakscope/profiler/snapshotter.h"

namespace leakscope::profiler {
namespace {

template <typename T = uint64_t>
int64_t read_stat(const std::string& name) {
  T v = 0;
  size_t size = sizeof v;
  return mallctl(name.c_str(), &v, &size, nullptr, 0) == 0 ? static_cast<int64_t>(v) : 0;
}

// An arena's live bytes and objects ("stats.arenas.<i>.").
LiveTotals arena_totals(unsigned arena) {
  std::string prefix = "stats.arenas." + std::to_string(arena) + ".";
  LiveTotals t;
  t.bytes = read_stat<size_t>(prefix + "small.allocated") + read_stat<size_t>(prefix + "large.allocated");
  t.objects = read_stat(prefix + "small.nmalloc") - read_stat(prefix + "small.ndalloc") +
              read_stat(prefix + "large.nmalloc") - read_stat(prefix + "large.ndalloc");
  return t;
}

// The standard library's own frames (containers, std::function, shared_ptr) are plumbing too: the
// function to name is the caller that asked for the memory. So are frames of a shared library without
// symbols ("libre2.so.9.0.0+0x1438c"): an address in a library is no place to fix, the caller is.
constexpr const char* kLibraryFrames = "^(std::|__gnu_cxx::|__cxxabiv1::)|^lib[^ ]*\\.so[.0-9]*\\+0x[0-9a-f]+$";

// The suppression a sample falls under: the first whose regex matches a function anywhere on its
// stack, as in LeakSanitizer, so that `^leakscope::analyzer::Pattern::compile$` also covers what the
// library it calls allocates for it. -1: none.
int suppression_of(const analyzer::Profile& p, const analyzer::Sample& sample, const LeakCheckConfig& config) {
  for (size_t i = 0; i < config.suppressions.size(); ++i)
    for (uint64_t location : sample.location_ids)
      for (const analyzer::Line& line : p.location(location).lines)
        if (line.function_id != 0 && config.suppressions[i].function.matches(p.function(line.function_id).name))
          return static_cast<int>(i);
  return -1;
}

// Adds the sites of `p` (the growth of one group of samples) to r; `suppressed`: the group's reason.
void add_sites(const analyzer::Profile& p, const std::string& suppressed, LeakReport& r) {
  int bytes_index = p.sample_index("inuse_space");
  int objects_index = p.sample_index("inuse_objects");
  analyzer::StackOptions options;
  options.hide = kLibraryFrames;
  analyzer::StackTable stacks(p, options);
  std::vector<analyzer::NodeValue> bytes = analyzer::aggregate_nodes(p, stacks, bytes_index);
  std::vector<analyzer::NodeValue> objects = analyzer::aggregate_nodes(p, stacks, objects_index);
  for (uint32_t node = 0; node < stacks.node_count(); ++node) {
    if (bytes[node].flat <= 0 && objects[node].flat <= 0) continue;  // freed more than it took
    LeakSite s;
    s.function = stacks.name(node);
    const analyzer::StackTable::Origin& origin = stacks.origin(node);
    if (origin.function_id != 0) s.file = p.function(origin.function_id).filename;
    s.line = origin.line;
    s.bytes = bytes[node].flat;
    s.objects = objects[node].flat;
    s.suppressed = suppressed;
    if (!suppressed.empty()) {
      r.suppressed_bytes += std::max<int64_t>(s.bytes, 0);
      r.suppressed_objects += std::max<int64_t>(s.objects, 0);
    }
    r.sites.push_back(std::move(s));
  }
}

// Names the holders of the growth from the delta profile (now - before), the suppressed ones apart.
void name_sites(const analyzer::Profile& p, const LeakCheckConfig& config, LeakReport& r) {
  if (p.sample_index("inuse_space") < 0 || p.sample_index("inuse_objects") < 0) return;
  analyzer::Profile no_samples = p;
  no_samples.samples.clear();
  std::map<int, analyzer::Profile> groups;  // by suppression; -1: not suppressed
  for (const analyzer::Sample& sample : p.samples) {
    auto [it, added] = groups.try_emplace(suppression_of(p, sample, config));
    if (added) it->second = no_samples;
    it->second.samples.push_back(sample);
  }
  for (const auto& [index, group] : groups) {
    const LeakSuppression* sup = index < 0 ? nullptr : &config.suppressions[static_cast<size_t>(index)];
    add_sites(group, !sup ? "" : sup->reason.empty() ? sup->function.source() : sup->reason, r);
  }
  std::sort(r.sites.begin(), r.sites.end(), [](const LeakSite& a, const LeakSite& b) {
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.function < b.function;
  });
  r.profiled = true;
}

bool over(const LeakCheckConfig& c, int64_t bytes, int64_t objects) {
  return bytes > c.max_bytes || objects > c.max_objects;
}

void analyse_delta(const HeapDump& before, const LeakCheckConfig& config, LeakReport& r) {
  Snapshotter& snapshotter = Snapshotter::instance();
  HeapDump now = snapshotter.dump();
  SnapshotRequest request;
  request.base = &before;
  request.comments = {"leakscope:leak-check delta"};
  Snapshot s = snapshotter.encode(now, request);
  r.delta_proto_gz = std::move(s.bytes);
  analyzer::Profile p = analyzer::read_proto(analyzer::gunzip(r.delta_proto_gz, "leak-check delta", uint64_t{1} << 30),
                                             "leak-check delta");
  name_sites(p, config, r);
  // At a coarser rate the profile's totals are estimates; jemalloc's stay exact (no promotion).
  if (!r.profiled || profiling_state().lg_sample != 0) {
    r.bytes -= std::min(r.bytes, r.suppressed_bytes);
    r.objects -= std::min(r.objects, r.suppressed_objects);
    return;
  }
  r.bytes = p.total(p.sample_index("inuse_space")) - r.suppressed_bytes;
  r.objects = p.total(p.sample_index("inuse_objects")) - r.suppressed_objects;
}

// Takes the delta profile against `before` on a profiler thread (its own arena, no sampling, so the
// analysis's memory, e.g. RE2's lazily built automata, is not charged to the code under check).
// With every allocation sampled, the profile's net totals are the figures: jemalloc's stats.allocated counts every
// sampled small object at the size it was promoted to (at least 16 KiB), so under lg_prof_sample:0 its bytes are an
// upper bound; the objects agree.
void take_delta(const HeapDump& before, const LeakCheckConfig& config, LeakReport& r) {
  std::exception_ptr error;
  ThreadSamplingOff off;  // the thread's own state is live while it dumps
  std::thread worker([&] {
    become_profiler_thread();
    try {
      analyse_delta(before, config, r);
    } catch (...) {
      error = std::current_exception();
    }
  });
  worker.join();
  if (error) std::rethrow_exception(error);
}

// The first dump, held where the delta does not see it (allocated with this thread's sampling off).
std::unique_ptr<HeapDump> take_before() {
  ThreadSamplingOff off;
  return std::make_unique<HeapDump>(Snapshotter::instance().dump());
}

std::string threshold_text(const LeakCheckConfig& c) {
  return "threshold " + std::to_string(c.max_bytes) + " bytes, " + std::to_string(c.max_objects) + " objects";
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

LeakCheckConfig LeakCheckConfig::parse(const std::string& text, const std::string& source) {
  LeakCheckConfig c;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    size_t space = line.find_first_of(" \t");
    std::string first = line.substr(0, space);
    std::string rest = space == std::string::npos ? "" : trim(line.substr(space));
    std::string where = source + ":" + std::to_string(number);
    if (first == "max_bytes" || first == "max_objects") {
      char* end = nullptr;
      long long v = std::strtoll(rest.c_str(), &end, 10);
      if (rest.empty() || *end != '\0' || v < 0)
        throw std::invalid_argument(where + ": " + first + " wants a count >= 0, got \"" + rest + "\"");
      (first == "max_bytes" ? c.max_bytes : c.max_objects) = v;
      continue;
    }
    c.suppressions.push_back(
        {analyzer::Pattern::compile(first, where), rest});  // throws "<where>: invalid pattern ..."
  }
  return c;
}

LeakCheckConfig LeakCheckConfig::from_environment() {
  const char* path = std::getenv("LEAKSCOPE_LEAKCHECK_SUPPRESSIONS");
  if (path == nullptr || *path == '\0') return {};
  std::ifstream in(path);
  if (!in) throw std::invalid_argument(std::string(path) + ": cannot read (LEAKSCOPE_LEAKCHECK_SUPPRESSIONS)");
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

LiveTotals read_live_totals() {
  // Objects freed into this thread's cache are not yet counted as freed; flushing settles them.
  mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  mallctl("epoch", &epoch, &len, &epoch, len);
  // MALLCTL_ARENAS_ALL (4096): the merged statistics of every arena, less the profiler's own arena
  // (where the delta profile is decoded and analysed, see take_delta).
  LiveTotals t = arena_totals(4096);
  if (unsigned own = profiler_arena()) {
    LiveTotals p = arena_totals(own);
    t.bytes -= p.bytes;
    t.objects -= p.objects;
  }
  return t;
}

bool leak_check_can_profile() {
  ProfilingState s = profiling_state();
  return s.enabled && s.active && s.thread_active;
}

std::string LeakReport::text() const {
  std::ostringstream o;
  o << "leak check: " << why << "\n";
  if (!runs.empty()) {
    o << "growth per run (run 1 is the warm-up):";
    for (const auto& g : runs) o << "  #" << g.run << " " << g.bytes << " B/" << g.objects << " obj";
    o << "\n";
  }
  if (!profiled) {
    o << "(no sites: jemalloc profiling is not active; run with "
         "MALLOC_CONF=prof:true,prof_active:true,lg_prof_sample:0)\n";
    return o.str();
  }
  char row[512];
  std::snprintf(row, sizeof row, "%12s %9s  %-40s %s\n", "bytes", "objects", "file:line", "function");
  o << row;
  for (const auto& s : sites) {
    std::string where = s.file.empty() ? "?" : s.file + ":" + std::to_string(s.line);
    std::snprintf(row, sizeof row, "%12lld %9lld  %-40s ", static_cast<long long>(s.bytes),
                  static_cast<long long>(s.objects), where.c_str());
    o << row << s.function;
    if (!s.suppressed.empty()) o << "  [suppressed: " << s.suppressed << "]";
    o << "\n";
  }
  return o.str();
}

LeakCheck::LeakCheck(LeakCheckConfig config) : config_(std::move(config)) {}
LeakCheck::~LeakCheck() = default;

void LeakCheck::start() {
  before_.reset();
  profiler_arena();  // created before the window, not in it
  if (leak_check_can_profile()) before_ = take_before();
  start_totals_ = read_live_totals();
}

LeakReport LeakCheck::finish() {
  LiveTotals end = read_live_totals();
  return judge({end.bytes - start_totals_.bytes, end.objects - start_totals_.objects});
}

LeakReport LeakCheck::judge(LiveTotals growth) {
  LeakReport r;
  r.bytes = growth.bytes;
  r.objects = growth.objects;
  // The delta profile (a dump, a helper process) only when there is something to explain.
  if (over(config_, r.bytes, r.objects) && before_) take_delta(*before_, config_, r);
  r.leaked = over(config_, r.bytes, r.objects);
  r.why = std::string(r.leaked ? "LEAK: " : "no leak: ") + std::to_string(r.bytes) + " bytes, " +
          std::to_string(r.objects) + " objects left live (" + threshold_text(config_) + ")";
  if (r.suppressed_bytes > 0 || r.suppressed_objects > 0)
    r.why += "; suppressed " + std::to_string(r.suppressed_bytes) + " bytes, " + std::to_string(r.suppressed_objects) +
             " objects";
  return r;
}

LeakReport LeakCheck::repeat(int n, const std::function<void()>& body, const LeakCheckConfig& config) {
  if (n < 2) throw std::invalid_argument("LeakCheck::repeat: n must be at least 2 (run 1 is the warm-up)");
  std::unique_ptr<HeapDump> before;
  LeakReport r;
  r.runs.reserve(n);  // before the first dump, so the report's own growth is not in the delta
  profiler_arena();
  int grew = 0;
  for (int run = 1; run <= n; ++run) {
    if (run == 2 && leak_check_can_profile()) before = take_before();
    LiveTotals t0 = read_live_totals();
    body();
    LiveTotals t1 = read_live_totals();
    RunGrowth g{run, t1.bytes - t0.bytes, t1.objects - t0.objects};
    r.runs.push_back(g);
    if (run == 1) continue;
    r.bytes += g.bytes;
    r.objects += g.objects;
    if (g.bytes > 0 || g.objects > 0) ++grew;
  }
  // Most later runs must grow: a cache that settles, or one late reallocation, is not a leak.
  bool keeps_growing = 2 * grew >= n - 1;
  if (keeps_growing && over(config, r.bytes, r.objects) && before) take_delta(*before, config, r);
  r.leaked = keeps_growing && over(config, r.bytes, r.objects);
  r.why = std::string(r.leaked ? "LEAK: " : "no leak: ") + std::to_string(r.bytes) + " bytes, " +
          std::to_string(r.objects) + " objects over runs 2.." + std::to_string(n) + ", growth in " +
          std::to_string(grew) + " of " + std::to_string(n - 1) + " runs (" + threshold_text(config) + ")";
  if (r.suppressed_bytes > 0 || r.suppressed_objects > 0)
    r.why += "; suppressed " + std::to_string(r.suppressed_bytes) + " bytes, " + std::to_string(r.suppressed_objects) +
             " objects";
  return r;
}

}  // namespace leakscope::profiler
