#include "leakscope/relay/fcm_outcome.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

namespace leakscope::relay {
namespace {

constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(1);

// FCM puts its own code in error.details[].errorCode; error.status is the generic gRPC status.
std::string fcm_error_code(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("error") || !j["error"].is_object()) return "";
  const auto& e = j["error"];
  if (e.contains("details") && e["details"].is_array())
    for (const auto& d : e["details"])
      if (d.is_object() && d.contains("errorCode") && d["errorCode"].is_string()) return d["errorCode"];
  return e.contains("status") && e["status"].is_string() ? e["status"].get<std::string>() : "";
}

}  // namespace

std::chrono::milliseconds parse_retry_after(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::chrono::milliseconds(0);
  uint64_t seconds = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), seconds);
  if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
  if (ec == std::errc() && p == v.data() + v.size())
    return std::min<std::chrono::milliseconds>(std::chrono::seconds(std::min<uint64_t>(seconds, 3600)), kMaxRetryAfter);
  // HTTP-date: "Wed, 21 Oct 2015 07:28:00 GMT"
  std::tm tm{};
  std::string text(v);
  if (!strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::chrono::milliseconds(0);
  auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(when - std::chrono::system_clock::now());
  return std::clamp(delta, std::chrono::milliseconds(0), kMaxRetryAfter);
}

Outcome classify_fcm_response(long status, std::string_view body, std::string_view retry_after,
                              const std::string& transport_error) {
  Outcome o;
  if (!transport_error.empty() || status == 0) {
    o.kind = OutcomeKind::kRetry;
    o.reason = "transport: " + (transport_error.empty() ? std::string("no response") : transport_error);
    return o;
  }
  o.retry_after = parse_retry_after(retry_after);
  if (status >= 200 && status < 300) {
    o.kind = OutcomeKind::kDelivered;
    return o;
  }
  std::string code = fcm_error_code(body);
  o.reason = code.empty() ? "HTTP_" + std::to_string(status) : code;
  if (code == "INVALID_ARGUMENT" || code == "UNREGISTERED" || code == "SENDER_ID_MISMATCH" ||
      code == "THIRD_PARTY_AUTH_ERROR") {
    o.kind = OutcomeKind::kPermanent;
  } else if (status == 401) {
    o.kind = OutcomeKind::kRefreshToken;
  } else if (status == 429 || status >= 500 || code == "QUOTA_EXCEEDED" || code == "UNAVAILABLE" ||
             code == "INTERNAL") {
    o.kind = OutcomeKind::kRetry;
  } else {
    o.kind = OutcomeKind::kPermanent;  // other 4xx: the request itself is wrong; retrying cannot help
  }
  return o;
}

}  // namespace leakscope::relay
