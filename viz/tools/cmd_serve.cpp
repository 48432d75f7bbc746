#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/input_error.h"
#include "series_inputs.h"
#include "leakscope/viz/snapshot_series.h"
#include "leakscope/viz/web_ui.h"

namespace leakscope::cli {

namespace {
struct ServeArgs {
  std::vector<std::string> profiles;
  std::string base, http = "127.0.0.1:8081", source_path, instance;
  ProfileOptions opt;
  bool normalize = false;
  double every = 2;
  size_t max_snapshots = 2000;
};

// One profile file or URL is served alone; a directory or several snapshots are a series.
bool is_series(const std::vector<std::string>& profiles) {
  std::error_code ec;
  return profiles.size() > 1 || std::filesystem::is_directory(profiles.front(), ec);
}

// Loads the series; unusable snapshots are warned about and skipped, an unusable series is an
// InputError. Directories are watched afterwards (watch_directories).
std::shared_ptr<viz::SnapshotSeries> load_series(const ServeArgs& a, std::vector<std::string>& seen) {
  ProfileOptions opt = a.opt;
  StackOptions so = stack_options(opt);
  auto series = std::make_shared<viz::SnapshotSeries>([opt](const std::string& s) { return load_profile(s, opt); }, so,
                                                      opt.sample_index, a.max_snapshots);
  seen = series_sources(a.profiles, a.instance);
  size_t skipped = 0;
  for (const auto& source : seen) {
    std::string warning = series->add(source);
    if (!warning.empty()) {
      std::cerr << "leakscope serve: warning: " << warning << "\n";
      ++skipped;
    }
  }
  if (series->size() == 0)
    throw InputError(a.profiles.front(), "", "no usable snapshot among " + std::to_string(seen.size()) + " (" +
                                                 std::to_string(skipped) + " skipped, see the warnings above)");
  return series;
}

// Adds snapshots that appear in the served directories, every `every` seconds, until `stop`.
void watch_directories(const ServeArgs& a, viz::SnapshotSeries& series, std::vector<std::string> seen,
                       const std::atomic<bool>& stop) {
  std::set<std::string> known(seen.begin(), seen.end());
  auto step = std::chrono::milliseconds(static_cast<int64_t>(a.every * 1000));
  while (!stop) {
    for (auto t = std::chrono::milliseconds(0); t < step && !stop; t += std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::vector<std::string> now;
    try {
      now = series_sources(a.profiles, a.instance);
    } catch (const std::exception&) {
      continue;  // a directory emptied for a moment: the next look may find it again
    }
    for (const auto& file : now)
      if (known.insert(file).second) {
        std::string warning = series.add(file);
        if (!warning.empty()) std::cerr << "leakscope serve: warning: " << warning << "\n" << std::flush;
      }
  }
}

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address.rfind("localhost:", 0) == 0 || address.rfind("[::1]:", 0) == 0;
}

// How long in-flight requests may finish after SIGINT/SIGTERM. The listener's stop() joins its
// workers, and a worker can be busy for as long as a client trickles a request or a view renders:
// a signal must stop the server whatever they are doing.
constexpr auto kShutdownGrace = std::chrono::seconds(2);
}  // namespace

void register_serve(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "Web UI like `pprof -http`: Top, Graph, Flame Graph, Peek, Source, sample types, refine, search, download");
  cmd->add_option("profiles", args->profiles,
                  std::string(kProfileArgHelp) +
                      ". Several snapshots, or a DIR of them, make a series (a Timeline view; every view shows a "
                      "window's growth, ?from=I&to=J); a DIR is watched for new snapshots. A snapshot that cannot be "
                      "read, or lacks the series' sample type, is skipped with a warning; no usable snapshot: exit 2")
      ->required();
  cmd->add_option("--instance", args->instance,
                  "in a DIR written by `leakscope collect` (<instance>.<seq>.pb.gz) with several instances: serve this one");
  cmd->add_option("--every", args->every, "for a series DIR: look for new snapshots every N seconds (default 2)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-snapshots", args->max_snapshots, "for a series: keep at most N snapshots, dropping the oldest (default 2000)")
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--base", args->base, "compare against BASE: the graph and flame graph show the growth");
  cmd->add_flag("--normalize", args->normalize, "scale BASE to PROFILE's total first");
  cmd->add_option("--http", args->http, "listen address (default 127.0.0.1:8081; port 0 picks a free one)");
  cmd->add_option("--source-path", args->source_path, "DIR[:DIR...] for the Source view");
  cmd->add_option("--binary-path", args->opt.binary_path, "DIR[:DIR...] searched first for binaries named in the profile");
  cmd->add_flag("--keep-allocator-frames", args->opt.keep_allocator_frames, "keep malloc/operator new/jemalloc frames");
  add_source_options(cmd, args->opt);
  cmd->callback([args, &exit_code] {
    viz::WebUiInput in;
    std::vector<std::string> seen;
    bool series = is_series(args->profiles);
    if (series) {
      if (!args->base.empty()) throw CLI::ValidationError("--base", "a series has no --base: choose a window on its Timeline");
      in.series = load_series(*args, seen);
      in.profile_name = args->profiles.front();
    } else {
      ProfileAndBase loaded = load_profile_and_base(args->profiles.front(), args->base, args->opt);
      in.profile_name = args->profiles.front();
      in.base_name = args->base;
      in.now = std::move(loaded.now);
      in.has_base = loaded.has_base();
      if (in.has_base) in.base = std::move(loaded.base);
    }
    auto served_series = in.series;
    in.normalize = args->normalize;
    in.keep_allocator_frames = args->opt.keep_allocator_frames;
    std::stringstream dirs(args->source_path);
    for (std::string d; std::getline(dirs, d, ':');)
      if (!d.empty()) in.source_path.push_back(d);
    in.source_path.push_back(".");
    // Signals go to a watcher thread that stops the server; the server threads never see them.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    viz::WebUi ui(std::move(in));
    int port = ui.bind(args->http);
    std::string host = args->http.substr(0, args->http.rfind(':'));
    if (!is_loopback(args->http))
      std::cerr << "leakscope serve: WARNING: listening beyond loopback (" << args->http
                << "); anyone who can reach it can read this profile\n";
    std::cerr << "leakscope serve: http://" << host << ":" << port << "/ (Ctrl-C to stop)\n" << std::flush;
    std::mutex mu;
    std::condition_variable cv;
    bool served = false;
    std::thread watcher([&] {
      int sig = 0;
      sigwait(&set, &sig);
      ui.stop();
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, kShutdownGrace, [&] { return served; })) {
        std::cerr << "leakscope serve: stopping with requests still in flight\n" << std::flush;
        _exit(0);  // not exit(): workers still running must not see statics destroyed under them
      }
    });
    std::atomic<bool> stop_watching{false};
    std::thread directory_watcher;
    if (series) directory_watcher = std::thread([&] { watch_directories(*args, *served_series, seen, stop_watching); });
    ui.serve();
    stop_watching = true;
    if (directory_watcher.joinable()) directory_watcher.join();
    {
      std::lock_guard lock(mu);
      served = true;
    }
    cv.notify_all();
    pthread_kill(watcher.native_handle(), SIGTERM);  // wakes the watcher when serve() ended by itself
    watcher.join();
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
