// What feeds `leakscope serve`'s snapshot series: files, directories (watched for new snapshots) and
// http(s) URLs of live processes (fetched every `every` seconds). A fetched profile is spooled as a
// .pb.gz file in a private temporary directory, so the series can read it again like any snapshot;
// spooled files of snapshots the bounded series dropped are deleted. A long series is read in the
// background, on a few threads, after its first usable snapshot: the page is up at once and shows
// how far reading has come (1,000 snapshots of 5,000 stacks took 8 s to read before the first page).
#pragma once

#include <atomic>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "cli_common.h"
#include "leakscope/viz/snapshot_series.h"

namespace leakscope::cli {

class SeriesFeed {
 public:
  SeriesFeed(std::vector<std::string> args, std::string instance, ProfileOptions opt, double every_s,
             size_t max_snapshots);
  ~SeriesFeed();  // removes the spool directory
  // Reads the snapshots the arguments name until one is usable (and fetches each URL once); the rest
  // follow() reads. Unusable ones are warned about on stderr and skipped; none usable is an InputError.
  std::shared_ptr<viz::SnapshotSeries> load();
  // Reads the rest of the series (then says so on stderr: "read N snapshots"); then until `stop`,
  // every `every_s` seconds, adds new files in the directories and a fetch of each URL.
  void follow(const std::atomic<bool>& stop);

 private:
  std::vector<std::string> args_;
  std::string instance_;
  ProfileOptions opt_;
  double every_s_;
  size_t max_snapshots_;
  std::shared_ptr<viz::SnapshotSeries> series_;
  std::set<std::string> known_;      // files already offered to the series
  std::string spool_;                // created on the first fetch
  std::deque<std::string> spooled_;  // oldest first
  size_t fetches_ = 0;
  uint64_t next_order_ = 0;
  std::vector<std::pair<std::string, uint64_t>> pending_;  // files load() left to read, with their order
  size_t read_ = 0, skipped_ = 0, expected_ = 0;           // of the sources load() was given

  // Adds one source (a URL is fetched and spooled first); returns false when it was skipped.
  bool offer(const std::string& source, uint64_t order);
  void read_pending(const std::atomic<bool>& stop);
  std::string spool(const std::string& url);
};

}  // namespace leakscope::cli
