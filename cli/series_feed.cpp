#include "series_feed.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/profile_source.h"
#include "leakscope/analyzer/writers.h"
#include "series_inputs.h"

namespace leakscope::cli {

namespace {
// Readers of a series' files: reading and aggregating is CPU work, so more threads than cores only
// add memory (each holds a whole profile while it summarizes it).
constexpr unsigned kMaxReaders = 4;
}  // namespace

SeriesFeed::SeriesFeed(std::vector<std::string> args, std::string instance, ProfileOptions opt, double every_s,
                       size_t max_snapshots)
    : args_(std::move(args)),
      instance_(std::move(instance)),
      opt_(std::move(opt)),
      every_s_(every_s),
      max_snapshots_(max_snapshots) {}

SeriesFeed::~SeriesFeed() {
  std::error_code ec;
  if (!spool_.empty()) std::filesystem::remove_all(spool_, ec);
}

std::string SeriesFeed::spool(const std::string& url) {
  if (spool_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "leakscope-serve-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw analyzer::InputError(tmpl, "", "cannot create the spool directory for fetched profiles");
    spool_ = tmpl;
  }
  std::string file = spool_ + "/snapshot." + std::to_string(++fetches_) + ".pb.gz";
  write_file(file, analyzer::write_proto_gz(load_profile(url, opt_)));
  spooled_.push_back(file);
  // The series keeps at most max_snapshots_; older spooled files are no longer needed.
  while (spooled_.size() > max_snapshots_) {
    std::error_code ec;
    std::filesystem::remove(spooled_.front(), ec);
    spooled_.pop_front();
  }
  return file;
}

bool SeriesFeed::offer(const std::string& source, uint64_t order) {
  std::string file = source, warning;
  try {
    if (analyzer::is_url(source)) file = spool(source);
  } catch (const std::exception& e) {
    warning = std::string(e.what()) + " (skipped)";
  }
  if (warning.empty()) warning = series_->add(file, order);
  if (!warning.empty())
    std::cerr << "leakscope serve: warning: " + warning + "\n" << std::flush;  // one write: readers run in parallel
  return warning.empty();
}

std::shared_ptr<viz::SnapshotSeries> SeriesFeed::load() {
  ProfileOptions opt = opt_;
  series_ = std::make_shared<viz::SnapshotSeries>([opt](const std::string& s) { return load_profile(s, opt); },
                                                  stack_options(opt_), opt_.sample_index, max_snapshots_);
  // Several processes in one series would interleave their heaps as if they were one.
  std::vector<std::string> urls;
  std::copy_if(args_.begin(), args_.end(), std::back_inserter(urls),
               [](const std::string& a) { return analyzer::is_url(a); });
  if (urls.size() > 1) {
    std::string list;
    for (const auto& u : urls) list += (list.empty() ? "" : ", ") + u;
    throw analyzer::InputError(urls.front(), "",
                               "a series follows one process, got " + std::to_string(urls.size()) + " URLs (" + list +
                                   "); serve each on its own --http port, or `leakscope collect` them into a DIR "
                                   "and serve it with --instance");
  }
  auto sources = series_sources(args_, instance_);
  expected_ = sources.size();
  // One usable snapshot first: it fixes the series' sample type, and the page needs one to show.
  size_t next = 0;
  for (; next < sources.size() && series_->size() == 0; ++next) {
    if (!analyzer::is_url(sources[next])) known_.insert(sources[next]);
    ++read_;
    if (!offer(sources[next], next_order_++)) ++skipped_;
  }
  if (series_->size() == 0)
    throw analyzer::InputError(args_.front(), "",
                               "no usable snapshot among " + std::to_string(sources.size()) + " (" +
                                   std::to_string(skipped_) + " skipped, see the warnings above)");
  for (; next < sources.size(); ++next) {
    if (analyzer::is_url(sources[next])) {  // fetched here: the spool belongs to one thread
      ++read_;
      if (!offer(sources[next], next_order_++)) ++skipped_;
    } else if (known_.insert(sources[next]).second) {
      pending_.emplace_back(sources[next], next_order_++);
    } else {
      --expected_;  // named twice
    }
  }
  series_->set_progress({read_, expected_});
  return series_;
}

void SeriesFeed::read_pending(const std::atomic<bool>& stop) {
  std::mutex mu;
  size_t next = 0;
  auto reader = [&] {
    while (!stop) {
      std::pair<std::string, uint64_t> job;
      {
        std::lock_guard lock(mu);
        if (next == pending_.size()) return;
        job = pending_[next++];
      }
      bool added = offer(job.first, job.second);
      std::lock_guard lock(mu);
      ++read_;
      if (!added) ++skipped_;
      series_->set_progress({read_, expected_});
    }
  };
  unsigned readers = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxReaders);
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < readers && i < pending_.size(); ++i) pool.emplace_back(reader);
  reader();
  for (auto& t : pool) t.join();
  pending_.clear();
  if (stop) return;
  std::cerr << "leakscope serve: read " + std::to_string(read_) + (read_ == 1 ? " snapshot (" : " snapshots (") +
                   std::to_string(skipped_) + " skipped)\n"
            << nlohmann::ordered_json{{"event", "series_read"}, {"snapshots", read_}, {"skipped", skipped_}}.dump()
            << "\n"
            << std::flush;
}

void SeriesFeed::follow(const std::atomic<bool>& stop) {
  using std::chrono::milliseconds;
  read_pending(stop);
  const auto step = milliseconds(static_cast<int64_t>(every_s_ * 1000));
  while (!stop) {
    for (auto t = milliseconds(0); t < step && !stop; t += milliseconds(100))
      std::this_thread::sleep_for(milliseconds(100));
    if (stop) break;
    std::vector<std::string> sources;
    try {
      sources = series_sources(args_, instance_);
    } catch (const std::exception&) {
      continue;  // a directory emptied for a moment: the next look may find it again
    }
    for (const auto& source : sources)
      if (analyzer::is_url(source) || known_.insert(source).second) offer(source, next_order_++);
  }
}

}  // namespace leakscope::cli
