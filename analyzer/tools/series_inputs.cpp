#include "series_inputs.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>

#include "leakscope/analyzer/input_error.h"

namespace leakscope::cli {

namespace {

namespace fs = std::filesystem;

// "snapshot.2" before "snapshot.10": runs of digits compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t ie = i, je = j;
      while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
      while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
      std::string x = a.substr(i, ie - i), y = b.substr(j, je - j);
      x.erase(0, std::min(x.find_first_not_of('0'), x.size()));
      y.erase(0, std::min(y.find_first_not_of('0'), y.size()));
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      i = ie, j = je;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i, ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

// A file being written (collect and write_file rename a temporary into place) or hidden.
bool is_transient(const std::string& name) { return name.empty() || name[0] == '.' || name.find(".tmp") != std::string::npos; }

}  // namespace

std::vector<std::string> snapshot_files(const std::string& dir, const std::string& instance) {
  static const std::regex kCollectName(R"((.+)\.(\d+)\.pb\.gz)");
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (!is_transient(name) && !e.is_directory()) names.push_back(name);
  }
  if (ec) throw InputError(dir, "", "cannot list the directory: " + ec.message());
  std::map<std::string, size_t> instances;
  for (const auto& n : names) {
    std::smatch m;
    if (std::regex_match(n, m, kCollectName)) ++instances[m[1].str()];
  }
  if (!instance.empty()) {
    if (!instances.count(instance)) {
      std::string have;
      for (const auto& [k, v] : instances) have += (have.empty() ? "" : ", ") + k;
      throw InputError(dir, "", "no snapshots of instance '" + instance + "' (<instance>.<seq>.pb.gz); it has: " +
                                    (have.empty() ? "none" : have));
    }
    std::erase_if(names, [&](const std::string& n) { return n.rfind(instance + ".", 0) != 0; });
  } else if (instances.size() > 1) {
    std::string have;
    for (const auto& [k, v] : instances) have += (have.empty() ? "" : ", ") + k + " (" + std::to_string(v) + ")";
    throw InputError(dir, "", "holds snapshots of several instances: " + have + "; pick one with --instance");
  }
  if (names.empty())
    throw InputError(dir, "", "empty directory, expected heap snapshots (jemalloc dumps, .pb.gz, legacy heap or folded files)");
  std::sort(names.begin(), names.end(), natural_less);
  std::vector<std::string> out;
  for (const auto& n : names) out.push_back((fs::path(dir) / n).string());
  return out;
}

std::vector<std::string> series_sources(const std::vector<std::string>& args, const std::string& instance) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      auto files = snapshot_files(a, instance);
      out.insert(out.end(), files.begin(), files.end());
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace leakscope::cli
