// Human-readable values the way pprof prints them (1024-based byte units: "1.50MB").
#pragma once

#include <cstdint>
#include <string>

namespace leakscope::analyzer {

std::string format_value(int64_t value, const std::string& unit);
// Signed form for deltas: "+1.50MB", "-12".
std::string format_delta(int64_t value, const std::string& unit);
std::string format_percent(double fraction);  // 0.1234 -> "12.34%"

}  // namespace leakscope::analyzer
