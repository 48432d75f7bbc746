// `leakscope collect`: polls the heap profile URLs of a small fleet every few seconds and writes a
// series directory (series_files.h). A target that fails a poll is reported once ("went away") and
// polled again each round until it answers ("is back"); a target whose binary is mapped elsewhere
// or whose work counter went down is reported as restarted. Stops at --count rounds, after
// --duration, or when `stop` becomes true (a signal): an interrupted fetch is discarded, and files
// appear only complete (written to a temporary name, then renamed).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "leakscope/analyzer/profile.h"

namespace leakscope::analyzer {

struct CollectOptions {
  std::vector<std::string> urls;
  double every_s = 10;
  std::string out_dir;
  uint64_t count = 0;     // rounds; 0: no limit
  double duration_s = 0;  // 0: no limit
  size_t retain = 0;      // newest files kept per instance; 0: all
};

struct CollectSummary {
  uint64_t rounds = 0;
  uint64_t files = 0;
  bool stopped_by_signal = false;
};

// Fetches one URL (throws InputError with one clear reason when it cannot).
using ProfileFetcher = std::function<Profile(const std::string& url)>;

// The instance name of a URL: its host:port ("127.0.0.1:6060"; http's default port 80, https's 443).
std::string instance_of_url(const std::string& url);

class Collector {
 public:
  // Checks the options and the output directory (created when missing); throws InputError.
  Collector(CollectOptions options, ProfileFetcher fetch, std::ostream& progress, const std::atomic<bool>& stop);
  // The first round: every target must answer (an unreachable URL at the start is bad input:
  // throws InputError). Then polls until a limit or `stop`.
  CollectSummary run();

 private:
  struct Target {
    std::string url, instance;
    uint64_t next_seq = 1;
    bool up = true;
    uint64_t main_mapping_start = 0;
    int64_t last_work = -1;
  };
  // Polls every target once; returns how many answered.
  size_t poll_round(bool first);
  void save(Target& t, Profile& p);
  void apply_retain(const Target& t);

  CollectOptions options_;
  ProfileFetcher fetch_;
  std::ostream& progress_;
  const std::atomic<bool>& stop_;
  std::vector<Target> targets_;
  CollectSummary summary_;
  int64_t round_in_use_ = 0;  // the last round's total of the default sample type, over the fleet
  std::string round_unit_ = "bytes";
};

}  // namespace leakscope::analyzer
