// Warnings that degrade output without stopping it (missing binary, build-id mismatch).
// Each distinct message is reported once per process.
#pragma once

#include <functional>
#include <string>

namespace leakscope::analyzer {

void warn_once(const std::string& message);
// Replaces the sink (default: "leakscope: warning: ..." on stderr). Returns the previous one.
std::function<void(const std::string&)> set_warning_sink(std::function<void(const std::string&)> sink);

}  // namespace leakscope::analyzer
