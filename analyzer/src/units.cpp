#include "leakscope/analyzer/units.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace leakscope::analyzer {

std::string format_value(int64_t value, const std::string& unit) {
  char buf[64];
  if (unit == "bytes") {
    static const char* names[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = static_cast<double>(value);
    int i = 0;
    while (std::fabs(v) >= 1024 && i < 5) {
      v /= 1024;
      ++i;
    }
    if (i == 0)
      std::snprintf(buf, sizeof buf, "%lldB", static_cast<long long>(value));
    else
      std::snprintf(buf, sizeof buf, "%.2f%s", v, names[i]);
    return buf;
  }
  std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(value));
  return buf;
}

std::string format_delta(int64_t value, const std::string& unit) {
  return (value > 0 ? "+" : "") + format_value(value, unit);
}

std::string format_percent(double fraction) {
  char buf[32];
  if (!std::isfinite(fraction)) return "inf";
  std::snprintf(buf, sizeof buf, "%.2f%%", fraction * 100);
  return buf;
}

}  // namespace leakscope::analyzer
