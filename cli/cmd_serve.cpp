#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/viz/snapshot_series.h"
#include "leakscope/viz/web_ui.h"
#include "series_feed.h"

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

// One profile file is served alone; a directory, a URL (a live process, fetched every --every
// seconds) or several snapshots are a series.
bool is_series(const std::vector<std::string>& profiles) {
  std::error_code ec;
  return profiles.size() > 1 || analyzer::is_url(profiles.front()) ||
         std::filesystem::is_directory(profiles.front(), ec);
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
      "serve",
      "Web UI like `pprof -http`: Top, Graph, Flame Graph, Peek, Source, sample types, refine, search, download");
  cmd->add_option(
         "profiles", args->profiles,
         std::string(kProfileArgHelp) +
             ". Several snapshots, a DIR of them, or a URL make a series (a Timeline view; Top, Graph, Flame "
             "Graph, Peek and Source show a window's growth, ?from=I&to=J); a DIR is watched for new snapshots and a "
             "URL fetched every --every seconds. A long series is read in the background after its first usable "
             "snapshot (the Timeline shows how far; stderr says 'read N snapshots' when done, and the JSON event "
             "line {\"event\":\"series_read\",\"snapshots\":N,\"skipped\":K}). A snapshot that cannot be read, or "
             "lacks the series' sample type, is skipped with a warning; no usable snapshot: exit 2")
      ->required();
  cmd->add_option(
      "--instance", args->instance,
      "in a DIR written by `leakscope collect` (<instance>.<seq>.pb.gz) with several instances: serve this one");
  cmd->add_option("--every", args->every,
                  "for a series: look for new snapshots in a DIR, and fetch a URL, every N seconds (default 2)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--max-snapshots", args->max_snapshots,
                  "for a series: keep at most N snapshots, dropping the oldest (default 2000)")
      ->check(CLI::Range(2, 1000000));
  cmd->add_option("--base", args->base, "compare against BASE: the graph and flame graph show the growth");
  cmd->add_flag("--normalize", args->normalize, "scale BASE to PROFILE's total first");
  cmd->add_option("--http", args->http,
                  "listen address (default 127.0.0.1:8081; port 0 picks a free one). The address is printed on stderr, "
                  "and as the JSON event line {\"event\":\"listening\",\"what\":\"serve\",\"addr\",\"port\",\"pid\"}");
  cmd->add_option("--source-path", args->source_path, "DIR[:DIR...] for the Source view");
  cmd->add_option("--binary-path", args->opt.binary_path,
                  "DIR[:DIR...] searched first for binaries named in the profile");
  cmd->add_flag("--keep-allocator-frames", args->opt.keep_allocator_frames, "keep malloc/operator new/jemalloc frames");
  add_source_options(cmd, args->opt);
  cmd->callback([args, &exit_code] {
    viz::WebUiInput in;
    std::unique_ptr<SeriesFeed> feed;
    bool series = is_series(args->profiles);
    if (series) {
      if (!args->base.empty())
        throw CLI::ValidationError("--base", "a series has no --base: choose a window on its Timeline");
      feed = std::make_unique<SeriesFeed>(args->profiles, args->instance, args->opt, args->every, args->max_snapshots);
      in.series = feed->load();
      in.profile_name = args->profiles.front();
    } else {
      ProfileAndBase loaded = load_profile_and_base(args->profiles.front(), args->base, args->opt);
      in.profile_name = args->profiles.front();
      in.base_name = args->base;
      in.now = std::move(loaded.now);
      in.has_base = loaded.has_base();
      if (in.has_base) in.base = std::move(loaded.base);
    }
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
    std::cerr << "leakscope serve: http://" << host << ":" << port << "/ (Ctrl-C to stop)\n";
    // The same for programs that wait for it (tests, scripts): a JSON event line, not log text.
    std::cerr << nlohmann::ordered_json{{"event", "listening"},
                                        {"what", "serve"},
                                        {"addr", host + ":" + std::to_string(port)},
                                        {"port", port},
                                        {"pid", ::getpid()}}
                     .dump()
              << "\n"
              << std::flush;
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
    std::thread follower;
    if (feed) follower = std::thread([&] { feed->follow(stop_watching); });
    ui.serve();
    stop_watching = true;
    if (follower.joinable()) follower.join();
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
