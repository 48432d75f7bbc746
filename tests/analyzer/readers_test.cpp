#include <gtest/gtest.h>

#include "leakscope/analyzer/input_error.h"
#include "leakscope/analyzer/readers.h"

namespace leakscope::analyzer {
namespace {

const char* kJemallocDump =
    "heap_v2/1\n"
    "  t*: 3: 3072 [0: 0]\n"
    "  t0: 2: 2048 [0: 0] main-thread\n"
    "  t1: 1: 1024 [0: 0]\n"
    "@ 0x401010 0x402020\n"
    "  t*: 3: 3072 [0: 0]\n"
    "  t0: 2: 2048 [0: 0]\n"
    "  t1: 1: 1024 [0: 0]\n"
    "\n"
    "MAPPED_LIBRARIES:\n"
    "00400000-00401000 r--p 00000000 fe:00 1 /bin/prog\n"
    "00401000-00403000 r-xp 00001000 fe:00 1 /bin/prog\n"
    "7f0000000000-7f0000100000 r-xp 00010000 fe:00 2 /lib/libc.so.6\n";

TEST(JemallocReader, ParsesStacksThreadsAndMappings) {
  Profile p = read_jemalloc_heap(kJemallocDump, "t.heap");
  ASSERT_EQ(p.sample_types.size(), 2u);  // no cumulative data -> inuse only
  EXPECT_EQ(p.sample_types[1].type, "inuse_space");
  EXPECT_EQ(p.period, 1);
  ASSERT_EQ(p.samples.size(), 2u);  // one per thread line
  EXPECT_EQ(p.samples[0].values, (std::vector<int64_t>{2, 2048}));
  EXPECT_EQ(p.samples[0].labels[0].key, "thread");
  EXPECT_EQ(p.samples[1].labels[0].num, 1);
  ASSERT_EQ(p.locations.size(), 2u);
  EXPECT_EQ(p.locations[0].address, 0x40100fu);  // return address - 1
  ASSERT_EQ(p.mappings.size(), 2u);              // executable file mappings only
  EXPECT_EQ(p.mappings[0].file, "/bin/prog");    // main binary first
  EXPECT_EQ(p.locations[0].mapping_id, 1u);
  EXPECT_EQ(p.total(1), 3072);
}

TEST(JemallocReader, CumulativeBracketAddsAllocTypes) {
  std::string dump = "heap_v2/1\n  t*: 1: 64 [5: 320]\n@ 0x10\n  t*: 1: 64 [5: 320]\nMAPPED_LIBRARIES:\n";
  Profile p = read_jemalloc_heap(dump, "t.heap");
  ASSERT_EQ(p.sample_types.size(), 4u);
  EXPECT_EQ(p.sample_types[0].type, "alloc_objects");
  EXPECT_EQ(p.default_sample_index(), p.sample_index("inuse_space"));
  EXPECT_EQ(p.samples[0].values, (std::vector<int64_t>{5, 320, 1, 64}));
}

TEST(JemallocReader, UnsamplesEachLine) {
  std::string dump = "heap_v2/524288\n  t*: 2: 1048576 [0: 0]\n@ 0x10\n  t*: 2: 1048576 [0: 0]\nMAPPED_LIBRARIES:\n";
  Profile p = read_jemalloc_heap(dump, "t.heap");
  EXPECT_EQ(p.samples[0].values, (std::vector<int64_t>{3, 1658822}));
}

TEST(LegacyReader, GoHeapHeaderHalvesThePeriod) {
  std::string text =
      "heap profile: 1: 1048576 [4: 4194304] @ heap/1048576\n"
      "1: 1048576 [4: 4194304] @ 0x401000 0x402000\n"
      "#\t0x400fff\tmain.leak+0x1f\t/src/main.go:10\n"
      "#\t0x401fff\tmain.main+0x2f\t/src/main.go:20\n"
      "\n# runtime.MemStats\n# Alloc = 1\n";
  Profile p = read_legacy_heap(text, "heap.txt");
  EXPECT_EQ(p.period, 524288);
  ASSERT_EQ(p.sample_types.size(), 4u);
  ASSERT_EQ(p.locations.size(), 2u);
  ASSERT_EQ(p.locations[0].lines.size(), 1u);
  EXPECT_EQ(p.function(p.locations[0].lines[0].function_id).name, "main.leak");
  EXPECT_EQ(p.locations[0].lines[0].line, 10);
}

TEST(FoldedReader, RootFirstTextBecomesLeafFirstSamples) {
  Profile p = read_folded("main;a;b 10\nmain;a 5\n# comment\n\nmain;c 2.6\n", "x.folded");
  ASSERT_EQ(p.samples.size(), 3u);
  EXPECT_EQ(p.function(p.location(p.samples[0].location_ids[0]).lines[0].function_id).name, "b");
  EXPECT_EQ(p.samples[2].values[0], 3);
  EXPECT_EQ(p.total(0), 18);
}

TEST(DetectFormat, ByContentNotName) {
  EXPECT_EQ(detect_format("heap_v2/1\n"), ProfileFormat::kJemalloc);
  EXPECT_EQ(detect_format("heap profile: 1: 2 [3: 4] @ heap/2\n"), ProfileFormat::kLegacyHeap);
  EXPECT_EQ(detect_format("a;b 1\n"), ProfileFormat::kFolded);
  EXPECT_EQ(detect_format(std::string("\x0a\x04\x08\x01\x10\x02", 6)), ProfileFormat::kProto);
  EXPECT_EQ(detect_format(std::string("\x12\x00\x01", 3)), ProfileFormat::kProto);
}

TEST(ReaderErrors, NameTheLineAndWhatWasExpected) {
  try {
    read_jemalloc_heap("heap_v2/1\n  t*: 1: 2 [0: 0]\n@ 0x10 0xZZ\n", "bad.heap");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "bad.heap:line 3: expected stack address (hex) but found '0xZZ'");
  }
}

}  // namespace
}  // namespace leakscope::analyzer
