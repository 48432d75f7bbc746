#include "leakscope/relay/fcm_sender.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string_view>

#include "leakscope/relay/corked_sockets.h"
#include "leakscope/relay/log.h"
#include "leakscope/relay/retry_delay.h"

namespace leakscope::relay {
namespace {

using Clock = std::chrono::steady_clock;

// The request headers for one access token, shared by the transfers that use it: built once per
// token, freed when the last transfer holding it is done.
using SharedHeaders = std::shared_ptr<curl_slist>;

struct Transfer {
  SendJob job;
  int attempts = 0;  // including this one
  std::string response, retry_after;
  SharedHeaders headers;
  CURL* easy = nullptr;
  Clock::time_point started;
};

// FCM's answers are a few hundred bytes; whatever a broken server sends, keep only enough to classify.
constexpr size_t kMaxResponseBody = 64 * 1024;

size_t on_body(char* data, size_t size, size_t n, void* t) {
  std::string& body = static_cast<Transfer*>(t)->response;
  body.append(data, std::min(size * n, kMaxResponseBody - std::min(body.size(), kMaxResponseBody)));
  return size * n;
}

// A retry's cause as a metric label: one of a small fixed set, whatever the server answered.
std::string retry_cause(CURLcode result, long status) {
  switch (result) {
    case CURLE_OK:
      return "http_" + std::to_string(std::clamp(status, 0L, 999L));
    case CURLE_OPERATION_TIMEDOUT:
      return "timeout";
    case CURLE_PARTIAL_FILE:
      return "truncated_response";
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
      return "connect_failed";
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return "connection_dropped";
    default:
      return "transport_other";
  }
}

size_t on_header(char* data, size_t size, size_t n, void* t) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size() &&
      std::equal(kName.begin(), kName.end(), line.begin(), [](char a, char b) { return a == std::tolower(b); })) {
    std::string value(line.substr(kName.size()));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    static_cast<Transfer*>(t)->retry_after = value;
  }
  return size * n;
}

// libcurl reads the proxy variables again for every transfer (six getenv and copies) unless the
// proxy is set: read them once, by libcurl's own rules, so the behaviour stays the same.
struct ProxyFromEnvironment {
  std::string proxy, no_proxy;
};

ProxyFromEnvironment proxy_from_environment(const std::string& url) {
  auto env = [](std::initializer_list<const char*> names) -> std::optional<std::string> {
    for (const char* name : names)
      if (const char* v = std::getenv(name)) return v;  // set, even if empty: the next one is not read
    return std::nullopt;
  };
  bool https = url.rfind("https://", 0) == 0;
  // As libcurl: HTTP_PROXY in upper case is not read (a CGI's request header could set it).
  auto proxy = https ? env({"https_proxy", "HTTPS_PROXY"}) : env({"http_proxy"});
  if (!proxy) proxy = env({"all_proxy", "ALL_PROXY"});
  return {proxy.value_or(""), env({"no_proxy", "NO_PROXY"}).value_or("")};
}

}  // namespace

struct FcmSender::Impl {
  SenderOptions o;
  OAuthTokenSource& tokens;
  SenderCounters& c;
  const ProxyFromEnvironment proxy = proxy_from_environment(o.send_url);
  CURLM* multi = nullptr;
  std::thread thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;                                              // guards queue, retries, results
  std::deque<std::pair<SendJob, int>> queue;                          // (job, attempts so far)
  std::multimap<Clock::time_point, std::pair<SendJob, int>> retries;  // waiting out a backoff
  std::vector<SendResult> results;
  std::atomic<size_t> pending{0};
  std::set<CURL*> active;  // sender thread only: the transfers under way
  std::mt19937_64 rng{std::random_device{}()};
  // Sender thread only: finished easy handles keep their options (and libcurl its caches), so a
  // new transfer sets just what differs; headers are rebuilt only when the token changes.
  std::vector<CURL*> idle_handles;
  std::string headers_token;
  SharedHeaders headers;
  // Sender thread only: the project's quota hold, and the --max-rate allowance.
  Clock::time_point hold_until{}, held_accounted_to = Clock::now();
  double rate_credit = 0;
  Clock::time_point rate_refilled = Clock::now();
  // Sender thread only (libcurl closes sockets inside its calls on this thread): HTTP/2 connections,
  // corked so a round's frames leave together (see corked_sockets.h).
  CorkedSockets corks;

  Impl(SenderOptions opt, OAuthTokenSource& t, SenderCounters& counters) : o(std::move(opt)), tokens(t), c(counters) {
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(o.max_inflight));
  }
  ~Impl() {
    for (CURL* e : idle_handles) curl_easy_cleanup(e);
    curl_multi_cleanup(multi);
  }

  CURL* easy_handle() {
    if (!idle_handles.empty()) {
      CURL* e = idle_handles.back();
      idle_handles.pop_back();
      return e;
    }
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, o.send_url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(o.request_timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    if (!o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);  // prefer a multiplexed stream over a new connection
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS);  // h2 where TLS+ALPN offers it, else HTTP/1.1
    curl_easy_setopt(e, CURLOPT_PROXY, proxy.proxy.c_str());            // "" means none
    curl_easy_setopt(e, CURLOPT_NOPROXY, proxy.no_proxy.c_str());
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, this);
    return e;
  }

  static int on_close_socket(void* impl, curl_socket_t fd) {
    static_cast<Impl*>(impl)->corks.forget(fd);
    return close(fd);
  }

  // An HTTP/2 connection carries many small frames per round, so it is corked once its first
  // transfer is done; an HTTP/1.1 request is one write already, and its many sockets stay as they are.
  void cork_if_multiplexed(CURL* e) {
    long version = 0;
    curl_socket_t fd = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version) != CURLE_OK || version != CURL_HTTP_VERSION_2_0) return;
    if (curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK && fd != CURL_SOCKET_BAD) corks.cork(fd);
  }

  SharedHeaders headers_for(const std::string& token) {
    if (!headers || token != headers_token) {
      curl_slist* list = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
      list = curl_slist_append(list, "Content-Type: application/json; UTF-8");
      headers = SharedHeaders(list, curl_slist_free_all);
      headers_token = token;
    }
    return headers;
  }

  void finish(SendJob job, FinalOutcome outcome, std::string reason, int attempts) {
    std::lock_guard lock(mu);
    results.push_back({std::move(job), outcome, std::move(reason), attempts});
    --pending;
  }

  RetryPolicy retry_policy() const { return {o.backoff_base, o.backoff_cap, o.retry_after_cap}; }
  std::chrono::milliseconds backoff(int attempts, std::chrono::milliseconds retry_after) {
    return retry_delay(attempts, retry_after, retry_policy(), rng);  // never earlier than the server asked, up to a cap
  }

  // Counts the retry under its cause and says so in the log: the first of each cause, then every
  // 1000th, so a failing FCM is visible without a line per attempt.
  void note_retry(const std::string& cause, const std::string& reason) {
    uint64_t n;
    {
      std::lock_guard lock(c.mu);
      n = ++c.retried_by_cause[cause];
    }
    if (n == 1 || n % 1000 == 0)
      log_event("warn", "FCM send will be retried", {{"cause", cause}, {"reason", reason}, {"occurrences", n}});
  }

  void schedule_retry(SendJob job, int attempts, std::chrono::milliseconds retry_after, const std::string& reason) {
    if (attempts >= o.max_attempts) return finish(std::move(job), FinalOutcome::kDeadLettered, reason, attempts);
    ++c.retried;
    ++c.waiting;
    std::lock_guard lock(mu);
    retries.emplace(Clock::now() + backoff(attempts, retry_after), std::pair{std::move(job), attempts});
  }

  // A 429 with Retry-After is the project's quota, not the message's fault: the job waits out the
  // hold with the attempts it had, so a quota that outlasts --max-attempts dead-letters nothing.
  void retry_after_hold(SendJob job, int attempts_spent, std::chrono::milliseconds wait) {
    ++c.retried;
    ++c.waiting;
    std::lock_guard lock(mu);
    retries.emplace(Clock::now() + wait, std::pair{std::move(job), attempts_spent});
  }

  void start_transfer(SendJob job, int attempts) {
    std::string token;
    try {
      token = tokens.token();
    } catch (const std::exception& e) {
      note_retry("token", e.what());
      return schedule_retry(std::move(job), attempts + 1, std::chrono::milliseconds(0),
                            std::string("token: ") + e.what());
    }
    auto* t = new Transfer{std::move(job), attempts + 1, {}, {}, headers_for(token), easy_handle(), Clock::now()};
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers.get());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->job.body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(t->job.body.size()));
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_multi_add_handle(multi, e);
    active.insert(e);
    ++c.in_flight;
  }

  void complete(CURL* e, CURLcode result) {
    Transfer* t = nullptr;
    curl_easy_getinfo(e, CURLINFO_PRIVATE, &t);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    cork_if_multiplexed(e);
    curl_multi_remove_handle(multi, e);
    idle_handles.push_back(e);
    active.erase(e);
    --c.in_flight;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t->started).count();
    c.latency_sum_us += static_cast<uint64_t>(us);
    ++c.latency_count;
    int bucket = 0;
    while (bucket < 7 && us > kLatencyBoundsMs[bucket] * 1000) ++bucket;
    ++c.latency_buckets[bucket];
    Outcome out = classify_fcm_response(status, t->response, t->retry_after,
                                        result == CURLE_OK ? std::string() : curl_easy_strerror(result));
    std::unique_ptr<Transfer> owned(t);
    switch (out.kind) {
      case OutcomeKind::kDelivered:
        ++c.sent;
        return finish(std::move(t->job), FinalOutcome::kDelivered, "", t->attempts);
      case OutcomeKind::kPermanent:
        return finish(std::move(t->job), FinalOutcome::kRejected, out.reason, t->attempts);
      case OutcomeKind::kRefreshToken:
        ++c.token_refreshes;
        tokens.invalidate();
        return schedule_retry(std::move(t->job), t->attempts, std::chrono::milliseconds(0), out.reason);
      case OutcomeKind::kRetry:
        note_retry(retry_cause(result, status), out.reason);
        if (status == 429 && out.retry_after.count() > 0) {
          auto wait = server_requested_wait(out.retry_after, retry_policy());
          hold_sends(wait);
          return retry_after_hold(std::move(t->job), t->attempts - 1, wait);
        }
        return schedule_retry(std::move(t->job), t->attempts, out.retry_after, out.reason);
    }
  }

  void hold_sends(std::chrono::milliseconds wait) {
    auto until = Clock::now() + wait;
    if (until <= hold_until) return;
    if (Clock::now() >= hold_until) {
      ++c.quota_holds;
      log_event("warn", "FCM project quota exceeded: holding every send", {{"hold_ms", wait.count()}});
    }
    hold_until = until;
  }

  // How many sends may start now: none while the quota holds; with --max-rate, the credit earned
  // since the last call (at most a tenth of a second's worth, so a pause does not become a burst).
  size_t start_allowance(Clock::time_point now) {
    if (hold_until > held_accounted_to) {
      auto held = std::min(now, hold_until) - held_accounted_to;
      c.quota_held_us += std::chrono::duration_cast<std::chrono::microseconds>(held).count();
    }
    held_accounted_to = now;
    if (now < hold_until) return 0;
    if (o.max_rate <= 0) return SIZE_MAX;
    rate_credit = std::min(rate_credit + std::chrono::duration<double>(now - rate_refilled).count() * o.max_rate,
                           std::max(1.0, o.max_rate / 10));
    rate_refilled = now;
    return static_cast<size_t>(rate_credit);
  }

  void run() {
    while (true) {
      std::vector<std::pair<SendJob, int>> to_start;
      {
        std::lock_guard lock(mu);
        auto now = Clock::now();
        size_t allowance = start_allowance(now);
        while (!retries.empty() && retries.begin()->first <= now) {
          queue.push_front(std::move(retries.begin()->second));
          retries.erase(retries.begin());
          --c.waiting;
        }
        if (stopping) break;
        while (active.size() + to_start.size() < static_cast<size_t>(o.max_inflight) && !queue.empty() &&
               to_start.size() < allowance) {
          to_start.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      if (o.max_rate > 0) rate_credit -= static_cast<double>(to_start.size());
      for (auto& [job, attempts] : to_start) start_transfer(std::move(job), attempts);
      int running = 0;
      curl_multi_perform(multi, &running);
      corks.flush();  // before anything waits: the round's frames go out now
      int left = 0;
      bool freed_slots = false;
      while (CURLMsg* m = curl_multi_info_read(multi, &left))
        if (m->msg == CURLMSG_DONE) {
          complete(m->easy_handle, m->data.result);
          freed_slots = true;
        }
      if (!freed_slots) curl_multi_poll(multi, nullptr, 0, 20, nullptr);  // else refill first: jobs may be queued
    }
    abort_in_flight();
  }

  // At stop the relay has already waited out its shutdown deadline and given every unfinished
  // delivery back to the broker, so a transfer still under way is abandoned, not awaited (it could
  // take the whole request timeout): no result, nothing acked, the broker redelivers the job.
  void abort_in_flight() {
    if (active.empty()) return;
    log_event("warn", "FCM sends aborted at stop; the broker redelivers them", {{"aborted", active.size()}});
    for (CURL* e : active) {
      Transfer* t = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, &t);
      curl_multi_remove_handle(multi, e);
      idle_handles.push_back(e);
      delete t;
      --pending;
      --c.in_flight;
    }
    active.clear();
  }
};

FcmSender::FcmSender(SenderOptions options, OAuthTokenSource& tokens)
    : impl_(std::make_unique<Impl>(std::move(options), tokens, counters_)) {}

FcmSender::~FcmSender() { stop(); }

void FcmSender::start() {
  if (!impl_->thread.joinable()) impl_->thread = std::thread([this] { impl_->run(); });
}

void FcmSender::stop() {
  impl_->tokens.cancel();  // a token fetch under way (up to its 10 s timeout) must not hold up the join
  impl_->stopping = true;
  curl_multi_wakeup(impl_->multi);
  if (impl_->thread.joinable()) impl_->thread.join();
}

void FcmSender::submit(SendJob job) {
  bool was_empty;
  {
    std::lock_guard lock(impl_->mu);
    was_empty = impl_->queue.empty();
    impl_->queue.emplace_back(std::move(job), 0);
    ++impl_->pending;
  }
  // A non-empty queue means the sender has a wake-up pending already, or is at max_inflight and
  // comes back for more as a transfer completes: one wake-up per batch instead of per job.
  if (was_empty) curl_multi_wakeup(impl_->multi);
}

std::vector<SendResult> FcmSender::take_results() {
  std::lock_guard lock(impl_->mu);
  std::vector<SendResult> out;
  out.swap(impl_->results);
  return out;
}

size_t FcmSender::pending() const { return impl_->pending; }

std::vector<SendJob> FcmSender::drain_unstarted() {
  std::lock_guard lock(impl_->mu);
  std::vector<SendJob> out;
  for (auto& [job, attempts] : impl_->queue) out.push_back(std::move(job));
  for (auto& [when, entry] : impl_->retries) out.push_back(std::move(entry.first));
  impl_->pending -= out.size();
  counters_.waiting -= static_cast<int64_t>(impl_->retries.size());
  impl_->queue.clear();
  impl_->retries.clear();
  return out;
}

}  // namespace leakscope::relay
