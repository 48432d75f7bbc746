#include "leakscope/analyzer/unsample.h"

#include <cmath>

namespace leakscope::analyzer {

std::pair<int64_t, int64_t> unsample(int64_t count, int64_t bytes, int64_t period) {
  if (count == 0 || bytes == 0) return {0, 0};
  if (period <= 1) return {count, bytes};
  double avg = static_cast<double>(bytes) / static_cast<double>(count);
  double scale = 1.0 / (1.0 - std::exp(-avg / static_cast<double>(period)));
  return {static_cast<int64_t>(static_cast<double>(count) * scale),
          static_cast<int64_t>(static_cast<double>(bytes) * scale)};
}

}  // namespace leakscope::analyzer
