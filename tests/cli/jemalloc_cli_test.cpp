// Real jemalloc dumps from known_allocs (built by the suite), analyzed through the leakscope CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/symbolizer.h"
#include "leakscope/analyzer/warnings.h"
#include "pprof_text.h"
#include "run_command.h"

namespace leakscope::test {

using analyzer::Profile;
using analyzer::read_profile;
using analyzer::set_warning_sink;
using analyzer::symbolize;

namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;

// Runs known_allocs (optionally a copy at `binary`) and returns the dump's path.
std::string make_dump(const std::string& dir, const std::string& name, int growth, int lg_sample = 0,
                      const std::string& binary = KNOWN_ALLOCS_BIN) {
  std::string out = dir + "/" + name + ".heap";
  auto r = run_program({binary, out, std::to_string(growth)},
                       {"MALLOC_CONF=prof:true,lg_prof_sample:" + std::to_string(lg_sample)});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

nlohmann::json json_of(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out);
}

std::map<std::string, nlohmann::json> rows_by_name(const nlohmann::json& j) {
  std::map<std::string, nlohmann::json> m;
  for (const auto& row : j.at("rows")) m[row.at("name")] = row;
  return m;
}

TEST(JemallocTop, AttributesExactSizeClassBytesToTheAllocatingFunctions) {
  auto dir = scratch_dir("exact");
  auto dump = make_dump(dir, "a", 5);
  auto j = json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", dump}));
  EXPECT_EQ(j["sample_type"], "inuse_space");
  EXPECT_EQ(j["unit"], "bytes");
  auto rows = rows_by_name(j);
  // jemalloc records the size class: 1000 -> 1024, 70000 -> 81920, 4096 -> 4096.
  ASSERT_TRUE(rows.count("keep_small"));
  EXPECT_EQ(rows["keep_small"]["flat"], 10 * 1024);
  ASSERT_TRUE(rows.count("keep_large"));
  EXPECT_EQ(rows["keep_large"]["flat"], 3 * 81920);
  ASSERT_TRUE(rows.count("grow"));
  EXPECT_EQ(rows["grow"]["flat"], 5 * 4096);
  EXPECT_FALSE(rows.count("freed")) << "freed memory is not in use";
  // Allocator frames are trimmed: nothing is charged to malloc, operator new or jemalloc itself.
  for (const auto& [name, row] : rows) {
    if (row["flat"] == 0) continue;
    EXPECT_EQ(name.find("malloc"), std::string::npos) << name;
    EXPECT_EQ(name.find("operator new"), std::string::npos) << name;
    EXPECT_EQ(name.find("libjemalloc"), std::string::npos) << name;
    EXPECT_EQ(name.find("__throw_ios_failure"), std::string::npos) << name;
  }
  // Objects too.
  auto jo = json_of(
      run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--sample-index", "inuse_objects", dump}));
  auto orows = rows_by_name(jo);
  EXPECT_EQ(orows["keep_small"]["flat"], 10);
  EXPECT_EQ(orows["keep_large"]["flat"], 3);
  EXPECT_EQ(orows["grow"]["flat"], 5);
}

TEST(JemallocTop, KeepAllocatorFramesChargesTheAllocator) {
  auto dir = scratch_dir("keep");
  auto dump = make_dump(dir, "a", 1);
  auto rows = rows_by_name(
      json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--keep-allocator-frames", dump})));
  ASSERT_TRUE(rows.count("keep_small"));
  EXPECT_EQ(rows["keep_small"]["flat"], 0);
  EXPECT_EQ(rows["keep_small"]["cum"], 10 * 1024);
  bool allocator_leaf = false;
  for (const auto& [name, row] : rows)
    if (row["flat"] != 0 && name.find("libjemalloc") != std::string::npos) allocator_leaf = true;
  EXPECT_TRUE(allocator_leaf);
}

// "240.00kB" -> 245760 (to the printed precision); "512B" -> 512.
double human_bytes(const std::string& text) {
  size_t end = 0;
  double v = std::stod(text, &end);
  const std::string unit = text.substr(end);
  const std::map<std::string, double> scale = {{"B", 1}, {"kB", 1024}, {"MB", 1024 * 1024}, {"GB", 1024 * 1024 * 1024}};
  EXPECT_TRUE(scale.count(unit)) << text;
  return scale.count(unit) ? v * scale.at(unit) : 0;
}

TEST(JemallocTop, TextReportHasHeaderAndHumanUnits) {
  auto dir = scratch_dir("text");
  auto dump = make_dump(dir, "a", 0);
  auto r = run_program({kLeakscope, "top", dump});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Type: inuse_space\n"), std::string::npos) << r.out;
  // The total the text prints is the dump's in-use bytes, summed here from the profile read in process.
  Profile p = read_profile(dump);
  int inuse = p.sample_index("inuse_space");
  ASSERT_GE(inuse, 0);
  double dump_total = 0;
  for (const auto& sample : p.samples) dump_total += static_cast<double>(sample.values[inuse]);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(of (\S+) total\n)"))) << r.out;
  EXPECT_NEAR(human_bytes(m[1]), dump_total, 0.005 * 1024) << r.out;  // two decimals of kB
  // keep_large's row: 3 x 81920 bytes, and its share of that total.
  ASSERT_TRUE(
      std::regex_search(r.out, m, std::regex(R"(\n\s*(\S+)\s+([\d.]+)%\s+[\d.]+%\s+(\S+)\s+[\d.]+%\s+keep_large\n)")))
      << r.out;
  EXPECT_EQ(human_bytes(m[1]), 3 * 81920.0) << r.out;
  EXPECT_NEAR(std::stod(m[2]), 100.0 * 3 * 81920 / dump_total, 0.01) << r.out;
  EXPECT_EQ(human_bytes(m[3]), 3 * 81920.0) << "keep_large calls nothing that allocates: " << r.out;
}

TEST(JemallocTop, LinesGranularityNamesSourceLines) {
  auto dir = scratch_dir("lines");
  auto dump = make_dump(dir, "a", 2);
  auto rows = rows_by_name(json_of(run_program({kLeakscope, "top", "--json", "--granularity", "lines", dump})));
  bool found = false;
  for (const auto& [name, row] : rows)
    if (name.rfind("grow ", 0) == 0 && name.find("known_allocs.cpp:") != std::string::npos) {
      found = true;
      EXPECT_EQ(row["flat"], 2 * 4096);
    }
  EXPECT_TRUE(found);
}

TEST(JemallocTop, FocusIgnoreHide) {
  auto dir = scratch_dir("filters");
  auto dump = make_dump(dir, "a", 3);
  auto focus = json_of(run_program({kLeakscope, "top", "--json", "--focus", "^grow$", dump}));
  EXPECT_EQ(focus["total"], 3 * 4096);
  auto ignore = json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--ignore", "^grow$", dump}));
  EXPECT_FALSE(rows_by_name(ignore).count("grow"));
  auto all = json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", dump}));
  EXPECT_EQ(ignore["total"].get<int64_t>() + 3 * 4096, all["total"].get<int64_t>());
  auto hide = rows_by_name(
      json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--hide", "^grow$", dump})));
  EXPECT_FALSE(hide.count("grow"));
  EXPECT_EQ(hide["main"]["flat"].get<int64_t>() >= 3 * 4096, true) << "hidden frames charge their caller";
}

TEST(JemallocTop, ThreadsBecomeLabels) {
  auto dir = scratch_dir("threads");
  auto dump = make_dump(dir, "a", 1);
  auto r = run_program({kLeakscope, "convert", dump, "-o", dir + "/a.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(read_file(dir + "/a.json"));
  size_t labelled = 0;
  for (const auto& s : j["samples"])
    for (const auto& l : s["labels"])
      if (l["key"] == "thread") ++labelled;
  EXPECT_GT(labelled, 0u);
}

TEST(JemallocDiff, TwoProcessesWithDifferentLayoutsDiffByName) {
  auto dir = scratch_dir("diff");
  auto base = make_dump(dir, "base", 2);
  auto now = make_dump(dir, "new", 7);
  auto j = json_of(run_program({kLeakscope, "diff", "--json", base, now}));
  EXPECT_EQ(j["new_total"].get<int64_t>() - j["base_total"].get<int64_t>(), 5 * 4096);
  ASSERT_EQ(j["rows"].size(), 1u) << j.dump(1);
  EXPECT_EQ(j["rows"][0]["name"], "grow");
  EXPECT_EQ(j["rows"][0]["base"], 2 * 4096);
  EXPECT_EQ(j["rows"][0]["new"], 7 * 4096);
  EXPECT_EQ(j["rows"][0]["delta"], 5 * 4096);
  // The two processes really had different layouts (ASLR), so addresses could not have matched.
  auto maps = [](const std::string& dump) {
    auto text = read_file(dump);
    return text.substr(text.find("MAPPED_LIBRARIES:"));
  };
  if (read_file("/proc/sys/kernel/randomize_va_space").substr(0, 1) != "0") {
    EXPECT_NE(maps(base), maps(now));
  }
}

TEST(JemallocDiff, TextShowsDeltaAndBothPercentages) {
  auto dir = scratch_dir("difftext");
  auto base = make_dump(dir, "base", 1);
  auto now = make_dump(dir, "new", 3);
  auto r = run_program({kLeakscope, "diff", base, now});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // grow's row: +2 x 4096 bytes, as a share of each dump's in-use total (read here in process).
  auto inuse_total = [](const std::string& dump) {
    Profile p = read_profile(dump);
    return static_cast<double>(p.total(p.sample_index("inuse_space")));
  };
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex(R"(\n\s*(\S+)\s+\+([\d.]+)%\s+\+([\d.]+)%\s+\S+\s+\S+\s+grow\n)")))
      << r.out;
  EXPECT_EQ(m[1], "+8.00kB") << r.out;
  EXPECT_NEAR(std::stod(m[2]), 100.0 * 2 * 4096 / inuse_total(base), 0.01) << r.out;
  EXPECT_NEAR(std::stod(m[3]), 100.0 * 2 * 4096 / inuse_total(now), 0.01) << r.out;
}

TEST(JemallocDiff, NormalizeScalesBaseToNewTotal) {
  auto dir = scratch_dir("normalize");
  auto base = make_dump(dir, "base", 1);
  auto now = make_dump(dir, "new", 40);
  auto j = json_of(run_program({kLeakscope, "diff", "--json", "--normalize", base, now}));
  EXPECT_TRUE(j["normalized"].get<bool>());
  int64_t base_sum = 0;
  for (const auto& row : j["rows"]) base_sum += row["delta"].get<int64_t>();
  // After scaling, base and new totals agree up to per-row rounding.
  EXPECT_NEAR(static_cast<double>(j["base_total"].get<int64_t>()), static_cast<double>(j["new_total"].get<int64_t>()),
              16);
  EXPECT_NEAR(static_cast<double>(base_sum), 0.0, 16);
}

TEST(JemallocTop, BaseSubtractsLikePprof) {
  auto dir = scratch_dir("base");
  auto base = make_dump(dir, "base", 2);
  auto now = make_dump(dir, "new", 6);
  auto j = json_of(run_program({kLeakscope, "top", "--json", "--base", base, now}));
  EXPECT_EQ(j["total"], 4 * 4096);
  EXPECT_EQ(rows_by_name(j)["grow"]["flat"], 4 * 4096);
}

// jeprof (jemalloc's own analyzer) as the referee for unsampling of a sampled dump.
TEST(JemallocTop, SampledDumpTotalMatchesJeprof) {
  auto dir = scratch_dir("jeprof");
  auto dump = make_dump(dir, "a", 300, /*lg_sample=*/12);
  auto ours = json_of(run_program({kLeakscope, "top", "--json", "--keep-allocator-frames", dump}));
  auto jeprof = run_program({"jeprof", "--text", "--show_bytes", std::string(KNOWN_ALLOCS_BIN), dump});
  ASSERT_EQ(jeprof.exit_code, 0) << jeprof.err;
  auto pos = jeprof.out.find("Total: ");
  ASSERT_NE(pos, std::string::npos) << jeprof.out;
  int64_t jeprof_total = std::stoll(jeprof.out.substr(pos + 7));
  // Per-line truncation (ours, as pprof) vs floating sums (jeprof): within a few bytes.
  EXPECT_NEAR(static_cast<double>(ours["total"].get<int64_t>()), static_cast<double>(jeprof_total), 8.0);
  // Unsampling really happened: far more than the raw sampled bytes were attributed to grow.
  EXPECT_GT(ours["total"].get<int64_t>(), 1000 * 1000);
}

// trend over real dumps written at known times: growth in grow(), flat elsewhere.
TEST(JemallocTrend, SeriesOrderedByTimeNamesTheGrower) {
  auto dir = scratch_dir("trend");
  std::vector<std::string> dumps;
  for (int i = 0; i < 5; ++i) {
    dumps.push_back(make_dump(dir, "s" + std::to_string(i), 10 + 40 * i));
    auto t = "2026-01-01 00:0" + std::to_string(i) + ":00 UTC";
    ASSERT_EQ(run_program({"touch", "-d", t, dumps.back()}).exit_code, 0);
  }
  // Given newest first: the timestamps, not the argument order, decide.
  std::vector<std::string> argv = {kLeakscope, "trend", "--json", "--fail-on-leak"};
  argv.insert(argv.end(), dumps.rbegin(), dumps.rend());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["snapshots"], 5);
  EXPECT_FALSE(j["times_from_files"].get<bool>());
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 240.0);
  ASSERT_EQ(j["suspects"].size(), 1u) << j.dump(1);
  EXPECT_EQ(j["suspects"][0]["name"], "grow");
  EXPECT_NEAR(j["suspects"][0]["slope_bytes_per_s"].get<double>(), 40 * 4096 / 60.0, 1.0);
  for (const char* key : {"growth", "r2", "monotonicity", "share", "values"})
    EXPECT_TRUE(j["suspects"][0].contains(key)) << key;
  // The same snapshot five times: nothing grows, exit 0.
  auto flat = run_program({kLeakscope, "trend", "--json", "--fail-on-leak", dumps[0], dumps[0], dumps[0]});
  EXPECT_EQ(flat.exit_code, 0) << flat.out;
  auto flat_json = nlohmann::json::parse(flat.out);
  EXPECT_EQ(flat_json["snapshots"], 3);
  EXPECT_EQ(flat_json["suspects"], nlohmann::json::array()) << flat.out;
  ASSERT_EQ(flat_json["totals"].size(), 3u);
  EXPECT_EQ(flat_json["totals"][0], flat_json["totals"][2]) << "the same snapshot, the same total";
  // One snapshot is a usage error.
  EXPECT_EQ(run_program({kLeakscope, "trend", dumps[0]}).exit_code, 2);
}

TEST(JemallocConvert, PprofReadsOutputWithoutTheBinary) {
  auto dir = scratch_dir("convert");
  std::string copy = dir + "/known_allocs_copy";
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, copy);
  std::filesystem::permissions(copy, std::filesystem::perms::owner_all);
  auto dump = make_dump(dir, "a", 4, 0, copy);
  auto ours = parse_leakscope_top_json(run_program({kLeakscope, "top", "--json", dump}).out);
  auto r = run_program({kLeakscope, "convert", dump, "-o", dir + "/a.pb.gz"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::filesystem::remove(copy);  // pprof must not need it
  auto pp = run_program({"go", "tool", "pprof", "-top", "-unit=B", dir + "/a.pb.gz"});
  ASSERT_EQ(pp.exit_code, 0) << pp.err;
  auto theirs = parse_pprof_top(pp.out);
  EXPECT_EQ(ours.total, theirs.total);
  EXPECT_EQ(ours.first_row, theirs.first_row);
  EXPECT_EQ(ours.rows, theirs.rows);
  EXPECT_GE(theirs.rows.count("keep_large"), 1u);
}

TEST(JemallocConvert, FoldedOutputIsRootFirstAndTrimmed) {
  auto dir = scratch_dir("folded");
  auto dump = make_dump(dir, "a", 2);
  ASSERT_EQ(run_program({kLeakscope, "convert", dump, "-o", dir + "/a.folded"}).exit_code, 0);
  auto text = read_file(dir + "/a.folded");
  EXPECT_NE(text.find(";main;grow 8192\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("libjemalloc"), std::string::npos);
  // And it reads back with the same numbers.
  auto j = json_of(run_program({kLeakscope, "top", "--json", "--nodefraction", "0", dir + "/a.folded"}));
  EXPECT_EQ(rows_by_name(j)["grow"]["flat"], 8192);
}

TEST(JemallocSymbolize, MissingBinaryDegradesToOffsetsWithOneWarning) {
  auto dir = scratch_dir("missing");
  std::string copy = dir + "/gone_binary";
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, copy);
  auto dump = make_dump(dir, "a", 1, 0, copy);
  std::filesystem::remove(copy);
  auto r = run_program({kLeakscope, "top", "--json", "--nodefraction", "0", dump});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("gone_binary: binary not found"), std::string::npos) << r.err;
  size_t warnings = 0;
  for (size_t p = 0; (p = r.err.find("gone_binary: binary not found", p)) != std::string::npos; ++p) ++warnings;
  EXPECT_EQ(warnings, 1u);
  bool offset_frame = false;
  auto j = nlohmann::json::parse(r.out);
  for (const auto& row : j["rows"])
    if (row["name"].get<std::string>().rfind("gone_binary+0x", 0) == 0) offset_frame = true;
  EXPECT_TRUE(offset_frame) << r.out;
}

TEST(JemallocSymbolize, BuildIdMismatchIsRefusedWithAWarning) {
  auto dir = scratch_dir("buildid");
  auto dump = make_dump(dir, "a", 1);
  Profile p = read_profile(dump);
  ASSERT_EQ(p.mappings[0].file, KNOWN_ALLOCS_BIN);
  p.mappings[0].build_id = "00112233445566778899aabbccddeeff00112233";  // not this binary's
  std::vector<std::string> warnings;
  auto old = set_warning_sink([&](const std::string& m) { warnings.push_back(m); });
  symbolize(p, {});
  set_warning_sink(old);
  bool mismatch = false;
  for (const auto& w : warnings) mismatch |= w.find("does not match") != std::string::npos;
  EXPECT_TRUE(mismatch);
  for (const auto& loc : p.locations)
    if (loc.mapping_id == 1) {
      EXPECT_EQ(p.function(loc.lines.at(0).function_id).name.rfind("known_allocs+0x", 0), 0u);
    }
}

TEST(JemallocSymbolize, StrippedBinaryDegradesToOffsetsWithOneWarning) {
  auto dir = scratch_dir("stripped");
  std::string copy = dir + "/stripped_binary";
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, copy);
  ASSERT_EQ(run_program({"strip", "--strip-all", copy}).exit_code, 0);
  auto dump = make_dump(dir, "a", 2, 0, copy);
  auto r = run_program({kLeakscope, "top", "--json", "--nodefraction", "0", dump});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("stripped_binary: no symbols (stripped)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  auto rows = rows_by_name(nlohmann::json::parse(r.out));
  bool offset_frame = false;
  for (const auto& [name, row] : rows) offset_frame |= name.rfind("stripped_binary+0x", 0) == 0 && row["flat"] != 0;
  EXPECT_TRUE(offset_frame) << r.out;
  EXPECT_FALSE(rows.count("grow"));
}

TEST(JemallocSymbolize, DumpTimeIsTheFileTime) {
  auto dir = scratch_dir("time");
  auto dump = make_dump(dir, "a", 1);
  ASSERT_EQ(run_program({"touch", "-d", "2026-01-02 03:04:05 UTC", dump}).exit_code, 0);
  ASSERT_EQ(run_program({kLeakscope, "convert", dump, "-o", dir + "/a.json"}).exit_code, 0);
  auto j = nlohmann::json::parse(read_file(dir + "/a.json"));
  EXPECT_EQ(j["time_nanos"].get<int64_t>(), 1767323045LL * 1000000000LL);
}

TEST(JemallocSymbolize, BinaryPathFindsMovedBinary) {
  auto dir = scratch_dir("moved");
  std::string copy = dir + "/moved_binary";
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, copy);
  auto dump = make_dump(dir, "a", 1, 0, copy);
  std::filesystem::create_directories(dir + "/elsewhere");
  std::filesystem::rename(copy, dir + "/elsewhere/moved_binary");
  auto r = run_program(
      {kLeakscope, "top", "--json", "--binary-path", std::string("/nonexistent:") + dir + "/elsewhere", dump});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(rows_by_name(nlohmann::json::parse(r.out)).count("keep_large")) << r.out;
}

}  // namespace
}  // namespace leakscope::test
