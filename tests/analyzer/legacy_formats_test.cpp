// Formats real tools write that pprof's legacy parser accepts (profile/legacy_profile.go):
// samples without a stack, gperftools growth profiles, and the non-heap kinds named in errors.
#include <gtest/gtest.h>

#include "leakscope/analyzer/aggregate.h"
#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/stack_table.h"

namespace leakscope::analyzer {
namespace {

// As in pprof's testdata/gobench.heap: Go writes "@" with no address for a stack it could not record.
const char* kEmptyStack =
    "heap profile: 3: 1024 [4: 2048] @ heap/2\n"
    "1: 288 [2: 296] @\n"
    "2: 736 [2: 1752] @ 0x401010 0x402020\n";

TEST(LegacyEmptyStack, SampleIsKeptWithoutLocations) {
  Profile p = read_legacy_heap(kEmptyStack, "e.heap");
  ASSERT_EQ(p.samples.size(), 2u);
  EXPECT_TRUE(p.samples[0].location_ids.empty());
  EXPECT_EQ(p.samples[0].values, (std::vector<int64_t>{2, 296, 1, 288}));
  EXPECT_EQ(p.total(p.sample_index("inuse_space")), 1024);
}

TEST(LegacyEmptyStack, CountsInTheTotalButOnNoNode) {
  Profile p = read_legacy_heap(kEmptyStack, "e.heap");
  StackTable stacks(p, {});
  EXPECT_TRUE(stacks.stack(0).empty());
  EXPECT_TRUE(stacks.kept(0));
  Aggregate a = aggregate(p, stacks, p.sample_index("inuse_space"));
  EXPECT_EQ(a.total, 1024);  // go tool pprof -top: "of 1024B total"
  int64_t flat = 0;
  for (const auto& [name, v] : a.nodes) flat += v.flat;
  EXPECT_EQ(flat, 736);
}

TEST(LegacyEmptyStack, FocusDropsItAsPprofDoes) {
  Profile p = read_legacy_heap(kEmptyStack, "e.heap");
  StackOptions o;
  o.focus = "0x";  // matches the unsymbolized frames, not the sample without any
  StackTable stacks(p, o);
  EXPECT_FALSE(stacks.kept(0));
  EXPECT_TRUE(stacks.kept(1));
  EXPECT_EQ(aggregate(p, stacks, p.sample_index("inuse_space")).total, 736);
}

TEST(LegacyEmptyStack, JemallocStillRequiresAnAddress) {
  EXPECT_THROW(read_jemalloc_heap("heap_v2/1\n  t*: 1: 8 [0: 0]\n@\n  t*: 1: 8 [0: 0]\nMAPPED_LIBRARIES:\n", "j"),
               InputError);
}

TEST(GrowthProfile, PeriodOneAndPprofsSampleTypes) {
  Profile p = read_legacy_heap(
      "heap profile:      3:  6291456 [     3:  6291456] @ growthz\n"
      "     1:  2097152 [     1:  2097152] @ 0x401010 0x402020\n"
      "     2:  4194304 [     2:  4194304] @ 0x403010 0x402020\n"
      "--- Memory map: ---\n",
      "g.heap");
  EXPECT_EQ(p.period, 1);
  ASSERT_EQ(p.sample_types.size(), 2u);
  EXPECT_EQ(p.sample_types[0].type, "objects");
  EXPECT_EQ(p.sample_types[1].type, "space");
  EXPECT_EQ(p.sample_types[1].unit, "bytes");
  EXPECT_EQ(p.default_sample_index(), 1);
  EXPECT_EQ(p.samples[1].values, (std::vector<int64_t>{2, 4194304}));  // never unsampled
}

TEST(GrowthProfile, DetectedAsLegacyHeap) {
  EXPECT_EQ(detect_format("heap profile: 1: 8 [1: 8] @ growthz\n"), ProfileFormat::kLegacyHeap);
}

std::string words(std::initializer_list<uint64_t> ws, size_t size, bool big) {
  std::string out;
  for (uint64_t w : ws)
    for (size_t k = 0; k < size; ++k) out.push_back(static_cast<char>(w >> (8 * (big ? size - 1 - k : k))));
  return out;
}

TEST(UnsupportedKinds, NamedAsPprofWouldParseThem) {
  for (size_t size : {4, 8})
    for (bool big : {false, true}) {
      auto k = unsupported_profile_kind(words({0, 3, 0, 10000, 0, 1, 1, 0x401000}, size, big));
      EXPECT_EQ(k.position, "byte 0");
      EXPECT_NE(k.message.find("CPU profile"), std::string::npos) << k.message;
      EXPECT_NE(k.message.find("heap profiles only"), std::string::npos);
    }
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--- contentionz 1 ---\ncycles/second = 3201000000\n", "contention profile"},
      {"--- contention:\ncycles/second=2000000000\n", "contention profile"},
      {"--- mutex:\ncycles/second=2000000000\n", "mutex contention profile"},
      {"--- threadz 1 ---\n\n--- Thread 7f79 (name: main/1) stack: ---\n", "thread profile"},
      {"--- heapz 1 ---\nformat = java\n", "Java heap profile"},
      {"goroutine profile: total 12\n", "Go goroutine profile"},
      {"--- symbol\nbinary=/bin/x\n0x401000 main\n---\n--- profile\n", "CPU profile"},
      {"--- symbol\nbinary=/bin/x\n---\n--- heap\nheap profile: 1: 8 [1: 8] @ heap\n", "symbolized by jeprof"},
  };
  for (const auto& [text, kind] : cases) {
    auto k = unsupported_profile_kind(text);
    EXPECT_EQ(k.position, "line 1") << text;
    EXPECT_NE(k.message.find(kind), std::string::npos) << text << " -> " << k.message;
  }
  EXPECT_FALSE(unsupported_profile_kind("a;b;c 1\n"));
  EXPECT_FALSE(unsupported_profile_kind(std::string("\x0a\x04\x08\x01\x10\x02", 6)));
}

TEST(JemallocTruncatedMaps, PartialLastMappingIsAnError) {
  std::string dump =
      "heap_v2/1\n  t*: 1: 8 [0: 0]\n@ 0x401010\n  t*: 1: 8 [0: 0]\n\nMAPPED_LIBRARIES:\n"
      "00400000-00401000 r--p 00000000 fe:00 1 /bin/prog\n"
      "00401000-00403000 r-xp 00001000 fe:00 1 /bin/pr";
  try {
    read_jemalloc_heap(dump, "cut.heap");
    FAIL() << "accepted a dump cut inside MAPPED_LIBRARIES";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cut.heap:line 8: incomplete last line in MAPPED_LIBRARIES"),
              std::string::npos)
        << e.what();
  }
  EXPECT_NO_THROW(read_jemalloc_heap(dump + "og\n", "whole.heap"));
}

}  // namespace
}  // namespace leakscope::analyzer
