// A profiled child's memory as a test reads it from outside: /proc/PID/status, and the profiler's
// /debug/vars (jemalloc's allocated bytes).
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace leakscope::test {

// A field of /proc/PID/status in bytes ("VmRSS", "VmHWM"); -1 when absent.
inline int64_t status_bytes(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return static_cast<int64_t>(std::stoll(line.substr(field.size() + 1))) * 1024;
  return -1;
}

// jemalloc's allocated bytes from the profiler's /debug/vars; -1 without an answer.
inline int64_t debug_vars_allocated(httplib::Client& debug) {
  auto r = debug.Get("/debug/vars");
  if (!r || r->status != 200) return -1;
  return nlohmann::json::parse(r->body)["memstats"]["allocated"].get<int64_t>();
}

}  // namespace leakscope::test
