#include "leakscope/analyzer/collector.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <set>
#include <thread>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/series_files.h"
#include "leakscope/analyzer/units.h"
#include "leakscope/analyzer/work_counter.h"
#include "leakscope/analyzer/writers.h"

namespace leakscope::analyzer {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int64_t now_nanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes `bytes` under a temporary name, then renames: a reader (or a signal) never sees half a file.
void write_whole_file(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".partial";
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw InputError(path, "", "cannot write");
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
      std::remove(tmp.c_str());
      throw InputError(path, "", "write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw InputError(path, "", "cannot write: rename failed");
  }
}

// Sleeps until `until` in short slices, so that a signal's flag ends the wait promptly.
void sleep_until(Clock::time_point until, const std::atomic<bool>& stop) {
  while (!stop && Clock::now() < until)
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
}

// The reason part of an InputError's "source: reason".
std::string reason_of(const InputError& e, const std::string& url) {
  std::string what = e.what();
  return what.rfind(url + ": ", 0) == 0 ? what.substr(url.size() + 2) : what;
}

}  // namespace

std::string instance_of_url(const std::string& url) {
  size_t scheme_end = url.find("://");
  std::string scheme = url.substr(0, scheme_end);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t start = scheme_end + 3;
  std::string authority = url.substr(start, url.find_first_of("/?#", start) - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority = authority.substr(at + 1);
  size_t bracket = authority.rfind(']');
  size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos && (bracket == std::string::npos || colon > bracket);
  if (has_port) return authority;
  return authority + (scheme == "https" ? ":443" : ":80");
}

Collector::Collector(CollectOptions options, ProfileFetcher fetch, std::ostream& progress,
                     const std::atomic<bool>& stop)
    : options_(std::move(options)), fetch_(std::move(fetch)), progress_(progress), stop_(stop) {
  if (!(options_.every_s > 0) || !std::isfinite(options_.every_s))
    throw InputError("--every", "", "expected a positive number of seconds");
  std::error_code ec;
  if (fs::exists(options_.out_dir, ec) && !fs::is_directory(options_.out_dir, ec))
    throw InputError(options_.out_dir, "", "is not a directory (--out takes a directory for the series)");
  fs::create_directories(options_.out_dir, ec);
  if (ec) throw InputError(options_.out_dir, "", "cannot create the directory: " + ec.message());
  std::set<std::string> seen;
  for (const auto& url : options_.urls) {
    Target t{url, instance_of_url(url)};
    if (!seen.insert(t.instance).second)
      throw InputError(url, "", "instance " + t.instance + " given twice (one URL per host:port)");
    targets_.push_back(std::move(t));
  }
  // A directory that already holds this instance's series goes on from its last number.
  for (const auto& f : list_series_files(options_.out_dir))
    for (auto& t : targets_)
      if (t.instance == f.instance) t.next_seq = std::max(t.next_seq, f.seq + 1);
}

void Collector::save(Target& t, Profile& p) {
  if (p.time_nanos == 0) p.time_nanos = now_nanos();
  set_instance_label(p, t.instance);
  std::string path = (fs::path(options_.out_dir) / series_file_name(t.instance, t.next_seq)).string();
  write_whole_file(path, write_proto_gz(p));
  ++t.next_seq;
  ++summary_.files;
  apply_retain(t);
}

void Collector::apply_retain(const Target& t) {
  if (options_.retain == 0) return;
  std::vector<SeriesFile> mine;
  for (auto& f : list_series_files(options_.out_dir))
    if (f.instance == t.instance) mine.push_back(std::move(f));
  for (size_t i = 0; i + options_.retain < mine.size(); ++i) {
    std::error_code ec;
    fs::remove(mine[i].path, ec);
  }
}

size_t Collector::poll_round(bool first) {
  // Fetch all, then write: a first round that fails on one target leaves no files behind.
  std::vector<std::pair<Target*, Profile>> fetched;
  for (auto& t : targets_) {
    if (stop_) return 0;
    try {
      fetched.emplace_back(&t, fetch_(t.url));
    } catch (const InputError& e) {
      if (stop_) return 0;  // interrupted by the signal: nothing half-fetched is written
      if (first) throw;
      if (t.up)
        progress_ << "collect: " << t.instance << " went away (" << reason_of(e, t.url)
                  << "); polling the others, and it each round\n";
      t.up = false;
    }
  }
  round_in_use_ = 0;
  for (auto& [t, p] : fetched) {
    uint64_t main_start = p.mappings.empty() ? 0 : p.mappings.front().start;
    auto work = work_count_of(p);
    // A new process: its binary is mapped elsewhere (ASLR), or its work counter started again.
    bool restarted = !first && ((t->main_mapping_start && main_start && main_start != t->main_mapping_start) ||
                                (work && t->last_work >= 0 && work->value < t->last_work));
    if (!t->up)
      progress_ << "collect: " << t->instance << " is back" << (restarted ? " (restarted)" : "") << "\n";
    else if (restarted)
      progress_ << "collect: " << t->instance << " restarted\n";
    t->up = true;
    t->main_mapping_start = main_start;
    t->last_work = work ? work->value : -1;
    if (!p.sample_types.empty()) {
      int i = p.default_sample_index();
      round_in_use_ += p.total(i);
      round_unit_ = p.sample_types[i].unit;
    }
    save(*t, p);
  }
  return fetched.size();
}

CollectSummary Collector::run() {
  auto start = Clock::now();
  auto deadline =
      options_.duration_s > 0
          ? start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.duration_s))
          : Clock::time_point::max();
  auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.every_s));
  for (uint64_t round = 1;; ++round) {
    size_t answered = poll_round(round == 1);
    if (stop_) {
      summary_.stopped_by_signal = true;
      break;
    }
    summary_.rounds = round;
    double at = std::chrono::duration<double>(Clock::now() - start).count();
    char when[32];
    std::snprintf(when, sizeof when, "%.1f", at);
    progress_ << "collect: round " << round << " at " << when << " s: " << answered << " of " << targets_.size()
              << " instances answered, " << format_value(round_in_use_, round_unit_) << " in use in all -> "
              << options_.out_dir << "\n";
    progress_.flush();
    if (options_.count && round >= options_.count) break;
    // Rounds keep to the --every grid; a round that overran skips the slots it missed.
    auto next = start + period * static_cast<int64_t>(round);
    while (next < Clock::now()) next += period;
    if (next > deadline) break;
    sleep_until(next, stop_);
    if (stop_) {
      summary_.stopped_by_signal = true;
      break;
    }
  }
  return summary_;
}

}  // namespace leakscope::analyzer
