// Parses `go tool pprof -top -unit=B` output and leakscope's --json output into comparable rows.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace leakscope::test {

struct TopTable {
  int64_t total = 0;
  std::string first_row;                                    // name of the first row (the top)
  std::map<std::string, std::pair<int64_t, int64_t>> rows;  // name -> (flat, cum)
};

TopTable parse_pprof_top(const std::string& text);
TopTable parse_leakscope_top_json(const std::string& json);

}  // namespace leakscope::test
