// Where a profile comes from: a file, "-" (stdin), a pipe, or an http(s) URL, as pprof takes them.
// URLs are fetched with libcurl under the same size and gzip limits as files (input_bytes.h); a
// debug endpoint's token goes as `Authorization: Bearer` (the profiler's rule, debug_server.cpp).
// A library of its own (leakscope_profile_source): leakscope_analyzer also goes into the profiler's
// preload library, which must not drag libcurl into every program it is preloaded into.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/profile.h"
#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {

struct SourceOptions {
  int seconds = 0;             // > 0: ask the endpoint for a delta profile over this many seconds (?seconds=N)
  std::string token;           // sent as "Authorization: Bearer <token>" when not empty
  std::string ca_file;         // PEM CA bundle for https; empty: the system's CAs
  double timeout_seconds = 0;  // the whole transfer; 0: 60 s, plus `seconds` for a delta profile
  // When set and true (a signal handler's flag), a transfer in progress stops: InputError "interrupted".
  const std::atomic<bool>* cancel = nullptr;
};

bool is_url(const std::string& source);

// `url` with seconds=N set in its query (replacing one already there), before any #fragment.
std::string url_with_seconds(const std::string& url, int seconds);

// The whole transfer's deadline for `o`: a delta profile takes `seconds` before its first byte.
double fetch_timeout_seconds(const SourceOptions& o);

// GETs `url` and returns its body, inflated when gzip. Throws InputError naming the URL with one
// clear reason: connection refused, timed out, TLS verification, an HTTP status, over the limit.
std::string fetch_url(const std::string& url, const SourceOptions& o, uint64_t limit = max_input_bytes());

// Reads a profile from a file, "-", a pipe or a URL, and parses it (any format; read_profile's rules).
Profile read_profile_source(const std::string& source, const SourceOptions& o = {}, ProfileFormat* detected = nullptr);

}  // namespace leakscope::analyzer
