// This process's cgroup memory use against its limit, for the snapshot-before-OOM trigger.
// cgroup v2 (Debian 12's default): memory.current against memory.max, or memory.high when that is
// lower; v1 (older hosts): memory.usage_in_bytes against memory.limit_in_bytes. Located once from
// /proc/self/cgroup under /sys/fs/cgroup.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leakscope::profiler {

struct CgroupMemory {
  uint64_t usage = 0;
  uint64_t limit = 0;  // 0: no limit
};

class CgroupMemoryReader {
 public:
  CgroupMemoryReader();  // finds the files; reads nothing yet
  bool found() const { return !usage_file_.empty(); }
  const std::string& directory() const { return directory_; }
  std::optional<CgroupMemory> read() const;

 private:
  std::string directory_, usage_file_;
  std::vector<std::string> limit_files_;
};

}  // namespace leakscope::profiler
