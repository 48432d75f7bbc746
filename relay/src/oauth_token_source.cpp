#include "leakscope/relay/oauth_token_source.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "leakscope/relay/jwt.h"
#include "leakscope/relay/log.h"

namespace leakscope::relay {
namespace {

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// libcurl's progress callback: a non-zero return aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int abort_when_cancelled(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const std::atomic<bool>*>(cancelled)->load() ? 1 : 0;
}

}  // namespace

OAuthTokenSource::OAuthTokenSource(ServiceAccount account, std::string ca_file, std::chrono::seconds refresh_margin)
    : account_(std::move(account)), ca_file_(std::move(ca_file)), margin_(refresh_margin) {}

OAuthTokenSource::~OAuthTokenSource() { cancel(); }

void OAuthTokenSource::cancel() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable() && refresher_.get_id() != std::this_thread::get_id()) refresher_.join();
}

void OAuthTokenSource::keep_fresh() {
  if (!refresher_.joinable()) refresher_ = std::thread([this] { refresh_loop(); });
}

// Renews the token just after its refresh time (when token() would fetch anyway); a
// failure is logged and retried with a capped backoff, so the log shows it without a line a second.
void OAuthTokenSource::refresh_loop() {
  auto retry = std::chrono::seconds(1);
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    std::chrono::steady_clock::duration wait;
    lock.unlock();
    try {
      token();
      std::lock_guard token_lock(mu_);
      wait = refresh_at_ - std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
      retry = std::chrono::seconds(1);
    } catch (const std::exception& e) {
      if (stopping_) break;  // cancel() aborted it: nothing to report
      log_event("warn", "OAuth2 token fetch failed",
                {{"token_uri", account_.token_uri}, {"error", e.what()}, {"retry_in_s", retry.count()}});
      wait = retry;
      retry = std::min(retry * 2, std::chrono::seconds(60));
    }
    lock.lock();
    stop_cv_.wait_for(lock, std::max<std::chrono::steady_clock::duration>(wait, std::chrono::seconds(1)),
                      [this] { return stopping_.load(); });
  }
}

bool OAuthTokenSource::valid() const {
  std::lock_guard lock(mu_);
  return !token_.empty() && std::chrono::steady_clock::now() < expires_;
}

uint64_t OAuthTokenSource::fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

void OAuthTokenSource::invalidate() {
  std::lock_guard lock(mu_);
  token_.clear();
}

bool OAuthTokenSource::fetching() const { return fetching_; }

std::string OAuthTokenSource::token() {
  {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    if (!token_.empty() && now < refresh_at_) return token_;
    // Due for renewal but still valid: while another caller fetches, keep sending with this one.
    if (!token_.empty() && now < expires_ && fetching_) return token_;
  }
  if (stopping_) throw std::runtime_error("token source stopped");
  // Bounded by the fetch's own 10 s timeout (and cancel()), so the wait ends either way.
  std::unique_lock fetch_lock(fetch_mu_, std::defer_lock);
  if (!fetch_lock.try_lock_for(std::chrono::seconds(12)))
    throw std::runtime_error("token fetch under way for too long at " + account_.token_uri);
  {
    std::lock_guard lock(mu_);  // the fetch this caller waited for may have brought a fresh token
    if (!token_.empty() && std::chrono::steady_clock::now() < refresh_at_) return token_;
  }
  if (stopping_) throw std::runtime_error("token source stopped");
  fetching_ = true;
  try {
    std::string fresh = fetch();
    fetching_ = false;
    return fresh;
  } catch (...) {
    fetching_ = false;
    throw;
  }
}

std::string OAuthTokenSource::fetch() {
  auto now = std::chrono::steady_clock::now();
  int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json claims = {{"iss", account_.client_email},
                           {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                           {"aud", account_.token_uri},
                           {"iat", iat},
                           {"exp", iat + 3600}};
  std::string assertion = sign_rs256_jwt(claims, account_.private_key, account_.private_key_id);
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  std::string body = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion;
  std::string response;
  curl_easy_setopt(curl.get(), CURLOPT_URL, account_.token_uri.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, abort_when_cancelled);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &stopping_);
  if (!ca_file_.empty()) curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca_file_.c_str());
  CURLcode rc = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK) throw std::runtime_error(std::string("token endpoint unreachable: ") + curl_easy_strerror(rc));
  auto j = nlohmann::json::parse(response, nullptr, false);
  if (status != 200 || j.is_discarded() || !j.contains("access_token") || !j["access_token"].is_string())
    throw std::runtime_error("token endpoint answered " + std::to_string(status) + ": " + response.substr(0, 200));
  std::lock_guard lock(mu_);
  token_ = j["access_token"];
  int64_t ttl = j.value("expires_in", int64_t{3600});
  expires_ = now + std::chrono::seconds(ttl);
  refresh_at_ =
      expires_ - std::min<std::chrono::seconds>(margin_, std::chrono::seconds(ttl / 2));  // short-lived tokens too
  ++fetches_;
  return token_;
}

}  // namespace leakscope::relay
