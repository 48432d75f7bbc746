#include "leakscope/analyzer/warnings.h"

#include <iostream>
#include <mutex>
#include <set>

namespace leakscope::analyzer {
namespace {
std::mutex mu;
std::set<std::string> seen;
std::function<void(const std::string&)> sink = [](const std::string& m) {
  std::cerr << "leakscope: warning: " << m << "\n";
};
}  // namespace

void warn_once(const std::string& message) {
  std::lock_guard lock(mu);
  if (seen.insert(message).second) sink(message);
}

std::function<void(const std::string&)> set_warning_sink(std::function<void(const std::string&)> s) {
  std::lock_guard lock(mu);
  auto old = std::move(sink);
  sink = std::move(s);
  return old;
}

}  // namespace leakscope::analyzer
