#include <gtest/gtest.h>

#include <map>

#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/profile_merge.h"
#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/writers.h"

namespace leakscope::analyzer {
namespace {

TEST(ProtoCodec, RoundTripKeepsEverything) {
  Profile p = read_jemalloc_heap(
      "heap_v2/2\n  t*: 1: 64 [3: 192]\n@ 0x401010 0x402020\n  t*: 1: 64 [3: 192]\n  t0: 1: 64 [3: 192]\n"
      "MAPPED_LIBRARIES:\n00401000-00403000 r-xp 00001000 fe:00 1 /bin/prog\n",
      "t");
  p.functions.push_back({1, "leak", "_Z4leakv", "leak.cc", 3});
  p.locations[0].lines.push_back({1, 7});
  p.time_nanos = 123;
  std::string bytes = write_proto_gz(p);
  ASSERT_TRUE(is_gzip(bytes));
  Profile q = read_proto(gunzip(bytes, "t", 1 << 20), "t");
  EXPECT_EQ(q.sample_types, p.sample_types);
  EXPECT_EQ(q.period, 2);
  EXPECT_EQ(q.time_nanos, 123);
  EXPECT_EQ(q.samples.size(), p.samples.size());
  EXPECT_EQ(q.samples[0].values, p.samples[0].values);
  EXPECT_EQ(q.samples[0].labels[0].key, "thread");
  EXPECT_EQ(q.locations[0].address, p.locations[0].address);
  EXPECT_EQ(q.function(q.locations[0].lines[0].function_id).system_name, "_Z4leakv");
  EXPECT_EQ(q.mappings[0].file, "/bin/prog");
  EXPECT_EQ(q.default_sample_type, "inuse_space");
}

TEST(Gzip, LimitStopsInflationEarly) {
  std::string big(1 << 20, 'a');
  EXPECT_THROW(gunzip(gzip(big), "bomb.gz", 1000), std::runtime_error);
  EXPECT_EQ(gunzip(gzip(big), "ok.gz", 2 << 20), big);
}

}  // namespace
}  // namespace leakscope::analyzer

namespace leakscope::analyzer {
namespace {

TEST(ProfileMerge, DeltaOfTwoSnapshotsKeepsOnlyTheChange) {
  Profile before = read_folded("main;a 10\nmain;b 5\n", "before");
  Profile after = read_folded("main;b 5\nmain;a 25\nmain;c 7\n", "after");
  Profile delta = merge_profiles(after, before, -1);
  delta.validate("delta");
  std::map<std::string, int64_t> by_leaf;
  for (const auto& s : delta.samples)
    by_leaf[delta.function(delta.location(s.location_ids[0]).lines[0].function_id).name] += s.values[0];
  EXPECT_EQ(by_leaf, (std::map<std::string, int64_t>{{"a", 15}, {"c", 7}}));  // b unchanged: dropped
}

TEST(ProfileMerge, RefusesDifferentSampleTypes) {
  Profile a = read_folded("x 1\n", "a");
  Profile b = a;
  b.sample_types[0].type = "other";
  EXPECT_THROW(merge_profiles(a, b, -1), std::invalid_argument);
}

}  // namespace
}  // namespace leakscope::analyzer
