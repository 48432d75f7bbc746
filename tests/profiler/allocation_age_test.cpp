// The age of live memory, end to end: age_shapes (a leak, a cache and churn, each in its own
// function) runs under the real profiler with short epochs (LEAKSCOPE_AGE_EPOCH=0.25) and writes
// self-symbolized snapshots; `top --by-age` must see the leak's bytes across several ages, the
// cache's in one old epoch and churn's in the newest; `trend` must carry those shapes; the age
// pseudo-frame must reach no stack (ours or `go tool pprof`'s); and the distinct stacks stay within
// the issue's 4x budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "child_process.h"
#include "leakscope/analyzer/age_epoch.h"
#include "leakscope/analyzer/input_bytes.h"
#include "leakscope/analyzer/readers.h"
#include "run_command.h"
#include "serve_port.h"

namespace leakscope::test {

using analyzer::age_of;
using analyzer::gunzip;
using analyzer::is_age_frame;
using analyzer::Profile;
using analyzer::read_proto;

namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;
constexpr int kSnapshots = 3;

// Runs age_shapes for `seconds` into a fresh directory, with `env` (NAME=value) added to its environment.
std::string run_shapes(const std::string& name, std::vector<std::string> env, double seconds = 4) {
  std::string dir = scratch_dir(name);
  env.insert(env.end(), {"LEAKSCOPE_LG_SAMPLE=12", "LEAKSCOPE_SYMBOLIZER=" + kLeakscope});
  auto r = run_program({AGE_SHAPES_BIN, dir, std::to_string(seconds), std::to_string(kSnapshots)}, env,
                       std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

std::string last_snapshot(const std::string& dir) { return dir + "/age." + std::to_string(kSnapshots) + ".pb.gz"; }

Profile read_snapshot(const std::string& path) { return read_proto(gunzip(read_file(path), path, 1 << 30), path); }

nlohmann::json row_named(const nlohmann::json& rows, const std::string& name) {
  for (const auto& r : rows)
    if (r["name"] == name) return r;
  return nullptr;
}

size_t epochs_with_bytes(const nlohmann::json& row) {
  size_t n = 0;
  for (const auto& v : row["by_epoch"]) n += v.get<int64_t>() > 0;
  return n;
}

double share_of(const nlohmann::json& row, size_t epoch) {
  return static_cast<double>(row["by_epoch"][epoch].get<int64_t>()) / static_cast<double>(row["total"].get<int64_t>());
}

// The stacks jemalloc keeps: the reader strips the age frame, so a stack and its epoch make one.
size_t distinct_stacks(const Profile& p) {
  std::set<std::pair<std::vector<uint64_t>, int>> stacks;
  for (const auto& s : p.samples) {
    auto age = age_of(s);
    stacks.insert({s.location_ids, age ? static_cast<int>(age->index) : -1});
  }
  return stacks.size();
}

class AllocationAge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { aged_ = new std::string(run_shapes("age-on", {"LEAKSCOPE_AGE_EPOCH=0.25"})); }
  static std::string* aged_;
};
std::string* AllocationAge::aged_ = nullptr;

TEST_F(AllocationAge, TopByAgeTellsLeakCacheAndChurnApart) {
  auto r = run_program({kLeakscope, "top", "--by-age", "--json", last_snapshot(*aged_)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["epoch_ms"], 250);
  size_t epochs = j["epochs"].size();
  // 4 s of epochs of 0.25 s doubling: e0 .. e4 ([3.75 s, 7.75 s) is the one the snapshot is taken in).
  ASSERT_GE(epochs, 5u) << r.out;
  ASSERT_FALSE(j["clock_ms"].is_null()) << "the snapshot carries its age clock";
  EXPECT_GE(j["clock_ms"].get<int64_t>(), 4000);

  auto leak = row_named(j["rows"], "leak_step");
  ASSERT_FALSE(leak.is_null()) << r.out;
  EXPECT_EQ(leak["shape"], "every-age") << leak.dump();
  EXPECT_GE(epochs_with_bytes(leak), epochs - 1) << leak.dump();  // e0 is 0.25 s: few samples, but some

  auto cache = row_named(j["rows"], "cache_fill");
  ASSERT_FALSE(cache.is_null()) << r.out;
  EXPECT_EQ(cache["shape"], "one-age") << cache.dump();
  EXPECT_GE(share_of(cache, 0), 0.9) << cache.dump();

  auto churn = row_named(j["rows"], "churn_step");
  ASSERT_FALSE(churn.is_null()) << r.out;
  EXPECT_EQ(churn["shape"], "young") << churn.dump();
  EXPECT_GE(share_of(churn, epochs - 1), 0.9) << churn.dump();

  // The text view says the same, one row per function.
  auto t = run_program({kLeakscope, "top", "--by-age", last_snapshot(*aged_)});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("every-age (leak-like)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("one-age (cache-like)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("young (churn-like)"), std::string::npos) << t.out;
}

TEST_F(AllocationAge, TrendCarriesTheAgeOfItsRows) {
  std::vector<std::string> argv = {kLeakscope, "trend", "--json"};
  for (int n = 1; n <= kSnapshots; ++n) argv.push_back(*aged_ + "/age." + std::to_string(n) + ".pb.gz");
  auto r = run_program(argv);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.contains("age")) << r.out;
  auto leak = row_named(j["age"]["rows"], "leak_step");
  ASSERT_FALSE(leak.is_null()) << r.out;
  EXPECT_EQ(leak["shape"], "every-age");
  ASSERT_FALSE(row_named(j["suspects"], "leak_step").is_null()) << r.out;
  EXPECT_EQ(leak["reading"], "age agrees");
  // The cache and churn do not grow: neither suspect nor growing, so no age row either.
  EXPECT_TRUE(row_named(j["age"]["rows"], "cache_fill").is_null()) << r.out;
  EXPECT_TRUE(row_named(j["age"]["rows"], "churn_step").is_null()) << r.out;
}

// The age shape the web UI's Top shows per function (data-shape of its age cell), served from
// `sources` (one profile, or a series and a window in `query`).
std::map<std::string, std::string> served_age_shapes(const std::vector<std::string>& sources,
                                                     const std::string& query = "") {
  std::vector<std::string> args = {kLeakscope, "serve"};
  args.insert(args.end(), sources.begin(), sources.end());
  args.insert(args.end(), {"--http", "127.0.0.1:0"});
  ChildProcess serve(args, {});
  int port = serve_port(serve);
  EXPECT_NE(port, 0) << serve.err();
  if (sources.size() > 1) {
    EXPECT_TRUE(serve_read_series(serve)) << serve.err();
  }
  auto page =
      run_program({"curl", "-sf", "--max-time", "60", "http://127.0.0.1:" + std::to_string(port) + "/ui/top" + query});
  EXPECT_EQ(page.exit_code, 0) << page.err;
  serve.terminate();
  std::map<std::string, std::string> shapes;
  std::regex row(R"re(<tr[^>]*><td>([^<]*)</td>.*?<td class="age" data-shape="([a-z-]+)")re");
  for (std::sregex_iterator it(page.out.begin(), page.out.end(), row), end; it != end; ++it)
    shapes[(*it)[1]] = (*it)[2];
  if (page.out.find("<th title=\"live bytes by allocation age") == std::string::npos) shapes["(no age column)"] = "";
  return shapes;
}

TEST_F(AllocationAge, ServeTopHasAnAgeColumnWithTopByAgesShapes) {
  auto r = run_program({kLeakscope, "top", "--by-age", "--json", last_snapshot(*aged_)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  auto shapes = served_age_shapes({last_snapshot(*aged_)});
  EXPECT_EQ(shapes.count("(no age column)"), 0u);
  for (const char* name : {"leak_step", "cache_fill", "churn_step"}) {
    SCOPED_TRACE(name);
    auto row = row_named(j["rows"], name);
    ASSERT_FALSE(row.is_null()) << r.out;
    EXPECT_EQ(shapes[name], row["shape"].get<std::string>());
  }
  EXPECT_EQ(shapes["leak_step"], "every-age");
  // A profile without ages has no age column.
  std::string plain = run_shapes("age-off-serve", {});
  EXPECT_EQ(served_age_shapes({last_snapshot(plain)}).count("(no age column)"), 1u);
}

// A series' window: Top lists the growth between its ends, each row with the age of its live bytes
// at the window's end (that snapshot's `top --by-age`).
TEST_F(AllocationAge, ServeWindowGrowthTopHasTheAgeColumnOfTheWindowsEnd) {
  auto r = run_program({kLeakscope, "top", "--by-age", "--json", last_snapshot(*aged_)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  std::vector<std::string> series;
  for (int n = 1; n <= kSnapshots; ++n) series.push_back(*aged_ + "/age." + std::to_string(n) + ".pb.gz");
  auto shapes = served_age_shapes(series, "?from=0&to=" + std::to_string(kSnapshots - 1));
  EXPECT_EQ(shapes.count("(no age column)"), 0u);
  EXPECT_EQ(shapes["leak_step"], "every-age") << "the window's growth, leak-like";
  size_t compared = 0;
  for (const auto& [name, shape] : shapes) {
    auto row = row_named(j["rows"], name);
    if (row.is_null()) continue;
    EXPECT_EQ(shape, row["shape"].get<std::string>()) << name;
    ++compared;
  }
  // The cache did not change in the window, so it may have no growth row; the leak and churn do.
  EXPECT_GE(compared, 2u);
}

TEST_F(AllocationAge, PseudoFrameReachesNoStack) {
  Profile p = read_snapshot(last_snapshot(*aged_));
  for (const auto& loc : p.locations) EXPECT_FALSE(is_age_frame(loc.address + 1)) << std::hex << loc.address;
  size_t labelled = 0;
  for (const auto& s : p.samples) labelled += age_of(s).has_value();
  EXPECT_GT(labelled, p.samples.size() / 2);
  // go tool pprof, the referee, sees the same functions, no stray address at a root, and the labels.
  auto g = run_program({"go", "tool", "pprof", "-traces", last_snapshot(*aged_)});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  EXPECT_NE(g.out.find("leak_step"), std::string::npos);
  EXPECT_EQ(g.out.find("a6e0"), std::string::npos) << "an age pseudo-frame reached a stack";
  EXPECT_NE(g.out.find("age_epoch"), std::string::npos) << g.out.substr(0, 2000);
}

TEST_F(AllocationAge, DistinctStacksWithinFourTimes) {
  std::string plain = run_shapes("age-off", {});
  size_t with = distinct_stacks(read_snapshot(last_snapshot(*aged_)));
  size_t without = distinct_stacks(read_snapshot(last_snapshot(plain)));
  ASSERT_GT(without, 0u);
  std::printf("distinct stacks: %zu with ages, %zu without (%.2fx)\n", with, without,
              static_cast<double>(with) / static_cast<double>(without));
  EXPECT_LE(with, 4 * without);
  EXPECT_GT(with, without) << "ages split the leak's stack by epoch";
  // Without ages there is nothing to show by age: one clear line, exit 2.
  auto r = run_program({kLeakscope, "top", "--by-age", last_snapshot(plain)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("expected allocation ages"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(AllocationAge, ByAgeWithBaseOrCumIsOneLineAndExitTwo) {
  for (const std::vector<std::string>& extra : {std::vector<std::string>{"--base", last_snapshot(*aged_)}, {"--cum"}}) {
    std::vector<std::string> argv = {kLeakscope, "top", "--by-age"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(last_snapshot(*aged_));
    auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << extra[0];
    EXPECT_NE(r.err.find("--by-age"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
}

TEST(AllocationAgeInput, BadEpochIsOneLineAndExitTwo) {
  for (const char* bad : {"abc", "-1", "0.0001"}) {
    std::string dir = scratch_dir("age-bad");
    auto r = run_program({AGE_SHAPES_BIN, dir, "0.1", "1"}, {"LEAKSCOPE_AGE_EPOCH=" + std::string(bad)},
                         std::chrono::seconds(60));
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("LEAKSCOPE_AGE_EPOCH"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace leakscope::test
