// Notices a prof.reset the profiler did not make: the program's own mallctl("prof.reset"), by name or by
// MIB, linked or preloaded. jemalloc says nothing when it happens, but a reset expires every thread's
// profiling record, and a dump lists only live records, each with the thread's name. So one idle thread
// of the profiler names its record and then never touches profiling again: while no reset has happened,
// every dump lists it; after one, none does until the sentinel is armed again. The profiler's own
// resets are counted (jemalloc_control.h), so a missing sentinel they do not explain is the program's.
// Noticed at the next dump, which is what the figures read off dumps (sample promotion) depend on.
#pragma once

#include <cstdint>
#include <string_view>

namespace leakscope::profiler {

// The sentinel thread's name in jemalloc's records (`thread.prof.name`), as a dump shows it.
inline constexpr std::string_view kResetSentinelName = "leakscope-reset-sentinel";

// Arms the sentinel (first call: starts its thread) unless it is armed since the latest reset the
// profiler counted. Cheap when nothing changed.
void arm_reset_sentinel();

// Called with each dump (read from offset 0 up to its first stack): true when a reset happened since the
// sentinel was armed that profiling_resets() does not account for. Then it counts it
// (note_program_profiling_reset), writes one warning line the first time, and arms the sentinel again.
bool detect_program_reset(int dump_fd);

// True when the thread records of `dump_head` list the sentinel.
bool dump_lists_reset_sentinel(std::string_view dump_head);

}  // namespace leakscope::profiler
