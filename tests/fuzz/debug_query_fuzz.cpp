// libFuzzer target: the debug endpoints' query strings, through cpp-httplib's parser and the strict
// integer parameters the endpoints use (debug, seconds, gc).
#include <httplib.h>

#include "leakscope/http/query_params.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string query(reinterpret_cast<const char*>(data), size);
  httplib::Params params;
  httplib::detail::parse_query_text(query, params);
  for (const char* name : {"debug", "seconds", "gc"}) {
    int value = -12345;
    auto error = leakscope::http::read_int_param(params, name, 0, 600, value);
    if (!error && value != -12345 && (value < 0 || value > 600)) __builtin_trap();  // accepted only in range
  }
  return 0;
}
