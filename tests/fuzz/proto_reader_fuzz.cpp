// libFuzzer target: profile.proto, raw or gzipped (inflated with the CLI's size limit), and
// everything downstream of it.
#include "exercise_profile.h"
#include "leakscope/analyzer/input_bytes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return leakscope::fuzz::fuzz_reader(data, size, [](std::string_view bytes, const std::string& source) {
    std::string raw(bytes);
    // A small inflation limit keeps a zip bomb from being a finding about the fuzzer's own memory.
    if (leakscope::analyzer::is_gzip(raw)) raw = leakscope::analyzer::gunzip(raw, source, 64u << 20);
    return leakscope::analyzer::read_proto(raw, source);
  });
}
