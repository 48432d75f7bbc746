#include "series_feed.h"

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/profile_source.h"
#include "leakscope/analyzer/writers.h"
#include "series_inputs.h"

namespace leakscope::cli {

SeriesFeed::SeriesFeed(std::vector<std::string> args, std::string instance, ProfileOptions opt, double every_s,
                       size_t max_snapshots)
    : args_(std::move(args)), instance_(std::move(instance)), opt_(std::move(opt)), every_s_(every_s), max_snapshots_(max_snapshots) {}

SeriesFeed::~SeriesFeed() {
  std::error_code ec;
  if (!spool_.empty()) std::filesystem::remove_all(spool_, ec);
}

std::string SeriesFeed::spool(const std::string& url) {
  if (spool_.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "leakscope-serve-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw InputError(tmpl, "", "cannot create the spool directory for fetched profiles");
    spool_ = tmpl;
  }
  std::string file = spool_ + "/snapshot." + std::to_string(++fetches_) + ".pb.gz";
  write_file(file, write_proto_gz(load_profile(url, opt_)));
  spooled_.push_back(file);
  // The series keeps at most max_snapshots_; older spooled files are no longer needed.
  while (spooled_.size() > max_snapshots_) {
    std::error_code ec;
    std::filesystem::remove(spooled_.front(), ec);
    spooled_.pop_front();
  }
  return file;
}

bool SeriesFeed::offer(const std::string& source) {
  std::string file = source, warning;
  try {
    if (is_url(source)) file = spool(source);
  } catch (const std::exception& e) {
    warning = std::string(e.what()) + " (skipped)";
  }
  if (warning.empty()) warning = series_->add(file);
  if (!warning.empty()) std::cerr << "leakscope serve: warning: " << warning << "\n" << std::flush;
  return warning.empty();
}

std::shared_ptr<viz::SnapshotSeries> SeriesFeed::load() {
  ProfileOptions opt = opt_;
  series_ = std::make_shared<viz::SnapshotSeries>([opt](const std::string& s) { return load_profile(s, opt); },
                                                  stack_options(opt_), opt_.sample_index, max_snapshots_);
  auto sources = series_sources(args_, instance_);
  size_t skipped = 0;
  for (const auto& source : sources) {
    if (!is_url(source)) known_.insert(source);
    if (!offer(source)) ++skipped;
  }
  if (series_->size() == 0)
    throw InputError(args_.front(), "", "no usable snapshot among " + std::to_string(sources.size()) + " (" +
                                            std::to_string(skipped) + " skipped, see the warnings above)");
  return series_;
}

void SeriesFeed::follow(const std::atomic<bool>& stop) {
  using std::chrono::milliseconds;
  const auto step = milliseconds(static_cast<int64_t>(every_s_ * 1000));
  while (!stop) {
    for (auto t = milliseconds(0); t < step && !stop; t += milliseconds(100)) std::this_thread::sleep_for(milliseconds(100));
    if (stop) break;
    std::vector<std::string> sources;
    try {
      sources = series_sources(args_, instance_);
    } catch (const std::exception&) {
      continue;  // a directory emptied for a moment: the next look may find it again
    }
    for (const auto& source : sources)
      if (is_url(source) || known_.insert(source).second) offer(source);
  }
}

}  // namespace leakscope::cli
