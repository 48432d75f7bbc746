#include "leakscope/relay/log.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace leakscope::relay {
namespace {
int threshold = 1;
std::mutex mu;
int rank(const std::string& level) {
  if (level == "debug") return 0;
  if (level == "info") return 1;
  if (level == "warn") return 2;
  return 3;
}
}  // namespace

void set_log_level(const std::string& level) { threshold = rank(level); }

void log_event(const std::string& level, const std::string& message, const nlohmann::json& fields) {
  // Events (lines with an "event" field: listening, consuming) are what launchers wait for, so they
  // are written at any log level.
  if (rank(level) < threshold && !fields.contains("event")) return;
  nlohmann::ordered_json j;
  j["ts"] = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  j["level"] = level;
  j["msg"] = message;
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  std::string line =
      j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";  // job text may not be UTF-8
  std::lock_guard lock(mu);
  std::fputs(line.c_str(), stderr);
}

}  // namespace leakscope::relay
