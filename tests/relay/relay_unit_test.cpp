#include <gtest/gtest.h>

#include "leakscope/profiler/leak_check_warm_up.h"
#include "leakscope/relay/ack_window.h"
#include "leakscope/relay/fcm_outcome.h"
#include "leakscope/relay/http2_client.h"
#include "leakscope/relay/job.h"
#include "leakscope/relay/jwt.h"
#include "leakscope/relay/leak_modes.h"
#include "leakscope/relay/retry_delay.h"

namespace leakscope::relay {
namespace {

// OpenSSL builds its name tables, method store and provider caches on first use and keeps them for
// the life of the process (360 kB, 6,255 objects, found by the leak-checking main): a warm-up, not a
// leak. One RS256 round trip before the tests pays it, so each test is checked for its own growth.
LEAKSCOPE_LEAK_CHECK_WARM_UP(openssl_tables) {
  std::string key = generate_rsa_private_key_pem();
  verify_rs256_jwt(sign_rs256_jwt({{"iat", 1}}, key, "warm-up"), key);
}

std::string acks_text(const std::vector<Ack>& acks) {
  std::string s;
  for (const auto& a : acks)
    s += std::to_string(a.tag) + (a.multiple ? "m" : "") + "x" + std::to_string(a.deliveries) + " ";
  return s;
}

TEST(AckWindow, AcksTheFinishedOldestRunCumulatively) {
  AckWindow w(64);
  for (uint64_t t = 1; t <= 6; ++t) w.delivered(t);
  w.finished(3);
  w.finished(2);
  EXPECT_EQ(acks_text(w.take_acks()), "") << "1 is not finished: nothing may be acked cumulatively";
  w.finished(1);
  EXPECT_EQ(acks_text(w.take_acks()), "3mx3 ");
  w.finished(4);
  EXPECT_EQ(acks_text(w.take_acks()), "4x1 ") << "a run of one is a plain ack";
  EXPECT_EQ(w.unfinished(), (std::vector<uint64_t>{5, 6}));
  EXPECT_EQ(w.unacked(), 2u);
  w.finished(4);
  w.finished(99);
  EXPECT_EQ(acks_text(w.take_acks()), "") << "acked and unknown tags are ignored";
}

TEST(AckWindow, SettlesFinishedDeliveriesSinglyWhenASlowOneHoldsTooManyBack) {
  AckWindow w(3);
  for (uint64_t t = 1; t <= 8; ++t) w.delivered(t);
  for (uint64_t t : {2, 3, 5}) w.finished(t);
  EXPECT_EQ(acks_text(w.take_acks()), "") << "three held back is within the limit";
  w.finished(6);
  EXPECT_EQ(acks_text(w.take_acks()), "2x1 3x1 5x1 6x1 ") << "1 and 4 still unfinished";
  EXPECT_EQ(w.unfinished(), (std::vector<uint64_t>{1, 4, 7, 8}));
  w.finished(1);
  w.finished(7);
  EXPECT_EQ(acks_text(w.take_acks()), "1x1 ") << "settled tags no longer count: 1 is the whole finished run";
  w.forget(4);
  EXPECT_EQ(acks_text(w.take_acks()), "7x1 ") << "4 requeued elsewhere: 7 is now the oldest";
  EXPECT_EQ(w.unfinished(), (std::vector<uint64_t>{8}));
  w.delivered(9);
  w.finished(9);
  EXPECT_EQ(acks_text(w.take_acks()), "") << "one held back behind 8";
  EXPECT_EQ(acks_text(w.take_acks(true)), "9x1 ") << "at shutdown every finished one is settled";
  EXPECT_EQ(w.unfinished_count(), 1u);
}

TEST(HttpsUrl, SplitsHostPortAndPathAndRefusesWhatItCannotUse) {
  auto u = relay::parse_https_url("https://fcm.googleapis.com/v1/projects/p/messages:send");
  EXPECT_EQ(u.host, "fcm.googleapis.com");
  EXPECT_EQ(u.port, "443");
  EXPECT_EQ(u.path, "/v1/projects/p/messages:send");
  EXPECT_EQ(u.authority, "fcm.googleapis.com");
  auto v6 = relay::parse_https_url("https://[::1]:8443");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, "8443");
  EXPECT_EQ(v6.path, "/");
  for (const char* bad : {"http://x/", "https://", "https://:443/", "https://h:0/", "https://h:70000/", "https://h:x/",
                          "https://[::1/", "https://u@h/"})
    EXPECT_THROW(relay::parse_https_url(bad), std::invalid_argument) << bad;
}

TEST(Jwt, SignsAndVerifiesRs256AndDetectsTampering) {
  std::string key = generate_rsa_private_key_pem();
  nlohmann::json claims = {{"iss", "relay@x"}, {"scope", "s"}, {"iat", 1}, {"exp", 2}};
  std::string jwt = sign_rs256_jwt(claims, key, "kid-1");
  EXPECT_EQ(std::count(jwt.begin(), jwt.end(), '.'), 2);
  EXPECT_EQ(verify_rs256_jwt(jwt, key), claims);
  std::string tampered = jwt;
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_THROW(verify_rs256_jwt(tampered, key), std::runtime_error);
  EXPECT_THROW(verify_rs256_jwt(jwt, generate_rsa_private_key_pem()), std::runtime_error) << "other key";
  EXPECT_THROW(verify_rs256_jwt("not-a-jwt", key), std::runtime_error);
}

TEST(Jwt, Base64UrlRoundTrip) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\xff\xfe\x00\x01", 4)})
    EXPECT_EQ(base64url_decode(base64url_encode(s)), s);
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_THROW(base64url_decode("a+b"), std::invalid_argument);
}

TEST(Job, AcceptsExactlyOneTarget) {
  auto ok = check_job(R"({"message": {"token": "t1", "data": {"id": "job-7"}}})");
  EXPECT_TRUE(ok.ok);
  EXPECT_EQ(ok.id, "job-7");
  EXPECT_TRUE(check_job(R"({"message": {"topic": "news"}})").ok);
  EXPECT_EQ(check_job(R"({"message": {"data": {}}})").reason, "no_target");
  EXPECT_EQ(check_job(R"({"message": {"token": "a", "topic": "b"}})").reason, "several_targets");
  EXPECT_EQ(check_job(R"({"message": {"token": ""}})").reason, "no_target");
  EXPECT_EQ(check_job(R"({"msg": {}})").reason, "no_message");
  EXPECT_EQ(check_job("not json at all").reason, "not_json");
  EXPECT_EQ(check_job(std::string("\xff\xfe\x00", 3)).reason, "not_json");
}

// The job contract: what loadgen writes is a job the relay accepts, and its id reads back.
TEST(Job, PushJobBodyRoundTripsThroughTheContract) {
  const std::string body = push_job_body("load-42", "device-42", std::string(100, 'x'));
  auto check = check_job(body);
  ASSERT_TRUE(check.ok) << check.detail;
  EXPECT_EQ(check.id, "load-42");
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(job_id(j), "load-42");
  EXPECT_EQ(j["message"]["token"], "device-42");
  EXPECT_EQ(job_id(nlohmann::json::parse(R"({"message": {"token": "t", "data": {"id": 42}}})")), "")
      << "FCM's data values are strings";
  EXPECT_EQ(job_id(nlohmann::json::parse(R"({"message": {"token": "t"}})")), "");
  EXPECT_EQ(job_id(nlohmann::json::parse(R"([1, 2])")), "");
}

TEST(Job, RefusesOversizedAndDeepJobsBeforeParsing) {
  std::string big = R"({"message": {"token": "t", "data": {"x": ")" + std::string(5000, 'a') + R"("}}})";
  EXPECT_EQ(check_job(big).reason, "payload_too_large");
  EXPECT_EQ(check_job(std::string(kMaxJobBytes + 1, ' ')).reason, "too_large");
  EXPECT_EQ(check_job(std::string(1000, '[') + std::string(1000, ']')).reason, "too_deep");
  EXPECT_TRUE(check_job(R"({"message": {"token": "t", "data": {"s": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}}})").ok)
      << "brackets inside strings do not count";
}

// check_job decides in one streaming pass; the DOM is the reference. Each case also pins the verdict.
TEST(Job, StreamingCheckGivesTheDomsVerdict) {
  struct Case {
    std::string body, reason, id;
  };
  const std::string near_limit = std::string(4096 - 20, 'a');  // {"x":"..."} dumps 8 bytes more than the text
  std::vector<Case> cases{
      {R"({"message": {"token": "t", "data": {"id": "a", "id": 3}}})", "", ""},  // the DOM keeps the last
      {R"({"message": {"token": "t", "data": {"id": 3, "id": "b"}}})", "", "b"},
      {R"({"message": {"token": "t"}, "message": {"topic": ""}})", "no_target", ""},
      {R"({"message": {"token": "t", "token": ""}})", "no_target", ""},
      {R"({"message": {"token": [], "topic": "a"}})", "no_target", ""},
      {R"({"message": 5})", "no_message", ""},
      {R"([{"message": {"token": "t"}}])", "no_message", ""},
      {R"({"a": {"message": {"token": "t"}}, "message": {"condition": "c", "data": {"id": "q", "x": {"id": "z"}}}})",
       "", "q"},
      {R"({"message": {"token": "t", "data": {"x": 1e300, "y": -0.0, "z": [1, true, null, {"a": "\u0001\n\u00e9"}]}}})",
       "", ""},
      {R"({"message": {"token": "t", "data": {"a": 1e999}}})", "not_json", ""},
      {R"({"message": {"token": "t"}} x)", "not_json", ""},
      {R"({"message": {"token": "t", "data": {"x": ")" + near_limit + R"("}}})", "", ""},
      {R"({"message": {"token": "t", "data": {"x": ")" + near_limit + R"(xxxxxxxxxxxxxxxxxx"}}})", "payload_too_large",
       ""},
  };
  // The payload is measured as dump() writes it, not as the job's text: an escaped newline (backslash u000a,
  // six bytes of text) is written as two, so 6000 bytes fit; 1e2 is written 100.0, so 4000 bytes do not.
  std::string escaped, floats;
  for (int i = 0; i < 1000; ++i) escaped += "\\u000a";
  for (int i = 0; i < 1000; ++i) floats += i ? ",1e2" : "1e2";
  cases.push_back({R"({"message": {"token": "t", "data": {"x": ")" + escaped + R"("}}})", "", ""});
  cases.push_back({R"({"message": {"token": "t", "notification": {"x": [)" + floats + "]}}}", "payload_too_large", ""});
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    JobCheck fast = check_job(c.body), dom = check_job_by_dom(c.body);
    EXPECT_EQ(fast.ok, dom.ok);
    EXPECT_EQ(fast.reason, dom.reason);
    EXPECT_EQ(fast.detail, dom.detail);
    EXPECT_EQ(fast.id, dom.id);
    EXPECT_EQ(fast.reason, c.reason);
    EXPECT_EQ(fast.ok, c.reason.empty());
    EXPECT_EQ(fast.id, c.id);
  }
}

TEST(FcmOutcome, ClassifiesFcmErrorCodes) {
  auto err = [](int code, const char* status, const char* error_code) {
    return nlohmann::json{
        {"error",
         {{"code", code},
          {"status", status},
          {"details",
           {{{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"}, {"errorCode", error_code}}}}}}}
        .dump();
  };
  EXPECT_EQ(classify_fcm_response(200, "{}", "", "").kind, OutcomeKind::kDelivered);
  for (auto [code, status, ec] :
       {std::tuple{400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"}, std::tuple{404, "NOT_FOUND", "UNREGISTERED"},
        std::tuple{403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"},
        std::tuple{401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"}}) {
    auto o = classify_fcm_response(code, err(code, status, ec), "", "");
    EXPECT_EQ(o.kind, OutcomeKind::kPermanent) << ec;
    EXPECT_EQ(o.reason, ec);
  }
  auto q = classify_fcm_response(429, err(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), "7", "");
  EXPECT_EQ(q.kind, OutcomeKind::kRetry);
  EXPECT_EQ(q.retry_after, std::chrono::seconds(7));
  EXPECT_EQ(classify_fcm_response(503, "garbage{", "", "").kind, OutcomeKind::kRetry);
  EXPECT_EQ(classify_fcm_response(500, "", "", "").kind, OutcomeKind::kRetry);
  EXPECT_EQ(classify_fcm_response(401, R"({"error":{"status":"UNAUTHENTICATED"}})", "", "").kind,
            OutcomeKind::kRefreshToken);
  EXPECT_EQ(classify_fcm_response(0, "", "", "Connection refused").kind, OutcomeKind::kRetry);
  EXPECT_EQ(classify_fcm_response(413, "", "", "").kind, OutcomeKind::kPermanent);
}

TEST(FcmOutcome, RetryAfterInBothFormsAndClamped) {
  EXPECT_EQ(parse_retry_after("120"), std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after(""), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("soon"), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("99999999999999999999999"), std::chrono::hours(1));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), std::chrono::milliseconds(0)) << "in the past";
  auto future = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + std::chrono::seconds(90));
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&future));
  auto ms = parse_retry_after(buf);
  EXPECT_GT(ms, std::chrono::seconds(80));
  EXPECT_LE(ms, std::chrono::seconds(90));
}

// Every wait a server asks for is capped, not only a 429's: a 503 saying "Retry-After: 3600" (the
// most parse_retry_after lets through) waits retry_after_cap, and a shorter one is honoured as asked.
TEST(RetryDelay, RetryAfterIsHonouredUpToTheCapOnEveryAnswer) {
  using std::chrono::milliseconds;
  RetryPolicy policy{milliseconds(200), milliseconds(30000), milliseconds(5000)};
  std::mt19937_64 rng(7);
  const auto hour = parse_retry_after("3600");
  ASSERT_EQ(hour, std::chrono::hours(1));
  for (int attempts : {1, 2, 8}) {
    auto d = retry_delay(attempts, hour, policy, rng);
    EXPECT_GE(d, milliseconds(5000)) << attempts;
    EXPECT_LE(d, std::max(milliseconds(5000), milliseconds(200) * (int64_t{1} << std::min(attempts - 1, 20))))
        << attempts;
  }
  EXPECT_EQ(retry_delay(1, milliseconds(3000), policy, rng), milliseconds(3000)) << "under the cap: as asked";
  EXPECT_EQ(server_requested_wait(hour, policy), milliseconds(5000));
  EXPECT_EQ(server_requested_wait(milliseconds(1200), policy), milliseconds(1200));
  EXPECT_EQ(server_requested_wait(milliseconds(-5), policy), milliseconds(0));
}

TEST(RetryDelay, BackoffGrowsJitteredToItsCapWithoutRetryAfter) {
  using std::chrono::milliseconds;
  RetryPolicy policy{milliseconds(200), milliseconds(30000), milliseconds(30000)};
  std::mt19937_64 rng(11);
  for (int attempts = 1; attempts <= 40; ++attempts) {
    auto full = std::min(milliseconds(200) * (int64_t{1} << std::min(attempts - 1, 20)), milliseconds(30000));
    for (int i = 0; i < 20; ++i) {
      auto d = retry_delay(attempts, milliseconds(0), policy, rng);
      EXPECT_GE(d, full / 2) << attempts;
      EXPECT_LE(d, full) << attempts;
    }
  }
}

// The seam of the two deliberate defects: production mode does nothing at any hook.
TEST(LeakModesSeam, ProductionModeDoesNothingAtAnyHook) {
  auto leaks = make_leak_modes(AckMode::kManual, CloseWatch::kStatus);
  RelayMetrics metrics;
  leaks->connected(1, metrics);
  for (int tick = 0; tick < 5; ++tick) leaks->health_tick(1, metrics);
  Delivery d{7, "{}", false};
  EXPECT_FALSE(leaks->take(d)) << "the production consumer takes every delivery itself";
  EXPECT_EQ(d.body, "{}");
  EXPECT_FALSE(leaks->acked_on_delivery(SendJob{7, 1, "{}", ""}));
  EXPECT_EQ(metrics.close_listeners.load(), 0u);
}

TEST(LeakModesSeam, NotifyCloseRegistersOnEveryConnectionAndTick) {
  auto leaks = make_leak_modes(AckMode::kManual, CloseWatch::kNotify);
  RelayMetrics metrics;
  leaks->connected(1, metrics);
  for (int tick = 0; tick < 5; ++tick) leaks->health_tick(1, metrics);
  leaks->connected(2, metrics);
  EXPECT_EQ(metrics.close_listeners.load(), 7u);
  Delivery d{7, "{}", false};
  EXPECT_FALSE(leaks->take(d)) << "notify-close alone consumes as production does";
  EXPECT_FALSE(leaks->acked_on_delivery(SendJob{7, 1, "{}", ""}));
}

TEST(LeakModesSeam, AutoAckKeepsEveryDeliveryAndAcksNothing) {
  auto leaks = make_leak_modes(AckMode::kAuto, CloseWatch::kStatus);
  RelayMetrics metrics;
  Delivery d{7, "{}", false};
  EXPECT_TRUE(leaks->take(d));
  EXPECT_TRUE(leaks->acked_on_delivery(SendJob{0, 0, "{}", ""}));
  leaks->health_tick(1, metrics);
  EXPECT_EQ(metrics.close_listeners.load(), 0u);
}

}  // namespace
}  // namespace leakscope::relay
