#include "leakscope/relay/job.h"

#include <nlohmann/json.hpp>

#include "leakscope/relay/job_scan.h"

namespace leakscope::relay {
namespace {

// Deepest bracket nesting outside strings, found without recursion.
int nesting_depth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

JobCheck refuse(const char* reason, std::string detail) { return {false, reason, std::move(detail), ""}; }

constexpr const char* kTargets[3] = {"token", "topic", "condition"};

JobCheck bad_target(const char* target) {
  return refuse("no_target", std::string(target) + " must be a non-empty string");
}

JobCheck payload_too_large(size_t payload) {
  return refuse("payload_too_large", "payload of " + std::to_string(payload) + " bytes exceeds FCM's 4096");
}

}  // namespace

// The verdict from the whole document, built as nlohmann's DOM: the reference check_job must agree with.
JobCheck check_job_by_dom(std::string_view body) {
  if (body.size() > kMaxJobBytes)
    return refuse("too_large",
                  "job of " + std::to_string(body.size()) + " bytes exceeds " + std::to_string(kMaxJobBytes));
  if (nesting_depth(body) > kMaxJobDepth)
    return refuse("too_deep", "JSON nested deeper than " + std::to_string(kMaxJobDepth));
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    return refuse("not_json", "not JSON at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception& e) {  // e.g. a number literal too large for any type (found by fuzzing)
    return refuse("not_json", std::string("unusable JSON: ") + e.what());
  }
  if (!j.is_object() || !j.contains("message") || !j["message"].is_object())
    return refuse("no_message", "expected {\"message\": {...}}");
  const auto& m = j["message"];
  int targets = 0;
  for (const char* t : kTargets)
    if (m.contains(t)) {
      if (!m[t].is_string() || m[t].get<std::string>().empty()) return bad_target(t);
      ++targets;
    }
  if (targets == 0) return refuse("no_target", "message has none of token, topic, condition");
  if (targets > 1) return refuse("several_targets", "message has more than one of token, topic, condition");
  size_t payload = 0;
  for (const char* part : {"data", "notification"})
    if (m.contains(part)) payload += m[part].dump().size();
  if (payload > kFcmPayloadLimit) return payload_too_large(payload);
  return {true, "", "", job_id(j)};
}

JobCheck check_job(std::string_view body) {
  if (body.size() > kMaxJobBytes || nesting_depth(body) > kMaxJobDepth) return check_job_by_dom(body);
  // Repeated keys (the DOM keeps the last), a payload over the limit (the scan's size is an upper
  // bound when keys repeat inside it), floats, and errors (the DOM says where) are rare: the DOM
  // settles those exactly.
  std::optional<JobFacts> scan = scan_job(body);
  if (!scan || scan->payload_bytes > kFcmPayloadLimit) return check_job_by_dom(body);
  if (!scan->top_is_object || !scan->message_is_object) return refuse("no_message", "expected {\"message\": {...}}");
  int targets = 0;
  for (int i = 0; i < 3; ++i)
    if (scan->target[i] != JobFacts::Target::kAbsent) {
      if (scan->target[i] != JobFacts::Target::kNonEmptyString) return bad_target(kTargets[i]);
      ++targets;
    }
  if (targets == 0) return refuse("no_target", "message has none of token, topic, condition");
  if (targets > 1) return refuse("several_targets", "message has more than one of token, topic, condition");
  return {true, "", "", std::move(scan->id)};
}

std::string push_job_body(const std::string& id, const std::string& token, const std::string& payload) {
  return nlohmann::json{{"message", {{"token", token}, {"data", {{"id", id}, {"payload", payload}}}}}}.dump();
}

std::string job_id(const nlohmann::json& job) {
  if (!job.is_object() || !job.contains("message") || !job["message"].is_object()) return "";
  const auto& m = job["message"];
  if (!m.contains("data") || !m["data"].is_object() || !m["data"].contains("id") || !m["data"]["id"].is_string())
    return "";
  return m["data"]["id"];
}

}  // namespace leakscope::relay
