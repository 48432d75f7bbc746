// jemalloc's profiling controls (mallctl), with the process- and thread-level switches.
#pragma once

#include <cstdint>
#include <string>

namespace leakscope::profiler {

struct ProfilingState {
  bool compiled_in = false;    // config.prof: jemalloc built with --enable-prof
  bool enabled = false;        // opt.prof: MALLOC_CONF/malloc_conf prof:true (fixed at start-up)
  bool active = false;         // prof.active: sampling now
  bool thread_active = false;  // thread.prof.active for the calling thread
  int lg_sample = -1;          // prof.lg_sample: mean bytes between samples = 2^lg_sample
  uint64_t sample_period() const { return lg_sample >= 0 ? uint64_t{1} << lg_sample : 0; }
};

// `active` stays true while a SamplingPausedForDump holds sampling off for a dump.
ProfilingState profiling_state();
// Each returns false when jemalloc refuses (profiling not compiled in or not enabled).
// set_profiling_active waits for a SamplingPausedForDump to end.
bool set_profiling_active(bool active);
bool set_thread_profiling_active(bool active);
// Discards all samples and restarts with a mean of 2^lg_sample bytes between samples.
bool reset_profiling(int lg_sample);
// How many times reset_profiling has succeeded: a figure read off a dump taken before the latest
// reset no longer describes the samples (a dump after it omits the samples taken before it).
uint64_t profiling_resets();
// A prof.reset the program made itself (noticed by reset_sentinel.h): counted in profiling_resets() too,
// so figures read off earlier dumps are dropped as after the profiler's own.
void note_program_profiling_reset();
uint64_t program_profiling_resets();
// Returns unused dirty pages of every arena to the OS (arena.<all>.purge).
bool purge_all_arenas();
// Writes jemalloc's heap dump into a new memfd and returns it (the caller closes it).
// Throws std::runtime_error.
int dump_heap_to_memfd();

// Heap sampling off for every thread while jemalloc writes a dump (issue #13 §1). jemalloc 5.3 holds its
// stack-table mutex for about half of prof.dump (10-15 ms for 10,000 stacks), and a sampled allocation at
// a stack its thread has no record of waits for it. With prof.active off no allocation is sampled, so none
// takes the mutex; the price is the samples that the dump's few milliseconds would have made, counted in
// sampling_paused_nanos(). The previous prof.active is restored at the end.
class SamplingPausedForDump {
 public:
  SamplingPausedForDump();
  ~SamplingPausedForDump();
  SamplingPausedForDump(const SamplingPausedForDump&) = delete;
  SamplingPausedForDump& operator=(const SamplingPausedForDump&) = delete;

 private:
  bool paused_ = false;
  int64_t start_nanos_ = 0;
};
// How long sampling has been held off for dumps since start, in total.
uint64_t sampling_paused_nanos();

// The arena the profiler's own threads allocate from (created on first use; 0 when jemalloc refuses).
unsigned profiler_arena();
// For a thread the profiler owns (debug server, periodic snapshots, statistics): no sampling, no
// thread cache, allocations from profiler_arena(). Its memory is then reported apart from the
// service's, on every surface that shows memory.
void become_profiler_thread();

// Stops sampling on this thread for the scope: the profiler's own work must not show up in what it measures.
class ThreadSamplingOff {
 public:
  ThreadSamplingOff();
  ~ThreadSamplingOff();
  ThreadSamplingOff(const ThreadSamplingOff&) = delete;
  ThreadSamplingOff& operator=(const ThreadSamplingOff&) = delete;

 private:
  bool was_active_;
};

}  // namespace leakscope::profiler
