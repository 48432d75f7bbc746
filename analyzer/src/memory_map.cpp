#include "memory_map.h"

#include <algorithm>
#include <charconv>

namespace leakscope::analyzer {
namespace {

bool hex_field(std::string_view& s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  if (ec != std::errc()) return false;
  s.remove_prefix(p - s.data());
  return true;
}

std::string_view next_word(std::string_view& s) {
  skip_spaces(s);
  size_t end = s.find_first_of(" \t");
  if (end == std::string_view::npos) end = s.size();
  auto w = s.substr(0, end);
  s.remove_prefix(end);
  return w;
}

}  // namespace

std::vector<Mapping> parse_memory_map(TextCursor& cursor) {
  std::vector<Mapping> maps;
  std::string main_file;
  std::string_view line;
  while (cursor.next(line)) {
    // start-end perms offset dev inode path
    std::string_view s = line;
    Mapping m;
    if (!hex_field(s, m.start) || !consume(s, "-") || !hex_field(s, m.limit)) continue;
    auto perms = next_word(s);
    skip_spaces(s);
    if (!hex_field(s, m.offset)) continue;
    next_word(s);  // dev
    next_word(s);  // inode
    skip_spaces(s);
    if (s.empty() || s.front() == '[') continue;  // anonymous, [heap], [stack], [vdso]...
    std::string file(s);
    if (main_file.empty()) main_file = file;  // the kernel lists the executable first
    if (perms.size() < 3 || perms[2] != 'x') continue;
    m.file = std::move(file);
    maps.push_back(std::move(m));
  }
  // mapping[0] must be the main binary (pprof's convention).
  std::stable_partition(maps.begin(), maps.end(), [&](const Mapping& m) { return m.file == main_file; });
  for (size_t i = 0; i < maps.size(); ++i) maps[i].id = i + 1;
  return maps;
}

int find_mapping(const std::vector<Mapping>& sorted, uint64_t address) {
  auto it =
      std::upper_bound(sorted.begin(), sorted.end(), address, [](uint64_t a, const Mapping& m) { return a < m.start; });
  if (it == sorted.begin()) return -1;
  --it;
  return address < it->limit ? static_cast<int>(it - sorted.begin()) : -1;
}

}  // namespace leakscope::analyzer
