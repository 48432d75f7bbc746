#include "pprof_text.h"

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace leakscope::test {
namespace {

// "245760B", "0", "12" (counts) -> integer; -unit=B makes pprof print whole bytes.
int64_t value_of(const std::string& s) {
  std::string digits = s;
  if (!digits.empty() && digits.back() == 'B') digits.pop_back();
  return std::stoll(digits);
}

}  // namespace

TopTable parse_pprof_top(const std::string& text) {
  TopTable t;
  std::istringstream in(text);
  std::string line;
  static const std::regex total_rx(R"(of (-?\d+)B? total)");
  static const std::regex row_rx(R"(^\s*(-?\d+B?)\s+\S+%\s+\S+%\s+(-?\d+B?)\s+\S+%\s+(.+?)\s*$)");
  bool in_rows = false;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!in_rows) {
      if (std::regex_search(line, m, total_rx)) t.total = value_of(m[1]);
      if (line.find("flat%") != std::string::npos) in_rows = true;
      continue;
    }
    if (!std::regex_match(line, m, row_rx)) throw std::runtime_error("unparsed pprof row: " + line);
    std::string name = m[3];
    if (t.first_row.empty()) t.first_row = name;
    t.rows[name] = {value_of(m[1]), value_of(m[2])};
  }
  if (!in_rows) throw std::runtime_error("no pprof table in: " + text);
  return t;
}

TopTable parse_leakscope_top_json(const std::string& text) {
  auto j = nlohmann::json::parse(text);
  TopTable t;
  t.total = j.at("total").get<int64_t>();
  for (const auto& row : j.at("rows")) {
    std::string name = row.at("name");
    if (row.contains("inline")) name += " (" + row.at("inline").get<std::string>() + ")";
    if (t.first_row.empty()) t.first_row = name;
    t.rows[name] = {row.at("flat").get<int64_t>(), row.at("cum").get<int64_t>()};
  }
  return t;
}

}  // namespace leakscope::test
