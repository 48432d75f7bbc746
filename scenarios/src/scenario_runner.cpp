#include "leakscope/scenarios/scenario_runner.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/sample_index.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/trend_series.h"
#include "leakscope/process/child_process.h"
#include "leakscope/relay/amqp_session.h"
#include "leakscope/relay/job.h"
#include "leakscope/scenarios/broker.h"
#include "leakscope/scenarios/fault_proxy.h"
#include "leakscope/scenarios/verdict.h"
#include "leakscope/viz/line_chart.h"
#include "leakscope/viz/report_page.h"

namespace leakscope::scenarios {
using process::ChildProcess;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const char* kQueue = "jobs";

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// One value from Prometheus text ("name 123"), or nullopt.
std::optional<double> metric(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::strtod(text.c_str() + at + name.size() + 1, nullptr);
    at += name.size();
  }
  return std::nullopt;
}

std::string human_bytes(double b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", b / 1048576.0);
  return buf;
}

std::vector<std::string> snapshots_in(const std::string& dir) {
  // <name>.<pid>.<seq>.pb.gz: ordered by the sequence number, read once per file.
  static const std::regex seq_rx(R"(\.(\d+)\.pb\.gz$)");
  std::vector<std::pair<uint64_t, std::string>> numbered;
  if (fs::exists(dir))
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string f = e.path().string();
      std::smatch m;
      if (f.ends_with(".pb.gz")) numbered.emplace_back(std::regex_search(f, m, seq_rx) ? std::stoull(m[1]) : 0, f);
    }
  std::sort(numbered.begin(), numbered.end());
  std::vector<std::string> files;
  for (auto& [seq, f] : numbered) files.push_back(std::move(f));
  return files;
}

// Published so far, from loadgen's "loadgen: published N/M" progress lines.
uint64_t published_so_far(const ChildProcess& loadgen) {
  std::string err = loadgen.err();
  size_t at = err.rfind("loadgen: published ");
  return at == std::string::npos ? 0 : std::stoull(err.substr(at + 19));
}

struct Delivery {
  uint64_t accepted = 0, unique = 0;
};
Delivery deliveries(const std::string& record_file) {
  Delivery d;
  std::set<std::string> ids;
  std::ifstream in(record_file);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;
    ++d.accepted;
    ids.insert(relay::job_id(j));
  }
  d.unique = ids.size();
  return d;
}

class Run {
 public:
  Run(const ScenarioSpec& spec, const RunOptions& o, std::ostream& progress)
      : spec_(spec), o_(o), progress_(progress), out_(o.out_dir), logs_(o.out_dir + "/logs") {
    const auto& variant = o.variant == "leaky" ? spec.leaky : spec.fixed;
    relay_flags_ = variant.relay_flags;
    double duration = o.duration_s > 0 ? o.duration_s : spec.default_duration_s;
    count_ = o.messages ? o.messages : static_cast<uint64_t>(std::llround(duration * spec.publish_rate));
  }

  RunResult run();

 private:
  bool interrupted() const { return o_.stop && o_.stop->load(); }
  // Sleeps in small steps; false when interrupted.
  bool pause(std::chrono::milliseconds d) {
    auto end = Clock::now() + d;
    while (Clock::now() < end) {
      if (interrupted()) return false;
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          50ms, std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()) + 1ms));
    }
    return !interrupted();
  }
  std::string bin(const std::string& name) const { return o_.bin_dir + "/" + name; }
  void start_parts();
  void sample(double t);
  void print_progress(double t, bool final);

  int lg_sample() const { return o_.lg_sample >= 0 ? o_.lg_sample : spec_.lg_sample; }
  const ScenarioSpec& spec_;
  RunOptions o_;
  std::ostream& progress_;
  std::string out_, logs_;
  std::vector<std::string> relay_flags_;
  uint64_t count_ = 0;

  // Declared in start order: destroyed in reverse, so load stops first and the broker last.
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<FaultProxy> proxy_;
  std::unique_ptr<ChildProcess> fcm_, relay_, loadgen_;
  int fcm_port_ = 0, relay_http_ = 0;

  std::ofstream memory_csv_;
  double rss_start_ = -1, rss_end_ = 0, rss_max_ = 0, backlog_ = 0, sent_ = 0;
  double allocated_start_ = -1, allocated_end_ = 0;
  uint64_t published_ = 0, cuts_ = 0;
  double reconnects_ = 0, listeners_ = 0;
};

void Run::start_parts() {
  progress_ << "scenario " << spec_.name << " (" << o_.variant << "): starting a private RabbitMQ broker...\n"
            << std::flush;
  broker_ = std::make_unique<Broker>(out_ + "/broker");
  std::string amqp_url = broker_->amqp_url();
  if (spec_.cut_every_s > 0) {
    proxy_ = std::make_unique<FaultProxy>("127.0.0.1", broker_->amqp_port());
    amqp_url = "amqp://guest:guest@127.0.0.1:" + std::to_string(proxy_->port()) + "/";
  }
  fcm_port_ = free_loopback_port();
  std::string credentials = out_ + "/service-account.json";
  ChildProcess make_sa({bin("fake-fcm"), "--make-service-account", credentials, "--token-uri",
                        "http://127.0.0.1:" + std::to_string(fcm_port_) + "/token"},
                       {}, logs_);
  if (make_sa.wait_exit(10s) != 0) throw std::runtime_error("fake-fcm --make-service-account failed: " + make_sa.err());
  std::vector<std::string> fcm_argv{bin("fake-fcm"),         "--listen",  "127.0.0.1:" + std::to_string(fcm_port_),
                                    "--service-account",     credentials, "--record",
                                    out_ + "/accepted.jsonl"};
  fcm_argv.insert(fcm_argv.end(), spec_.fcm_flags.begin(), spec_.fcm_flags.end());
  fcm_ = std::make_unique<ChildProcess>(fcm_argv, std::vector<std::string>{}, logs_);
  if (!fcm_->wait_for_event("listening", 10s)) throw std::runtime_error("fake-fcm did not start: " + fcm_->err());

  relay_http_ = free_loopback_port();
  std::vector<std::string> relay_argv{bin("fcm-relay"),
                                      "--amqp-url",
                                      amqp_url,
                                      "--queue",
                                      kQueue,
                                      "--credentials",
                                      credentials,
                                      "--fcm-base-url",
                                      "http://127.0.0.1:" + std::to_string(fcm_port_),
                                      "--http-addr",
                                      "127.0.0.1:" + std::to_string(relay_http_),
                                      "--snapshot-dir",
                                      out_ + "/snapshots",
                                      "--snapshot-interval",
                                      std::to_string(spec_.snapshot_interval_s),
                                      "--shutdown-timeout",
                                      "2"};
  relay_argv.insert(relay_argv.end(), relay_flags_.begin(), relay_flags_.end());
  relay_argv.insert(relay_argv.end(), {"--lg-sample", std::to_string(lg_sample())});
  // Sampling set from process start: jemalloc applies a changed rate per thread only after its next sample.
  relay_ = std::make_unique<ChildProcess>(
      relay_argv, std::vector<std::string>{"MALLOC_CONF=lg_prof_sample:" + std::to_string(lg_sample())}, logs_);
  if (!relay_->wait_for_event("consuming", 20s)) throw std::runtime_error("fcm-relay did not start: " + relay_->err());

  loadgen_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{bin("loadgen"), "--amqp-url", broker_->amqp_url(), "--queue", kQueue, "--count",
                               std::to_string(count_), "--rate", std::to_string(spec_.publish_rate), "--payload-bytes",
                               std::to_string(spec_.payload_bytes), "--confirm-batch", "200"},
      std::vector<std::string>{}, logs_);
}

void Run::sample(double t) {
  httplib::Client c("127.0.0.1", relay_http_);
  c.set_connection_timeout(1);
  c.set_read_timeout(2);
  auto r = c.Get("/metrics");
  if (!r || r->status != 200) return;
  double rss = metric(r->body, "process_resident_memory_bytes").value_or(0);
  // The relay's own allocations apart from the profiler's, and RSS apart from what jemalloc holds.
  double heap = metric(r->body, "leakscope_service_allocated_bytes").value_or(0);
  // The profiler's own: its arena, the extents jemalloc gives its samples (sample_promotion.h) and
  // jemalloc's records of them.
  double profiler = metric(r->body, "leakscope_profiler_allocated_bytes").value_or(0) +
                    metric(r->body, "leakscope_sample_promotion_bytes").value_or(0) +
                    metric(r->body, "leakscope_allocator_internal_bytes").value_or(0);
  double resident = metric(r->body, "leakscope_rss_jemalloc_bytes").value_or(0);
  double other_anon = metric(r->body, "leakscope_rss_other_anon_bytes").value_or(0);
  double file = metric(r->body, "process_resident_file_bytes").value_or(0);
  auto sampled = metric(r->body, "leakscope_sampled_heap_bytes");
  backlog_ = metric(r->body, "fcm_relay_backlog").value_or(0);
  sent_ = metric(r->body, "fcm_relay_sent_total").value_or(0);
  reconnects_ = metric(r->body, "fcm_relay_reconnects_total").value_or(0);
  listeners_ = metric(r->body, "fcm_relay_close_listeners").value_or(0);
  if (rss_start_ < 0) rss_start_ = rss;
  rss_end_ = rss;
  rss_max_ = std::max(rss_max_, rss);
  if (allocated_start_ < 0) allocated_start_ = heap;
  allocated_end_ = heap;
  auto n = [](double v) { return std::to_string(static_cast<int64_t>(v)); };
  memory_csv_ << t << "," << n(rss) << "," << n(resident) << "," << n(other_anon) << "," << n(file) << "," << n(heap)
              << "," << n(profiler) << "," << (sampled ? n(*sampled) : "") << "\n"
              << std::flush;
}

void Run::print_progress(double t, bool final) {
  char line[256];
  std::snprintf(line, sizeof line,
                "[%5.1fs] published %llu/%llu  delivered %.0f  relay backlog %.0f  rss %s  snapshots %zu", t,
                static_cast<unsigned long long>(published_), static_cast<unsigned long long>(count_), sent_, backlog_,
                human_bytes(rss_end_).c_str(), snapshots_in(out_ + "/snapshots").size());
  std::string extra = spec_.cut_every_s > 0 ? "  cuts " + std::to_string(cuts_) + "  reconnects " +
                                                  std::to_string(static_cast<long>(reconnects_))
                                            : "";
  if (o_.tty)
    progress_ << "\r" << line << extra << "\033[K" << (final ? "\n" : "") << std::flush;
  else
    progress_ << line << extra << "\n" << std::flush;
}

}  // namespace

std::string display_path(const std::string& path) {
  std::error_code ec;
  fs::path rel = fs::relative(path, fs::current_path(ec), ec);
  if (ec || rel.empty() || *rel.begin() == "..") return path;
  return rel.string();
}

namespace {

// The relay's snapshot files, read as the CLI reads them (the relay's are self-symbolized, others may not be).
std::vector<analyzer::Profile> read_snapshots(const std::vector<std::string>& paths) {
  analyzer::SymbolizeOptions symbols;
  if (const char* dirs = std::getenv("LEAKSCOPE_BINARY_PATH")) symbols.binary_path = analyzer::split_binary_path(dirs);
  std::vector<analyzer::Profile> profiles;
  for (const auto& path : paths) {
    profiles.push_back(analyzer::read_profile(path));
    if (analyzer::needs_symbolization(profiles.back())) analyzer::symbolize(profiles.back(), symbols);
  }
  return profiles;
}

// `leakscope trend` over the snapshots, in process (the same library call, default options).
analyzer::SeriesTrend trend_of(const std::vector<analyzer::Profile>& profiles, const std::vector<std::string>& paths) {
  std::vector<analyzer::SeriesSnapshot> series;
  for (size_t i = 0; i < paths.size(); ++i) series.push_back({&profiles[i], paths[i]});
  return analyzer::make_series_trend(series, {});
}

// `leakscope report LAST --base FIRST --memory-csv ...` with the verdict, in process, into `dir`.
void write_report(const analyzer::Profile& first, const std::string& first_path, const analyzer::Profile& last,
                  const std::string& last_path, const analyzer::TrendReport& verdict, const std::string& memory_csv,
                  const std::string& title, const std::string& dir) {
  viz::ReportInput in;
  int now_index = analyzer::sample_index_for(last, "", last_path);
  in.view = {&last, now_index, &first, analyzer::sample_index_for(first, last.sample_types[now_index].type, first_path),
             false, {}};
  in.profile_name = last_path;
  in.base_name = first_path;
  in.title = title;
  in.verdict = &verdict;
  std::ifstream csv(memory_csv);
  std::stringstream text;
  text << csv.rdbuf();
  in.memory = viz::read_chart_csv(text.str(), memory_csv);
  viz::ReportPage page = viz::make_report_page(in);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : page.files) std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  std::ofstream(dir + "/index.html", std::ios::binary) << page.index_html;
}

RunResult Run::run() {
  RunResult result;
  fs::remove_all(out_);
  fs::create_directories(logs_);
  memory_csv_.open(out_ + "/memory.csv");
  memory_csv_ << "seconds,relay RSS,RSS in jemalloc,other anonymous,file-backed,relay allocated,profiler's own,"
                 "sampled heap\n";
  start_parts();

  const auto t0 = Clock::now();
  const double load_seconds = static_cast<double>(count_) / spec_.publish_rate;
  progress_ << "scenario " << spec_.name << " (" << o_.variant << "): publishing " << count_ << " jobs over "
            << load_seconds << " s; heap snapshots every " << spec_.snapshot_interval_s << " s into "
            << display_path(out_ + "/snapshots") << "\n";
  // The phase as an event line too, for whoever waits for it (process::ChildProcess::wait_for_event).
  progress_ << nlohmann::json{{"event", "publishing"},
                              {"scenario", spec_.name},
                              {"variant", o_.variant},
                              {"jobs", count_}}
                   .dump()
            << "\n"
            << std::flush;
  auto next_cut = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec_.cut_every_s));
  auto next_report = t0;
  // Load phase, bounded: loadgen's own time plus a margin for broker hiccups.
  while (loadgen_->running() && seconds_since(t0) < load_seconds + 60) {
    if (!pause(100ms)) break;
    if (proxy_ && Clock::now() >= next_cut) {
      proxy_->cut_all();
      ++cuts_;
      next_cut += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(spec_.cut_every_s));
    }
    if (Clock::now() >= next_report) {
      published_ = published_so_far(*loadgen_);
      sample(seconds_since(t0));
      print_progress(seconds_since(t0), false);
      next_report += 1s;
    }
  }
  if (interrupted()) {
    result.interrupted = true;
    progress_ << "\nscenario interrupted: stopping loadgen, fcm-relay, fake-fcm and the broker\n" << std::flush;
    return result;
  }
  bool loadgen_ok = loadgen_->wait_exit(0ms) == 0;
  published_ = loadgen_ok ? count_ : published_so_far(*loadgen_);
  loadgen_.reset();
  // One more snapshot interval so the series ends after the load.
  pause(std::chrono::milliseconds(static_cast<int>(spec_.snapshot_interval_s * 1000) + 200));
  sample(seconds_since(t0));
  print_progress(seconds_since(t0), true);
  bool connected_at_end = true;
  {
    httplib::Client c("127.0.0.1", relay_http_);
    auto r = c.Get("/metrics");
    connected_at_end = r && metric(r->body, "fcm_relay_broker_connected").value_or(0) == 1;
  }
  relay_->terminate(10s);
  int relay_exit = relay_->wait_exit(0ms);
  fcm_->terminate();
  uint64_t queued = 0;
  try {
    relay::AmqpSession s(broker_->amqp_url(), 0);
    queued = s.queue_length(kQueue);
  } catch (const std::exception& e) {
    progress_ << "scenario: cannot read the queue length: " << e.what() << "\n";
  }
  const bool cut_connections = proxy_ != nullptr;  // the verdict needs it after the proxy is gone
  proxy_.reset();
  broker_.reset();

  // The verdict from the snapshot series.
  auto snaps = snapshots_in(out_ + "/snapshots");
  if (snaps.size() < 3)
    throw std::runtime_error("only " + std::to_string(snaps.size()) + " heap snapshots were written; need 3");
  std::vector<analyzer::Profile> profiles = read_snapshots(snaps);
  analyzer::SeriesTrend trend = trend_of(profiles, snaps);
  std::ofstream(out_ + "/trend.json") << analyzer::render_series_trend_json(trend);
  const std::vector<analyzer::TrendRow>& suspects = trend.trend.suspects;
  memory_csv_.close();
  write_report(profiles.front(), snaps.front(), profiles.back(), snaps.back(), trend.trend, out_ + "/memory.csv",
               "leakscope: " + spec_.name + " (" + o_.variant + ")", out_ + "/report");

  Delivery d = deliveries(out_ + "/accepted.jsonl");
  int64_t lost = static_cast<int64_t>(published_) - static_cast<int64_t>(d.unique) - static_cast<int64_t>(queued);
  auto& v = result.verdict;
  v["scenario"] = spec_.name;
  v["variant"] = o_.variant;
  v["published"] = published_;
  v["delivered"] = d.unique;
  v["still_queued"] = queued;
  v["lost"] = std::max<int64_t>(0, lost);
  v["duplicates"] = d.accepted - d.unique;
  v["rss_start"] = static_cast<int64_t>(std::max(0.0, rss_start_));
  v["rss_end"] = static_cast<int64_t>(rss_end_);
  v["rss_max"] = static_cast<int64_t>(rss_max_);
  v["allocated_start"] = static_cast<int64_t>(std::max(0.0, allocated_start_));
  v["allocated_end"] = static_cast<int64_t>(allocated_end_);
  v["snapshots"] = snaps.size();
  v["sampling_period_bytes"] = int64_t{1} << lg_sample();
  if (spec_.cut_every_s > 0) {
    v["connection_cuts"] = cuts_;
    v["reconnects"] = static_cast<int64_t>(reconnects_);
    v["connected_at_end"] = connected_at_end;
  }
  v["close_listeners_at_end"] = static_cast<int64_t>(listeners_);
  v["relay_exit_code"] = relay_exit;
  v["expected_suspect"] = o_.variant == "leaky" ? nlohmann::json(spec_.expected_suspect) : nlohmann::json(nullptr);
  v["suspects"] = analyzer::trend_json(trend.trend)["suspects"];
  RunFacts facts;
  facts.variant = o_.variant;
  facts.expected_suspect = spec_.expected_suspect;
  facts.suspects = suspects.size();
  facts.top_suspect = suspects.empty() ? "" : suspects[0].name;
  facts.lost = lost;
  facts.loadgen_ok = loadgen_ok;
  facts.cut_connections = cut_connections;
  facts.connected_at_end = connected_at_end;
  RunVerdict decided = decide_verdict(facts);
  result.passed = decided.passed;
  v["result"] = decided.result;
  v["passed"] = result.passed;
  result.verdict_path = out_ + "/verdict.json";
  result.report_path = out_ + "/report/index.html";
  std::ofstream(result.verdict_path) << v.dump(2) << "\n";
  return result;
}

}  // namespace

RunResult run_scenario(const ScenarioSpec& spec, const RunOptions& options, std::ostream& progress) {
  if (options.variant != "leaky" && options.variant != "fixed")
    throw std::invalid_argument("--variant must be leaky or fixed, not '" + options.variant + "'");
  Run run(spec, options, progress);
  return run.run();
}

}  // namespace leakscope::scenarios
