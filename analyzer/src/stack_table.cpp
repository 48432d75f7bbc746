#include "leakscope/analyzer/stack_table.h"

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <unordered_map>

#include "leakscope/analyzer/pattern.h"

namespace leakscope::analyzer {

Granularity parse_granularity(const std::string& s) {
  if (s == "functions") return Granularity::kFunctions;
  if (s == "lines") return Granularity::kLines;
  if (s == "files") return Granularity::kFiles;
  if (s == "addresses") return Granularity::kAddresses;
  throw std::invalid_argument("granularity must be functions, lines, files or addresses, not '" + s + "'");
}

const std::string& allocator_frames_regex() {
  static const std::string rx =
      // the malloc family (jemalloc and glibc entry points)
      "malloc|calloc|realloc|reallocarray|free|cfree|valloc|pvalloc|memalign|posix_memalign|aligned_alloc|"
      "malloc_usable_size|mallocx|rallocx|xallocx|sallocx|dallocx|sdallocx|nallocx|__libc_malloc|__libc_calloc|"
      "__libc_realloc|__libc_memalign|_int_malloc|"
      // jemalloc internals (when statically linked with symbols) and its unsymbolized frames
      "je_.*|prof_backtrace.*|imalloc.*|malloc_default|ialloc.*|iralloc.*|libjemalloc[^+]*\\+0x[0-9a-f]+|"
      // operator new / new[] and libstdc++ allocation plumbing
      "operator new.*|operator delete.*|__gnu_cxx::new_allocator::allocate|__gnu_cxx::__new_allocator::allocate|"
      "std::__new_allocator::allocate|std::allocator::allocate|std::allocator_traits::allocate|"
      "std::_Vector_base::_M_allocate|std::__cxx11::basic_string::_M_create|std::basic_string::_M_create|"
      // libstdc++'s out-of-line string internals: the caller is what made the copy
      "std::__cxx11::basic_string::_M_construct|std::__cxx11::basic_string::_M_mutate|"
      "std::__cxx11::basic_string::_M_append|std::__cxx11::basic_string::_M_replace.*|"
      "std::__cxx11::basic_string::_M_assign|std::__cxx11::basic_string::reserve|"
      // container growth internals: they allocate and never call back into user code
      "std::vector::_M_realloc_insert|std::vector::_M_realloc_append|std::vector::_M_default_append|"
      "std::vector::_M_fill_insert|std::vector::_M_range_insert|std::deque::_M_push_back_aux|"
      "std::deque::_M_push_front_aux|std::deque::_M_reallocate_map|std::deque::_M_reserve_map_at_.*|"
      "std::deque::_M_new_elements_at_.*|std::_Deque_base::_M_.*|std::_Hashtable::_M_rehash.*|"
      "std::__detail::_Hashtable_alloc::.*|std::_Rb_tree::_M_get_node|std::__cxx11::list::_M_create_node|"
      "std::__detail::_Hashtable_alloc::_M_allocate_.*|std::_Rb_tree::_M_get_node|std::_Rb_tree::_M_create_node|"
      "std::_Deque_base::_M_allocate_.*|std::__cxx11::_List_base::_M_get_node|std::_List_base::_M_get_node|"
      "std::__allocate_guarded.*|std::make_shared|std::allocate_shared|std::__make_shared|std::__allocate_shared|"
      "std::__shared_count::__shared_count|std::__shared_ptr::__shared_ptr|std::shared_ptr::shared_ptr|"
      "std::make_unique";
  return rx;
}

std::string with_allocator_frames(const std::string& drop_frames) {
  return drop_frames.empty() ? allocator_frames_regex() : drop_frames + "|" + allocator_frames_regex();
}

namespace {

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

StackTable::StackTable(const Profile& p, const StackOptions& opt) {
  // Node identity per granularity; each (location, line) resolves to one node.
  std::unordered_map<std::string, uint32_t> node_of;
  auto intern = [&](std::string key) {
    auto [it, inserted] = node_of.try_emplace(std::move(key), static_cast<uint32_t>(names_.size()));
    if (inserted) {
      names_.push_back(it->first);
      mapping_of_node_.push_back(0);
      origin_of_node_.emplace_back();
    }
    return it->second;
  };
  struct FrameInfo {
    uint32_t node;
    uint64_t function_id;
    bool inlined;  // not the outermost line of its location
  };
  std::vector<std::vector<FrameInfo>> frames_of_location(p.locations.size());
  for (const auto& loc : p.locations) {
    auto& frames = frames_of_location[loc.id - 1];
    for (const auto& line : loc.lines) {
      const Function& f = p.function(line.function_id);
      std::string key;
      switch (opt.granularity) {
        case Granularity::kFunctions:
          key = f.name;
          break;
        case Granularity::kLines:
          key = f.filename.empty() ? f.name : f.name + " " + f.filename + ":" + std::to_string(line.line);
          break;
        case Granularity::kFiles:
          key = f.filename.empty() ? f.name : f.filename;
          break;
        case Granularity::kAddresses:
          key = hex(loc.address) + " " + f.name +
                (f.filename.empty()
                     ? ""
                     : " " + std::filesystem::path(f.filename).filename().string() + ":" + std::to_string(line.line));
          break;
      }
      bool inlined = &line != &loc.lines.back();
      uint32_t node = intern(std::move(key));
      if (origin_of_node_[node].function_id == 0) origin_of_node_[node] = {line.function_id, line.line};
      frames.push_back({node, line.function_id, inlined});
    }
    if (loc.lines.empty()) frames.push_back({intern("0x" + hex(loc.address)), 0, false});
    for (const auto& fr : frames)
      if (mapping_of_node_[fr.node] == 0) mapping_of_node_[fr.node] = loc.mapping_id;
  }

  // Per-function flags, computed once: the regexes run on distinct names only.
  std::string drop_rx = p.drop_frames;
  if (!opt.keep_allocator_frames) drop_rx = with_allocator_frames(drop_rx);
  // A profile's own patterns are checked alone, so that a bad one is named without the allocator frames.
  if (!p.drop_frames.empty()) Pattern::compile(p.drop_frames, "the profile's drop_frames");
  // Anchored as pprof's Prune does: "^(" + drop_frames + ")$".
  Pattern drop = drop_rx.empty() ? Pattern() : Pattern::compile("^(?:" + drop_rx + ")$", "drop_frames");
  Pattern keep =
      p.keep_frames.empty() ? Pattern() : Pattern::compile("^(?:" + p.keep_frames + ")$", "the profile's keep_frames");
  Pattern focus = opt.focus.empty() ? Pattern() : Pattern::compile(opt.focus, "focus");
  Pattern ignore = opt.ignore.empty() ? Pattern() : Pattern::compile(opt.ignore, "ignore");
  Pattern hide = opt.hide.empty() ? Pattern() : Pattern::compile(opt.hide, "hide");
  enum : uint8_t { kDrop = 1, kFocus = 2, kIgnore = 4, kHide = 8 };
  std::vector<uint8_t> fn_flags(p.functions.size() + 1, 0);
  std::vector<uint8_t> node_flags(names_.size(), 0);
  auto classify = [&](const std::string& name, const std::string& file) {
    uint8_t f = 0;
    if (drop.matches(name) && !keep.matches(name)) f |= kDrop;
    auto matches = [&](const Pattern& rx) { return rx.matches(name) || (!file.empty() && rx.matches(file)); };
    if (matches(focus)) f |= kFocus;
    if (matches(ignore)) f |= kIgnore;
    if (matches(hide)) f |= kHide;
    return f;
  };
  for (const auto& fn : p.functions) fn_flags[fn.id] = classify(fn.name, fn.filename);
  for (const auto& frames : frames_of_location)
    for (const auto& fr : frames)
      node_flags[fr.node] = fr.function_id ? fn_flags[fr.function_id] : classify(names_[fr.node], "");

  offsets_.reserve(p.samples.size() + 1);
  offsets_.push_back(0);
  dropped_.assign(p.samples.size(), false);
  std::vector<FrameInfo> frames;
  for (size_t i = 0; i < p.samples.size(); ++i) {
    frames.clear();
    for (auto id : p.samples[i].location_ids) {
      const auto& lf = frames_of_location[id - 1];
      if (lf.size() == 1)
        frames.push_back(lf[0]);  // the common case: no inlining
      else
        frames.insert(frames.end(), lf.begin(), lf.end());
    }
    // pprof's Prune: from the root, after the first user frame, the first allocator frame and
    // everything leafward of it goes. A stack of allocator frames only is left whole.
    size_t begin = 0;
    bool found_user = false;
    for (size_t k = frames.size(); k-- > 0;) {
      bool dropped = node_flags[frames[k].node] & kDrop;
      if (!dropped) {
        found_user = true;
        continue;
      }
      if (found_user) {
        begin = k + 1;
        break;
      }
    }
    bool any_focus = opt.focus.empty(), any_ignore = false;
    size_t start = frames_.size();
    for (size_t k = begin; k < frames.size(); ++k) {
      uint8_t f = node_flags[frames[k].node];
      any_focus |= (f & kFocus) != 0;
      any_ignore |= (f & kIgnore) != 0;
      if (f & kHide) continue;
      frames_.push_back(frames[k].node);
      inlined_.push_back(frames[k].inlined);
    }
    if (!any_focus || any_ignore) {
      frames_.resize(start);
      inlined_.resize(start);
      dropped_[i] = true;
      ++filtered_;
    }
    offsets_.push_back(frames_.size());
  }
}

}  // namespace leakscope::analyzer
