// Parses a copy of /proc/PID/maps (as jemalloc appends after MAPPED_LIBRARIES:) into the
// profile's executable file mappings, main binary first.
#pragma once

#include <string_view>
#include <vector>

#include "leakscope/analyzer/profile.h"
#include "text_cursor.h"

namespace leakscope::analyzer {

// Consumes the rest of `cursor`. Lines that are not mappings of a file are skipped.
std::vector<Mapping> parse_memory_map(TextCursor& cursor);

// Index (0-based) of the mapping that contains `address`, or -1. `mappings` sorted by start.
int find_mapping(const std::vector<Mapping>& sorted_by_start, uint64_t address);

}  // namespace leakscope::analyzer
