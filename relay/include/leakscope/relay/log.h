// JSON structured logs, one object per line on stderr: {"ts","level","msg",...fields}. A line whose fields
// hold "event" (the readiness signals "listening" and "consuming") is written whatever the level.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace leakscope::relay {

void set_log_level(const std::string& level);  // debug, info, warn, error
void log_event(const std::string& level, const std::string& message,
               const nlohmann::json& fields = nlohmann::json::object());

}  // namespace leakscope::relay
