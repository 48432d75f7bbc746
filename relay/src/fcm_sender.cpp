#include "leakscope/relay/fcm_sender.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>

#include "leakscope/relay/curl_transport.h"
#include "leakscope/relay/http2_client.h"
#include "leakscope/relay/log.h"
#include "leakscope/relay/retry_delay.h"

namespace leakscope::relay {
namespace {

using Clock = std::chrono::steady_clock;

// One send under way: the transport holds a pointer to it until it answers.
struct Transfer {
  SendJob job;
  int attempts = 0;  // including this one
  Clock::time_point started;
};

bool use_http2_client(const SenderOptions& o) {
  return o.http_client == "auto" && o.send_url.rfind("https://", 0) == 0 &&
         proxy_from_environment(o.send_url).proxy.empty();
}

std::unique_ptr<HttpTransport> make_curl_transport(const SenderOptions& o) {
  return std::make_unique<CurlTransport>(
      CurlTransportOptions{o.send_url, o.max_inflight, o.request_timeout, o.ca_file});
}

std::unique_ptr<HttpTransport> make_transport(const SenderOptions& o) {
  if (!use_http2_client(o)) return make_curl_transport(o);
  return std::make_unique<Http2Client>(
      Http2ClientOptions{o.send_url, o.request_timeout, std::chrono::milliseconds(5000), o.ca_file});
}

}  // namespace

struct FcmSender::Impl {
  SenderOptions o;
  OAuthTokenSource& tokens;
  SenderCounters& c;
  // The transport made at start, and libcurl's if that one was HTTP/2 and the server refused it.
  // Both live as long as the sender: submit() and stop() on other threads wake whichever is current.
  std::unique_ptr<HttpTransport> first_transport = make_transport(o), libcurl_fallback;
  std::atomic<HttpTransport*> current{first_transport.get()};
  HttpTransport& transport() { return *current.load(); }
  std::thread thread;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;                                              // guards queue, retries, results
  std::deque<std::pair<SendJob, int>> queue;                          // (job, attempts so far)
  std::multimap<Clock::time_point, std::pair<SendJob, int>> retries;  // waiting out a backoff
  std::vector<SendResult> results;
  std::atomic<size_t> pending{0};
  std::mt19937_64 rng{std::random_device{}()};
  // Sender thread only: the project's quota hold, and the --max-rate allowance.
  Clock::time_point hold_until{}, held_accounted_to = Clock::now();
  double rate_credit = 0;
  Clock::time_point rate_refilled = Clock::now();
  std::vector<TransportAnswer> answers;  // sender thread only: reused each round

  Impl(SenderOptions opt, OAuthTokenSource& t, SenderCounters& counters) : o(std::move(opt)), tokens(t), c(counters) {}

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
    auto* t = new Transfer{std::move(job), attempts + 1, Clock::now()};
    transport().start(t, t->job.body, token);
    ++c.in_flight;
  }

  void complete(TransportAnswer& a) {
    std::unique_ptr<Transfer> t(static_cast<Transfer*>(a.request));
    --c.in_flight;
    if (a.cause == "http2_refused") return fall_back_to_libcurl(std::move(t), a.error);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t->started).count();
    c.latency_sum_us += static_cast<uint64_t>(us);
    ++c.latency_count;
    int bucket = 0;
    while (bucket < 7 && us > kLatencyBoundsMs[bucket] * 1000) ++bucket;
    ++c.latency_buckets[bucket];
    Outcome out = classify_fcm_response(a.status, a.body, a.retry_after, a.error);
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
        // A retry's cause as a metric label: one of a small fixed set, whatever the server answered.
        note_retry(a.cause.empty() ? "http_" + std::to_string(std::clamp(a.status, 0L, 999L)) : a.cause, out.reason);
        if (a.status == 429 && out.retry_after.count() > 0) {
          auto wait = server_requested_wait(out.retry_after, retry_policy());
          hold_sends(wait);
          return retry_after_hold(std::move(t->job), t->attempts - 1, wait);
        }
        return schedule_retry(std::move(t->job), t->attempts, out.retry_after, out.reason);
    }
  }

  // The FCM server does not offer HTTP/2: from now on libcurl sends (HTTP/1.1), and the requests
  // that found out go again at once, their attempt not spent.
  void fall_back_to_libcurl(std::unique_ptr<Transfer> t, const std::string& why) {
    if (!libcurl_fallback) {
      log_event("warn", "FCM server without HTTP/2: sending with libcurl from now on", {{"reason", why}});
      libcurl_fallback = make_curl_transport(o);
      HttpTransport& http2 = transport();
      current = libcurl_fallback.get();
      for (void* r : http2.abort_all()) {
        --c.in_flight;
        restart_on_new_transport(std::unique_ptr<Transfer>(static_cast<Transfer*>(r)));
      }
    }
    restart_on_new_transport(std::move(t));
  }
  void restart_on_new_transport(std::unique_ptr<Transfer> t) {
    std::lock_guard lock(mu);
    queue.emplace_front(std::move(t->job), t->attempts - 1);
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
        while (transport().active() + to_start.size() < static_cast<size_t>(o.max_inflight) && !queue.empty() &&
               to_start.size() < allowance) {
          to_start.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      if (o.max_rate > 0) rate_credit -= static_cast<double>(to_start.size());
      for (auto& [job, attempts] : to_start) start_transfer(std::move(job), attempts);
      answers.clear();
      transport().progress(answers);
      for (TransportAnswer& a : answers) complete(a);
      if (answers.empty()) transport().wait(std::chrono::milliseconds(20));  // else refill first: jobs may be queued
    }
    abort_in_flight();
  }

  // At stop the relay has already waited out its shutdown deadline and given every unfinished
  // delivery back to the broker, so a transfer still under way is abandoned, not awaited (it could
  // take the whole request timeout): no result, nothing acked, the broker redelivers the job.
  void abort_in_flight() {
    auto aborted = transport().abort_all();
    if (aborted.empty()) return;
    log_event("warn", "FCM sends aborted at stop; the broker redelivers them", {{"aborted", aborted.size()}});
    for (void* r : aborted) {
      delete static_cast<Transfer*>(r);
      --pending;
      --c.in_flight;
    }
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
  impl_->transport().wake();
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
  if (was_empty) impl_->transport().wake();
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
