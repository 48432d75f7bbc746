// libFuzzer target: what the relay parses from outside: jobs from the queue, the service account
// file, FCM's responses (status, body, Retry-After), and its TOML config file (CLI11's reader).
// The first input byte picks the parser, so one corpus covers all.
#include <CLI/CLI.hpp>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "leakscope/relay/fcm_outcome.h"
#include "leakscope/relay/job.h"
#include "leakscope/relay/service_account.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: {
      auto check = leakscope::relay::check_job(text);
      if (check.ok != check.reason.empty()) __builtin_trap();     // a verdict is either ok or has a reason
      auto reference = leakscope::relay::check_job_by_dom(text);  // the streaming pass must agree with the DOM
      if (check.ok != reference.ok || check.reason != reference.reason || check.detail != reference.detail ||
          check.id != reference.id)
        __builtin_trap();
      break;
    }
    case 1:
      try {
        leakscope::relay::parse_service_account(text, "fuzz.json");
      } catch (const std::runtime_error&) {
      }
      break;
    case 2: {
      auto ms = leakscope::relay::parse_retry_after(text);
      if (ms < std::chrono::milliseconds(0) || ms > std::chrono::hours(1)) __builtin_trap();  // documented clamp
      break;
    }
    case 3: {
      long status = size > 1 ? 200 + (data[1] % 5) * 100 + data[1] % 30 : 500;
      auto split = text.find('\n');
      std::string_view retry_after = split == std::string_view::npos ? "" : text.substr(0, split);
      std::string_view body = split == std::string_view::npos ? text : text.substr(split + 1);
      leakscope::relay::classify_fcm_response(status, body, retry_after, "");
      break;
    }
    case 4: {
      std::istringstream in{std::string(text)};
      try {
        CLI::ConfigTOML().from_config(in);
      } catch (const CLI::Error&) {
      }
      break;
    }
  }
  return 0;
}
