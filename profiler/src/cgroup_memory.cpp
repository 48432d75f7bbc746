#include "cgroup_memory.h"

#include <unistd.h>

#include <fstream>

namespace leakscope::profiler {
namespace {

bool readable(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }

// A limit file's value; "max" and v1's page-rounded 2^63 mean no limit.
std::optional<uint64_t> read_value(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text)) return std::nullopt;
  if (text == "max") return 0;
  try {
    uint64_t v = std::stoull(text);
    return v >= (uint64_t{1} << 62) ? 0 : v;
  } catch (const std::logic_error&) {
    return std::nullopt;
  }
}

}  // namespace

CgroupMemoryReader::CgroupMemoryReader() {
  std::ifstream in("/proc/self/cgroup");
  std::string v1, v2;
  for (std::string line; std::getline(in, line);) {
    auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (controllers.empty() && line.compare(0, a, "0") == 0) v2 = path;
    for (size_t at = 0; at <= controllers.size();) {
      size_t comma = controllers.find(',', at);
      if (controllers.substr(at, comma - at) == "memory") v1 = path;
      if (comma == std::string::npos) break;
      at = comma + 1;
    }
  }
  if (!v1.empty() && readable("/sys/fs/cgroup/memory" + v1 + "/memory.usage_in_bytes")) {
    directory_ = "/sys/fs/cgroup/memory" + v1;
    usage_file_ = directory_ + "/memory.usage_in_bytes";
    limit_files_ = {directory_ + "/memory.limit_in_bytes"};
  } else if (!v2.empty() && readable("/sys/fs/cgroup" + v2 + "/memory.current")) {
    directory_ = "/sys/fs/cgroup" + (v2 == "/" ? std::string() : v2);
    usage_file_ = directory_ + "/memory.current";
    limit_files_ = {directory_ + "/memory.max", directory_ + "/memory.high"};
  }
}

std::optional<CgroupMemory> CgroupMemoryReader::read() const {
  if (!found()) return std::nullopt;
  auto usage = read_value(usage_file_);
  if (!usage) return std::nullopt;
  CgroupMemory m;
  m.usage = *usage;
  for (const auto& f : limit_files_)
    if (auto limit = read_value(f); limit && *limit > 0 && (m.limit == 0 || *limit < m.limit)) m.limit = *limit;
  return m;
}

}  // namespace leakscope::profiler
