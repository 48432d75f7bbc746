#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "leakscope/analyzer/collector.h"
#include "leakscope/analyzer/input_error.h"

namespace leakscope::cli {

namespace {

struct CollectArgs {
  analyzer::CollectOptions collect;
  ProfileOptions opt;
};

std::atomic<bool> stop_requested{false};

// SIGINT/SIGTERM end the collection between (or during) fetches; no SA_RESTART, so sleeps wake.
void stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = [](int) { stop_requested = true; };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

void register_collect(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CollectArgs>();
  auto* cmd = app.add_subcommand(
      "collect",
      "Poll the heap profile URLs of one or several processes every few seconds into a series directory: "
      "DIR/<host:port>.<seq>.pb.gz, each with its collection time and an 'instance' label; read it with "
      "trend DIR");
  cmd->add_option("urls", args->collect.urls, "http(s) heap profile URLs, e.g. http://127.0.0.1:6060/debug/pprof/heap")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--every", args->collect.every_s, "seconds between polls")
      ->required()
      ->check(CLI::Range(0.01, 86400.0));
  cmd->add_option("--out", args->collect.out_dir, "directory for the series (created when missing)")->required();
  auto* count = cmd->add_option("--count", args->collect.count, "stop after this many rounds")
                    ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  cmd->add_option("--duration", args->collect.duration_s, "stop after this many seconds")
      ->check(CLI::Range(0.01, 31.0 * 86400))
      ->excludes(count);
  cmd->add_option("--retain", args->collect.retain, "keep only the newest N files per instance (default: all)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  cmd->add_option("--binary-path", args->opt.binary_path,
                  "DIR[:DIR...] for symbolizing profiles that carry bare addresses; default $LEAKSCOPE_BINARY_PATH");
  add_source_options(cmd, args->opt);
  cmd->footer(
      "Without --count or --duration, collects until Ctrl-C or SIGTERM (exit 0; no partial file is left).\n"
      "Every URL must answer in the first round (else exit 2); later, a target that fails is reported once and "
      "polled again each round. --timeout defaults to --every, at least 10 s.");
  cmd->callback([args, &exit_code] {
    for (const auto& url : args->collect.urls)
      if (!analyzer::is_url(url))
        throw analyzer::InputError(url, "", "collect polls http:// or https:// URLs, not files");
    ProfileOptions opt = args->opt;
    if (opt.source.timeout_seconds == 0) opt.source.timeout_seconds = std::max(args->collect.every_s, 10.0);
    opt.source.cancel = &stop_requested;
    stop_on_signals();
    analyzer::Collector collector(
        args->collect, [opt](const std::string& url) { return load_profile(url, opt); }, std::cout, stop_requested);
    analyzer::CollectSummary s = collector.run();
    std::cout << "collect: " << (s.stopped_by_signal ? "stopped by signal" : "done") << " after " << s.rounds
              << " rounds; " << s.files << " files written to " << args->collect.out_dir << "\n";
    exit_code = 0;
  });
}

}  // namespace leakscope::cli
