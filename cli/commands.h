// Each subcommand registers itself on the app; its callback sets the exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace leakscope::cli {

void register_top(CLI::App& app, int& exit_code);
void register_diff(CLI::App& app, int& exit_code);
void register_convert(CLI::App& app, int& exit_code);
void register_trend(CLI::App& app, int& exit_code);
void register_collect(CLI::App& app, int& exit_code);
void register_traces(CLI::App& app, int& exit_code);
void register_peek(CLI::App& app, int& exit_code);
void register_list(CLI::App& app, int& exit_code);
void register_symbolize_snapshot(CLI::App& app, int& exit_code);
// drawn by viz
void register_flame(CLI::App& app, int& exit_code);
void register_dot(CLI::App& app, int& exit_code);
void register_report(CLI::App& app, int& exit_code);
void register_serve(CLI::App& app, int& exit_code);

}  // namespace leakscope::cli
