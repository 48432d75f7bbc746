// Every class of bad input gets exactly one clear stderr line naming the file and position,
// exit code 2, and no output on stdout: never a crash, a hang or partial output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "leakscope/analyzer/input_bytes.h"
#include "run_command.h"

namespace leakscope::test {

using analyzer::gunzip;
using analyzer::gzip;

namespace {

const std::string kLeakscope = LEAKSCOPE_BIN;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = scratch_dir("bad"); }

  std::string write(const std::string& name, const std::string& bytes) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // A real dump, and its gzipped profile.proto conversion.
  std::string real_dump() {
    std::string path = dir_ + "/real.heap";
    auto r = run_program({std::string(KNOWN_ALLOCS_BIN), path, "3"}, {"MALLOC_CONF=prof:true,lg_prof_sample:0"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(path);
  }
  std::string real_proto_gz() {
    real_dump();
    auto r = run_program({kLeakscope, "convert", dir_ + "/real.heap", "-o", dir_ + "/real.pb.gz"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_file(dir_ + "/real.pb.gz");
  }

  // Runs `top` and checks the contract; returns the error line.
  std::string expect_rejected(const std::string& path, const std::vector<std::string>& env = {},
                              const std::string& command = "top") {
    auto r = run_program({kLeakscope, command, path}, env);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_EQ(r.out, "") << "no partial output";
    EXPECT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << "names the file: " << r.err;
    return r.err;
  }

  std::string dir_;
};

// Bad usage points at the help that lists the flags: the subcommand's own, or leakscope's without one.
TEST_F(BadInput, UnknownFlagPointsAtTheSubcommandsHelp) {
  for (auto [args, help] : {std::pair<std::string, std::string>{"top --no-such-flag x", "(see leakscope top --help)"},
                            {"trend --no-such-flag x y", "(see leakscope trend --help)"},
                            {"--no-such-flag", "(see leakscope --help)"}}) {
    auto r = run_command(kLeakscope + " " + args);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(help), std::string::npos) << r.err;
  }
}

TEST_F(BadInput, EmptyFile) { EXPECT_NE(expect_rejected(write("empty", "")).find("empty file"), std::string::npos); }

TEST_F(BadInput, MissingFileAndDirectory) {
  EXPECT_NE(expect_rejected(dir_ + "/does-not-exist").find("cannot open"), std::string::npos);
  EXPECT_NE(expect_rejected(dir_).find(dir_ + ": is a directory, expected a heap profile file"), std::string::npos);
}

TEST_F(BadInput, JemallocDumpTruncatedBeforeMappings) {
  std::string dump = real_dump();
  auto err = expect_rejected(write("trunc.heap", dump.substr(0, dump.find("MAPPED_LIBRARIES:"))));
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  EXPECT_NE(err.find(":line "), std::string::npos) << err;
}

TEST_F(BadInput, JemallocDumpTruncatedMidLine) {
  std::string dump = real_dump();
  size_t at = dump.find("  t*:", dump.find('@'));
  auto err = expect_rejected(write("midline.heap", dump.substr(0, at + 9)));
  EXPECT_NE(err.find(":line "), std::string::npos) << err;
}

TEST_F(BadInput, RandomBytes) {
  std::string bytes;
  uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1664525 + 1013904223;
    bytes.push_back(static_cast<char>(x >> 24));
  }
  auto err = expect_rejected(write("random.bin", bytes));
  EXPECT_NE(err.find("byte"), std::string::npos) << err;
}

TEST_F(BadInput, WrongFormatBinary) {
  auto err = expect_rejected(KNOWN_ALLOCS_BIN);  // an ELF executable
  EXPECT_NE(err.find("profile"), std::string::npos) << err;
}

TEST_F(BadInput, WrongFormatText) {
  auto err = expect_rejected(write("config.json", "{\"not\": \"a profile\"}\n"));
  EXPECT_NE(err.find("line 1: not a recognized profile"), std::string::npos) << err;
}

TEST_F(BadInput, OverflowingNumber) {
  auto err =
      expect_rejected(write("overflow.heap", "heap_v2/1\n  t*: 99999999999999999999: 1 [0: 0]\nMAPPED_LIBRARIES:\n"));
  EXPECT_NE(err.find("line 2"), std::string::npos) << err;
  EXPECT_NE(err.find("out of range"), std::string::npos) << err;
}

TEST_F(BadInput, MalformedHexAddress) {
  auto err = expect_rejected(
      write("hex.heap", "heap_v2/1\n  t*: 1: 8 [0: 0]\n@ 0x4010 0x40zz\n  t*: 1: 8 [0: 0]\nMAPPED_LIBRARIES:\n"));
  EXPECT_NE(err.find("line 3: expected stack address (hex)"), std::string::npos) << err;
}

TEST_F(BadInput, AddressTooWide) {
  auto err = expect_rejected(write(
      "wide.heap", "heap_v2/1\n  t*: 1: 8 [0: 0]\n@ 0x1234567890abcdef12\n  t*: 1: 8 [0: 0]\nMAPPED_LIBRARIES:\n"));
  EXPECT_NE(err.find("line 3"), std::string::npos) << err;
}

TEST_F(BadInput, BrokenGzip) {
  std::string gz = real_proto_gz();
  for (size_t i = 20; i < 60; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  auto err = expect_rejected(write("broken.pb.gz", gz));
  EXPECT_NE(err.find("gzip"), std::string::npos) << err;
  EXPECT_NE(err.find("byte"), std::string::npos) << err;
}

TEST_F(BadInput, TruncatedGzip) {
  std::string gz = real_proto_gz();
  auto err = expect_rejected(write("trunc.pb.gz", gz.substr(0, gz.size() / 2)));
  EXPECT_NE(err.find("truncated gzip"), std::string::npos) << err;
}

TEST_F(BadInput, GzipBombOverTheLimit) {
  std::string bomb = gzip(std::string(64 << 20, '\0'));  // 64 MiB of zeros in ~64 KiB
  ASSERT_LT(bomb.size(), 1u << 20);
  auto err = expect_rejected(write("bomb.gz", bomb), {"LEAKSCOPE_MAX_INPUT_BYTES=1048576"});
  EXPECT_NE(err.find("limit"), std::string::npos) << err;
}

TEST_F(BadInput, TruncatedProto) {
  std::string raw = gunzip(real_proto_gz(), "x", 1 << 30);
  auto err = expect_rejected(write("trunc.pb", raw.substr(0, raw.size() - 7)));
  EXPECT_NE(err.find("byte"), std::string::npos) << err;
}

TEST_F(BadInput, BadFoldedLines) {
  auto err = expect_rejected(write("a.folded", "main;a 1\nmain;b notanumber\n"));
  EXPECT_NE(err.find("line 2: expected a count"), std::string::npos) << err;
  err = expect_rejected(write("b.folded", "main;a 1\nmain;;b 3\n"));
  EXPECT_NE(err.find("line 2: empty frame"), std::string::npos) << err;
  err = expect_rejected(write("c.folded", "main;a 1\nmain;b -5\n"));
  EXPECT_NE(err.find("line 2"), std::string::npos) << err;
  err = expect_rejected(write("d.folded", "main;a 1\nmain;b 1e300\n"));
  EXPECT_NE(err.find("line 2"), std::string::npos) << err;
}

TEST_F(BadInput, LegacyHeaderWithoutPeriodKind) {
  auto err = expect_rejected(write("legacy.txt", "heap profile: 1: 2 [3: 4] @ cpu/100\n"));
  EXPECT_NE(err.find("line 1"), std::string::npos) << err;
}

TEST_F(BadInput, UnknownSampleTypeAndBadRegexAreUsageErrors) {
  real_dump();
  auto r = run_program({kLeakscope, "top", "--sample-index", "cpu", dir_ + "/real.heap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no sample type 'cpu'"), std::string::npos) << r.err;
  r = run_program({kLeakscope, "top", "--focus", "(", dir_ + "/real.heap"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "leakscope: --focus: invalid pattern \"(\": missing ): (\n");
  for (const char* option : {"--ignore", "--hide"}) {
    r = run_program({kLeakscope, "flame", option, "a**", dir_ + "/real.heap", "-o", dir_ + "/bad.svg"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, std::string("leakscope: ") + option + ": invalid pattern \"a**\": bad repetition operator: **\n");
  }
}

// A pattern that takes a backtracking engine (std::regex) exponential time: linear in RE2.
TEST_F(BadInput, PathologicalFocusPatternFinishes) {
  real_dump();
  auto r = run_program({kLeakscope, "top", "--json", "--focus", "(.*.*)*[^\\s\\s]^", dir_ + "/real.heap"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"total\": 0"), std::string::npos) << r.out;  // `^` after a character matches nothing
}

TEST_F(BadInput, BadUsage) {
  const std::vector<std::vector<std::string>> usages = {{},
                                                        {"nosuchcommand"},
                                                        {"top"},
                                                        {"diff", "onlyone"},
                                                        {"convert", "x.heap"},
                                                        {"top", "--granularity", "bogus", "x"}};
  for (const auto& args : usages) {
    std::vector<std::string> argv = {kLeakscope};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_program(argv);
    std::string usage;
    for (const auto& word : args) usage += word + " ";
    EXPECT_EQ(r.exit_code, 2) << usage << ": " << r.err;
    EXPECT_EQ(r.out, "") << usage;
  }
}

TEST_F(BadInput, HelpOnEveryCommandExitsZero) {
  for (const std::string cmd : {"", "top", "diff", "convert"}) {
    auto r = run_program(cmd.empty() ? std::vector<std::string>{kLeakscope, "--help"}
                                     : std::vector<std::string>{kLeakscope, cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << cmd << r.out;
  }
}

TEST_F(BadInput, ConvertLeavesNoPartialOutput) {
  std::string out = dir_ + "/out.pb.gz";
  auto r = run_program({kLeakscope, "convert", write("x.folded", "a;b 1\nbroken\n"), "-o", out});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace leakscope::test
