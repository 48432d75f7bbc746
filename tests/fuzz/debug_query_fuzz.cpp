// libFuzzer target: leakscope's own query-string code (http/query_params.h) on any bytes. Parsing must
// not crash; what it parses must come back the same through params_to_query and parse_query; the strict
// integer and index parameters accept only values in their range.
#include "leakscope/http/query_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query(reinterpret_cast<const char*>(data), size);
  httplib::Params params = leakscope::http::parse_query(query);
  if (leakscope::http::parse_query(leakscope::http::params_to_query(params)) != params) __builtin_trap();
  for (const auto& [key, value] : params)
    if (leakscope::http::decode_query_component(leakscope::http::encode_query_component(value)) != value)
      __builtin_trap();
  for (const char* name : {"debug", "seconds", "gc"}) {
    int value = -12345;
    auto error = leakscope::http::read_int_param(params, name, 0, 600, value);
    if (!error && value != -12345 && (value < 0 || value > 600)) __builtin_trap();  // accepted only in range
  }
  for (const char* name : {"from", "to"}) {
    size_t index = 12345;
    auto error = leakscope::http::read_index_param(params, name, 10, "snapshot index", index);
    if (!error && index != 12345 && index >= 10) __builtin_trap();
  }
  return 0;
}
