// Field parsers shared by the two heap text formats (jemalloc heap_v2 and legacy heap profiles):
// "<objs>: <bytes> [<objs>: <bytes>]" count pairs and "0xpc 0xpc ..." address lists.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "heap_profile_builder.h"
#include "text_cursor.h"

namespace leakscope::analyzer {

// Consumes "<inuse objs>: <inuse bytes> [<alloc objs>: <alloc bytes>]" from the front of `s`.
HeapCounts parse_heap_counts(std::string_view& s, const TextCursor& at);
// Consumes the rest of `s` as whitespace-separated hex addresses. jemalloc always writes at
// least one; a legacy heap profile may have none (pprof keeps such a sample, without locations).
enum class EmptyStack { kRefused, kAllowed };
void parse_addresses(std::string_view s, const TextCursor& at, std::vector<uint64_t>& out,
                     EmptyStack empty = EmptyStack::kRefused);

}  // namespace leakscope::analyzer
