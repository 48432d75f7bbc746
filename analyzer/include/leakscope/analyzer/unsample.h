// Poisson-sampling correction for heap profiles (pprof's scaleHeapSample, jeprof's AdjustSamples):
// an allocation of size S is sampled with probability 1-exp(-S/R), so each stack's (count, bytes)
// pair is scaled by 1/(1-exp(-(bytes/count)/R)). jemalloc pre-biases its dump (opt.prof_unbias)
// so that exactly this per-stack formula yields the true totals.
#pragma once

#include <cstdint>
#include <utility>

namespace leakscope::analyzer {

std::pair<int64_t, int64_t> unsample(int64_t count, int64_t bytes, int64_t period);

}  // namespace leakscope::analyzer
