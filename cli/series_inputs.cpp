#include "series_inputs.h"

#include <filesystem>
#include <map>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/series_files.h"

namespace leakscope::cli {

std::vector<std::string> snapshot_files(const std::string& dir, const std::string& instance) {
  std::vector<analyzer::SeriesInput> inputs = analyzer::expand_series_dirs({dir});
  std::map<std::string, size_t> instances;
  for (const auto& in : inputs)
    if (!in.instance.empty()) ++instances[in.instance];
  auto names = [&](bool counts) {
    std::string have;
    for (const auto& [k, v] : instances)
      have += (have.empty() ? "" : ", ") + k + (counts ? " (" + std::to_string(v) + ")" : "");
    return have;
  };
  if (!instance.empty() && !instances.count(instance))
    throw analyzer::InputError(dir, "",
                               "no snapshots of instance '" + instance + "' (<instance>.<seq>.pb.gz); it has: " +
                                   (instances.empty() ? "none" : names(false)));
  if (instance.empty() && instances.size() > 1)
    throw analyzer::InputError(dir, "",
                               "holds snapshots of several instances: " + names(true) + "; pick one with --instance");
  std::vector<std::string> out;
  for (auto& in : inputs)
    if (instance.empty() || in.instance == instance) out.push_back(std::move(in.path));
  return out;
}

std::vector<std::string> series_sources(const std::vector<std::string>& args, const std::string& instance) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!std::filesystem::is_directory(a, ec)) {
      out.push_back(a);
      continue;
    }
    auto files = snapshot_files(a, instance);
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

}  // namespace leakscope::cli
