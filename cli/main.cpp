// leakscope: heap profile analysis for jemalloc dumps, pprof profiles and folded stacks.
#include <iostream>
#include <new>

#include "commands.h"
#include "leakscope/analyzer/input_error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "leakscope: find memory leaks in heap profiles (jemalloc heap_v2 dumps, pprof profile.proto, "
      "legacy heap text, folded stacks).\nExit codes: 0 ok, 1 a verdict you asked to fail on (trend --fail-on-leak), "
      "2 bad usage or unreadable input."};
  app.name("leakscope");
  app.require_subcommand(1);
  int exit_code = 0;
  leakscope::cli::register_top(app, exit_code);
  leakscope::cli::register_diff(app, exit_code);
  leakscope::cli::register_convert(app, exit_code);
  leakscope::cli::register_trend(app, exit_code);
  leakscope::cli::register_collect(app, exit_code);
  leakscope::cli::register_traces(app, exit_code);
  leakscope::cli::register_peek(app, exit_code);
  leakscope::cli::register_list(app, exit_code);
  leakscope::cli::register_flame(app, exit_code);
  leakscope::cli::register_dot(app, exit_code);
  leakscope::cli::register_report(app, exit_code);
  leakscope::cli::register_serve(app, exit_code);
  leakscope::cli::register_symbolize_snapshot(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Point at the help of the subcommand that was given, where its flags are listed.
    std::vector<CLI::App*> given = app.get_subcommands();
    std::string help = given.empty() ? "leakscope --help" : "leakscope " + given.front()->get_name() + " --help";
    std::cerr << "leakscope: " << e.what() << " (see " << help << ")\n";
    return 2;
  } catch (const leakscope::analyzer::InputError& e) {
    std::cerr << "leakscope: " << e.what() << "\n";
    return 2;
  } catch (const std::invalid_argument& e) {
    std::cerr << "leakscope: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    std::cerr << "leakscope: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "leakscope: out of memory\n";
    return 2;
  }
  return exit_code;
}
