// Formats that real tools write, through the CLI, with `go tool pprof` as the referee wherever it
// reads the file: legacy heap text with a sample that has no stack, gperftools growth profiles,
// non-heap profiles (named, exit 2), jemalloc dumps cut inside MAPPED_LIBRARIES, and a
// --binary-path that points at another build of the program.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "pprof_text.h"
#include "run_command.h"

namespace leakscope::test {
namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string make_dump(const std::string& dir, const std::string& name, const std::string& binary = KNOWN_ALLOCS_BIN) {
  std::string out = dir + "/" + name + ".heap";
  auto r = run_program({binary, out, "3"}, {"MALLOC_CONF=prof:true,lg_prof_sample:0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return out;
}

// A real jemalloc dump rewritten as gperftools heap text ("c: b [c: b] @ pcs", then the maps),
// with a sample that has no stack first, as Go and gperftools write one.
std::string legacy_text_of(const std::string& dump, const std::string& header_kind) {
  std::string text = read_file(dump), body;
  int64_t objs = 1, bytes = 288;
  body += "1: 288 [1: 288] @\n";
  std::regex count(R"(^\s*t\*: (\d+): (\d+) \[)");
  size_t maps = text.find("MAPPED_LIBRARIES:");
  std::vector<std::string> lines;
  for (size_t p = 0; p < maps;) {
    size_t e = text.find('\n', p);
    lines.push_back(text.substr(p, e - p));
    p = e + 1;
  }
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    std::smatch m;
    if (lines[i].rfind("@", 0) != 0 || !std::regex_search(lines[i + 1], m, count)) continue;
    int64_t c = std::stoll(m[1]), b = std::stoll(m[2]);
    if (!c) continue;
    objs += c;
    bytes += b;
    body += std::to_string(c) + ": " + std::to_string(b) + " [" + std::to_string(c) + ": " + std::to_string(b) + "] " +
            lines[i] + "\n";
  }
  std::string totals = std::to_string(objs) + ": " + std::to_string(bytes);
  return "heap profile: " + totals + " [" + totals + "] @ " + header_kind + "\n" + body + text.substr(maps);
}

TopTable ours(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kLeakscope, "top", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_leakscope_top_json(r.out);
}
TopTable pprofs(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"go", "tool", "pprof", "-top", "-unit=B"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return parse_pprof_top(r.out);
}

// As pprof's testdata/gobench.heap: "1: 288 [2: 296] @" is a sample pprof keeps, with no location.
const char* kEmptyStack =
    "heap profile: 3: 1024 [4: 2048] @ heap/2\n"
    "1: 288 [2: 296] @\n"
    "2: 736 [2: 1752] @ 0x401010 0x402020\n";

TEST(LegacyEmptyStack, EverySampleTypesTotalMatchesPprof) {
  auto dir = scratch_dir("legacy-empty");
  auto file = write(dir, "empty.heap", kEmptyStack);
  for (const char* type : {"alloc_objects", "alloc_space", "inuse_objects", "inuse_space"}) {
    SCOPED_TRACE(type);
    auto theirs = pprofs({std::string("-sample_index=") + type, file});
    EXPECT_GT(theirs.total, 0);
    EXPECT_EQ(ours({"--sample-index", type, file}).total, theirs.total);
  }
}

TEST(LegacyEmptyStack, EveryReportReadsIt) {
  auto dir = scratch_dir("legacy-empty-reports");
  auto file = write(dir, "empty.heap", kEmptyStack);
  auto later = write(dir, "later.heap", std::string(kEmptyStack) + "4: 4096 [4: 4096] @ 0x401010 0x403030\n");
  const std::vector<std::vector<std::string>> commands = {{"flame", file, "-o", dir + "/f.svg"},
                                                          {"flame", "--base", file, later, "-o", dir + "/d.svg"},
                                                          {"dot", file, "-o", dir + "/g.dot"},
                                                          {"traces", file},
                                                          {"peek", file, "0x"},
                                                          {"diff", file, later},
                                                          {"trend", file, later},
                                                          {"convert", file, "-o", dir + "/c.pb.gz"},
                                                          {"convert", file, "-o", dir + "/c.folded"}};
  for (const auto& cmd : commands) {
    SCOPED_TRACE(cmd[0] + " " + cmd.back());
    std::vector<std::string> argv = {kLeakscope};
    argv.insert(argv.end(), cmd.begin(), cmd.end());
    auto r = run_program(argv);
    EXPECT_TRUE(r.exit_code == 0 || (cmd[0] == "trend" && r.exit_code == 1)) << r.exit_code << r.err;
  }
  // The call graph's total is pprof's (the stackless sample counts), and so is the proto's.
  EXPECT_NE(read_file(dir + "/g.dot").find("of 1.00kB total"), std::string::npos);
  EXPECT_NE(read_file(dir + "/f.svg").find("<title>all (1.00kB, 100.00%)</title>"), std::string::npos)
      << "the flame graph's root is the total, as pprof's";
  EXPECT_EQ(pprofs({dir + "/c.pb.gz"}).total, 1024);
}

TEST(LegacyEmptyStack, RealStacksTotalsMatchPprofAndFunctionsKeepTheirBytes) {
  auto dir = scratch_dir("legacy-real");
  auto file = write(dir, "ka.legacy", legacy_text_of(make_dump(dir, "a"), "heapprofile"));
  for (const char* type : {"inuse_objects", "inuse_space"}) {
    SCOPED_TRACE(type);
    // pprof names a 2-column legacy profile's types objects/space.
    std::string pprof_type = std::string(type) == "inuse_space" ? "space" : "objects";
    auto theirs = pprofs({"-sample_index=" + pprof_type, KNOWN_ALLOCS_BIN, file});
    EXPECT_EQ(ours({"--sample-index", type, "--nodefraction", "0", file}).total, theirs.total);
  }
  auto rows = ours({"--nodefraction", "0", file}).rows;
  ASSERT_TRUE(rows.count("keep_large"));
  EXPECT_EQ(rows["keep_large"].first, 3 * 81920);
}

// pprof's parseHeapHeader: alloc types only when an alloc number is non-zero and differs from inuse.
TEST(LegacyHeader, AllocSampleTypesExactlyWhenPprofHasThem) {
  auto dir = scratch_dir("legacy-header");
  for (const std::string header :
       {"1: 10 [1: 0]", "2: 10 [0: 10]", "1: 10 [1: 10]", "1: 10 [0: 20]", "1: 10 [3: 10]"}) {
    SCOPED_TRACE(header);
    auto file = write(dir, "h.heap", "heap profile: " + header + " @ heapprofile\n" + header + " @ 0x401010\n");
    auto theirs = run_program({"go", "tool", "pprof", "-raw", file});
    if (theirs.exit_code != 0) {  // "allocation count was 0 but allocation bytes was 20": bad input
      EXPECT_EQ(run_program({kLeakscope, "top", file}).exit_code, 2);
      continue;
    }
    bool pprof_alloc = theirs.out.find("alloc_space/bytes") != std::string::npos;
    auto r = run_program({kLeakscope, "top", "--json", "--sample-index", "alloc_space", file});
    EXPECT_EQ(r.exit_code == 0, pprof_alloc) << r.err;
  }
}

TEST(GrowthProfile, TotalsMatchPprofForBothSampleTypes) {
  auto dir = scratch_dir("growthz");
  auto file = write(dir, "ka.growth", legacy_text_of(make_dump(dir, "a"), "growthz"));
  for (const char* type : {"objects", "space"}) {
    SCOPED_TRACE(type);
    auto theirs = pprofs({std::string("-sample_index=") + type, KNOWN_ALLOCS_BIN, file});
    EXPECT_GT(theirs.total, 0);
    EXPECT_EQ(ours({"--sample-index", type, file}).total, theirs.total);
  }
  auto r = run_program({kLeakscope, "top", "--json", file});
  EXPECT_NE(r.out.find("\"sample_type\": \"space\""), std::string::npos) << r.out;  // pprof's default too
  EXPECT_EQ(ours({"--nodefraction", "0", file}).rows["keep_large"].first, 3 * 81920);
}

// Accepted by pprof, but not heap profiles: exit 2 with one line that says what the file is.
TEST(UnsupportedKinds, PprofReadsThemLeakscopeNamesThem) {
  auto dir = scratch_dir("kinds");
  std::string cpu;
  for (uint64_t w : {0, 3, 0, 10000, 0, 1, 1, 0x401000, 0, 1, 0})
    for (int k = 0; k < 8; ++k) cpu.push_back(static_cast<char>(w >> (8 * k)));
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"cpu.prof", cpu, "byte 0: this is a CPU profile (pprof's legacy format); leakscope reads heap profiles only"},
      {"contention.txt",
       "--- contentionz 1 ---\ncycles/second = 3201000000\nsampling period = 100\n"
       "ms since reset = 16502830\ndiscarded samples = 0\n      768        1 @ 0x401010 0x402020\n"
       "--- Memory map: ---\n",
       "line 1: this is a contention profile"},
      {"thread.txt",
       "--- threadz 1 ---\n\n--- Thread 7f794ab90940 (name: main/14748) stack: ---\n  PC:  0x00401010: helper\n"
       "  0x00402020: main\n--- Memory map: ---\n",
       "line 1: this is a thread profile"},
      {"goroutine.txt", "goroutine profile: total 1\n1 @ 0x401010 0x402020\n",
       "line 1: this is a Go goroutine profile"},
  };
  for (const auto& [name, bytes, expected] : cases) {
    SCOPED_TRACE(name);
    auto file = write(dir, name, bytes);
    EXPECT_EQ(run_program({"go", "tool", "pprof", "-raw", file}).exit_code, 0) << "pprof reads it";
    auto r = run_program({kLeakscope, "top", file});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(file + ":" + expected), std::string::npos) << r.err;
  }
}

TEST(JemallocTruncated, CutInsideMappedLibrariesNamesTheLine) {
  auto dir = scratch_dir("cut-maps");
  std::string dump = read_file(make_dump(dir, "a"));
  ASSERT_EQ(dump.back(), '\n');
  std::string cut = dump.substr(0, dump.size() - 10);  // inside the last maps line
  size_t lines = std::count(cut.begin(), cut.end(), '\n') + 1;
  auto file = write(dir, "cut.heap", cut);
  auto r = run_program({kLeakscope, "top", file});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(file + ":line " + std::to_string(lines) + ": incomplete last line in MAPPED_LIBRARIES"),
            std::string::npos)
      << r.err;
}

// A jemalloc dump names its binaries by path only. A --binary-path candidate that is another build
// of the program does not fit the dump's memory map: it is refused with one warning naming it.
TEST(WrongBuild, BinaryThatDoesNotFitTheMemoryMapIsRefusedWithAWarning) {
  auto dir = scratch_dir("wrong-build");
  std::string run_dir = dir + "/run", wrong = dir + "/wrong", right = dir + "/right";
  for (const auto& d : {run_dir, wrong, right}) std::filesystem::create_directories(d);
  // The profiled binary is gone after the run, as on a machine that only has a build directory.
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, run_dir + "/known_allocs");
  std::filesystem::permissions(run_dir + "/known_allocs", std::filesystem::perms::owner_all);
  auto dump = make_dump(dir, "a", run_dir + "/known_allocs");
  std::filesystem::remove(run_dir + "/known_allocs");
  std::filesystem::copy_file(KNOWN_ALLOCS_RELAID_BIN, wrong + "/known_allocs");
  std::filesystem::copy_file(KNOWN_ALLOCS_BIN, right + "/known_allocs");

  auto bad = run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--binary-path", wrong, dump});
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  std::string warning = wrong + "/known_allocs: its executable segments do not match";
  EXPECT_NE(bad.err.find(warning), std::string::npos) << bad.err;
  EXPECT_EQ(bad.err.find(warning), bad.err.rfind(warning)) << "once: " << bad.err;
  auto bad_rows = parse_leakscope_top_json(bad.out).rows;
  EXPECT_FALSE(bad_rows.count("keep_large")) << "nothing charged through the wrong binary";

  auto good = run_program({kLeakscope, "top", "--json", "--nodefraction", "0", "--binary-path", right, dump});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.err.find("do not match"), std::string::npos) << good.err;
  auto rows = parse_leakscope_top_json(good.out).rows;
  ASSERT_TRUE(rows.count("keep_large")) << good.out;
  EXPECT_EQ(rows["keep_large"].first, 3 * 81920);
}

}  // namespace
}  // namespace leakscope::test
