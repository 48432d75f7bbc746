#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/viz/web_ui.h"

namespace leakscope::cli {

namespace {
struct ServeArgs {
  std::string profile, base, http = "127.0.0.1:8081", source_path;
  ProfileOptions opt;
  bool normalize = false;
};

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
  cmd->add_option("profile", args->profile, kProfileArgHelp)
      ->required();
  cmd->add_option("--base", args->base, "compare against BASE: the graph and flame graph show the growth");
  cmd->add_flag("--normalize", args->normalize, "scale BASE to PROFILE's total first");
  cmd->add_option("--http", args->http, "listen address (default 127.0.0.1:8081; port 0 picks a free one)");
  cmd->add_option("--source-path", args->source_path, "DIR[:DIR...] for the Source view");
  cmd->add_option("--binary-path", args->opt.binary_path, "DIR[:DIR...] searched first for binaries named in the profile");
  cmd->add_flag("--keep-allocator-frames", args->opt.keep_allocator_frames, "keep malloc/operator new/jemalloc frames");
  add_source_options(cmd, args->opt);
  cmd->callback([args, &exit_code] {
    viz::WebUiInput in;
    ProfileAndBase loaded = load_profile_and_base(args->profile, args->base, args->opt);
    in.profile_name = args->profile;
    in.base_name = args->base;
    in.now = std::move(loaded.now);
    in.has_base = loaded.has_base();
    if (in.has_base) in.base = std::move(loaded.base);
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
    ui.serve();
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
