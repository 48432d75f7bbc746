// Which process of a preloaded command is the one profiled. LD_PRELOAD and LEAKSCOPE_* reach every
// process the command starts: the wrapper in front (`timeout 60 ./server`, `sh -c`, a start script)
// and the children behind. The first would take the endpoint's port and serve its own heap, the
// second would fight over it. So:
//   - known wrappers and shells (matched by /proc/self/exe's file name) never start the profiler;
//   - LEAKSCOPE_PROGRAM=NAME, when set, names the program instead: only a process whose executable
//     or comm is NAME starts it (wrappers included, if named);
//   - the process that starts it removes LEAKSCOPE_* and this library from its own environment
//     first, so the programs it runs are not profiled (LEAKSCOPE_PROFILE_CHILDREN=1 keeps them).
#pragma once

#include <string>
#include <string_view>

namespace leakscope::profiler {

// timeout, env, nohup, nice, sh, bash, sudo, tini, ... (see the .cpp for the list).
bool is_known_wrapper(std::string_view exe_name);
// Whether the process with this executable file name and comm starts the profiler; `wanted` is
// LEAKSCOPE_PROGRAM (null or empty: not set).
bool is_preload_target(std::string_view exe_name, std::string_view comm, const char* wanted);
// The process's executable file name (/proc/self/exe) and comm (/proc/self/comm).
std::string own_exe_name();
std::string own_comm();
// LD_PRELOAD's list (separated by ':' or spaces) without the entries whose file name is `library`.
std::string ld_preload_without(std::string_view ld_preload, std::string_view library);
// Unless LEAKSCOPE_PROFILE_CHILDREN=1: unsets the profiler's LEAKSCOPE_* variables and removes
// `library` from LD_PRELOAD. Call before any thread starts (setenv is not thread-safe).
void keep_children_unprofiled(std::string_view library);

}  // namespace leakscope::profiler
