// leakscope flame through the real CLI: boxes, values, merging, pruning, differential colours,
// orientation, hostile names, and bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "leakscope/analyzer/readers.h"
#include "leakscope/analyzer/units.h"
#include "viz_test_support.h"

namespace leakscope::test {
namespace {

class Flame : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = scratch_dir("flame"); }
  std::string in(const std::string& name, const std::string& text) { return write_text(dir_ + "/" + name, text); }
  // Runs flame and returns the SVG text.
  std::string flame(std::vector<std::string> args) {
    std::string out = dir_ + "/out.svg";
    args.insert(args.begin(), {kLeakscope, "flame"});
    args.insert(args.end(), {"-o", out});
    auto r = run_program(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    expect_well_formed_xml(out);
    return read_file(out);
  }
  std::vector<std::string> titles(const std::string& svg) { return all_matches(svg, "<title>([^<]*)</title>"); }
  std::string dir_;
};

TEST_F(Flame, OneBoxPerMergedFrameWithValueAndShare) {
  std::string svg = flame({in("a.folded", "main;a;x 10\nmain;a;y 10\nmain;b 20\nmain;a;x 5\n")});
  auto t = titles(svg);
  // all, main, a, x, y, b: the two main;a;x lines merge into one box.
  EXPECT_EQ(t.size(), 6u) << svg;
  EXPECT_NE(std::find(t.begin(), t.end(), "all (45, 100.00%)"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "x (15, 33.33%)"), t.end());
  EXPECT_NE(std::find(t.begin(), t.end(), "b (20, 44.44%)"), t.end());
  // The script ships inside the file: it works offline and from file://.
  EXPECT_NE(svg.find("function zoom("), std::string::npos);
  EXPECT_NE(svg.find("Matched: "), std::string::npos);
}

TEST_F(Flame, WidthsAreProportionalAndChildrenSitInsideParents) {
  std::string svg = flame({in("w.folded", "main;a 30\nmain;b 10\n"), "--width", "1020"});
  auto widths = all_matches(svg, "width=\"([0-9.]+)\" height=\"15.0\"");
  ASSERT_EQ(widths.size(), 4u);
  // all and main span the 1000 px inside the padding; a is 3/4 of it, b 1/4.
  EXPECT_EQ(widths[0], "1000.00");
  EXPECT_EQ(widths[1], "1000.00");
  EXPECT_EQ(widths[2], "750.00");
  EXPECT_EQ(widths[3], "250.00");
}

TEST_F(Flame, NarrowBoxesAreLeftOutByMinwidth) {
  std::string text = "main;big 100000\n";
  for (int i = 0; i < 200; ++i) text += "main;small" + std::to_string(i) + " 1\n";
  std::string path = in("narrow.folded", text);
  // Each small box is 1/100200 of 1180 px = 0.012 px: below the default 0.1 px, so only all, main, big.
  EXPECT_EQ(titles(flame({path})).size(), 3u);
  EXPECT_EQ(titles(flame({path, "--minwidth", "0"})).size(), 203u);
}

TEST_F(Flame, MinwidthInPercentLeavesOutSmallBoxes) {
  std::string path = in("pct.folded", "main;big 990\nmain;small 10\n");
  EXPECT_EQ(titles(flame({path})).size(), 4u);
  EXPECT_EQ(titles(flame({path, "--minwidth", "2%"})).size(), 3u);  // small is 1% wide
  EXPECT_EQ(titles(flame({path, "--minwidth", "20"})).size(), 3u);  // small is 11.8 px wide
}

TEST_F(Flame, DifferentialFromTwoColumnFoldedColoursGrowthRedAndShrinkBlue) {
  std::string svg = flame({in("d.folded", "main;grew 10 30\nmain;shrank 20 5\nmain;same 7 7\n")});
  EXPECT_NE(svg.find("Differential Flame Graph"), std::string::npos);
  auto box = [&](const std::string& name) {
    size_t at = svg.find("<title>" + name + " (");
    EXPECT_NE(at, std::string::npos) << name;
    size_t fill = svg.find("fill=\"", at);
    return std::make_pair(svg.substr(at, svg.find("</title>", at) - at),
                          svg.substr(fill + 6, svg.find('"', fill + 6) - fill - 6));
  };
  auto [grew_title, grew_fill] = box("grew");
  auto [shrank_title, shrank_fill] = box("shrank");
  auto [same_title, same_fill] = box("same");
  EXPECT_NE(grew_title.find("base 10, new 30, \u0394 +20, +200.00% of its base"), std::string::npos) << grew_title;
  EXPECT_NE(shrank_title.find("\u0394 -15, -75.00% of its base"), std::string::npos) << shrank_title;
  EXPECT_EQ(grew_fill, "rgb(255,0,0)");  // the largest change: full intensity
  EXPECT_EQ(shrank_fill.substr(shrank_fill.size() - 5), ",255)") << shrank_fill;
  EXPECT_EQ(same_fill, "rgb(250,250,250)");
}

TEST_F(Flame, BaseProfileMatchesByNameAndNegateShowsWhatVanished) {
  std::string base = in("base.folded", "main;gone 50\nmain;kept 50\n");
  std::string now = in("now.folded", "main;kept 80\n");
  auto t = titles(flame({now, "--base", base}));
  EXPECT_TRUE(std::none_of(t.begin(), t.end(), [](const std::string& s) { return s.rfind("gone", 0) == 0; }));
  auto negated = titles(flame({now, "--base", base, "--negate"}));
  auto gone =
      std::find_if(negated.begin(), negated.end(), [](const std::string& s) { return s.rfind("gone (", 0) == 0; });
  ASSERT_NE(gone, negated.end());
  EXPECT_NE(gone->find("base 50, new 0"), std::string::npos) << *gone;
}

TEST_F(Flame, ReverseMergesFromTheLeaf) {
  std::string path = in("r.folded", "main;a;malloc_like 10\nmain;b;malloc_like 10\n");
  std::string svg = flame({path, "--reverse"});
  auto t = titles(svg);
  // all, malloc_like (both stacks merge at the leaf), a, b, main under each.
  EXPECT_EQ(t.size(), 6u);
  EXPECT_NE(std::find(t.begin(), t.end(), "malloc_like (20, 100.00%)"), t.end());
}

TEST_F(Flame, InvertedPutsTheRootAtTheTop) {
  std::string path = in("i.folded", "main;a 1\n");
  auto root_y = [&](const std::string& svg) {
    return std::stod(all_matches(svg, "<title>all [^<]*</title><rect x=\"[0-9.]+\" y=\"([0-9.]+)\"")[0]);
  };
  auto leaf_y = [&](const std::string& svg) {
    return std::stod(all_matches(svg, "<title>a [^<]*</title><rect x=\"[0-9.]+\" y=\"([0-9.]+)\"")[0]);
  };
  std::string flame_svg = flame({path}), icicle = flame({path, "--inverted"});
  EXPECT_GT(root_y(flame_svg), leaf_y(flame_svg));
  EXPECT_LT(root_y(icicle), leaf_y(icicle));
}

TEST_F(Flame, HostileNamesComeOutAsText) {
  std::string svg = flame({in("h.folded", "main;<script>alert(1)</script>;a&b\"c 5\n")});
  EXPECT_EQ(svg.find("<script>alert"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(Flame, PalettesAreStablePerFunction) {
  std::string path = in("p.folded", "main;alpha 5\nmain;beta 5\n");
  std::string one = flame({path}), two = flame({path});
  EXPECT_EQ(one, two);
  EXPECT_NE(flame({path, "--colors", "mem"}), one);
}

TEST_F(Flame, RealJemallocDumpNamesTheAllocatingFunctions) {
  std::string dump = dir_ + "/real.heap";
  auto r = run_program({std::string(KNOWN_ALLOCS_BIN), dump, "3"}, {"MALLOC_CONF=prof:true,lg_prof_sample:0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string svg = flame({dump, "--colors", "module"});
  EXPECT_NE(svg.find("<title>keep_small ("), std::string::npos);
  EXPECT_NE(svg.find("<title>keep_large ("), std::string::npos) << "C++ names simplified as pprof does";
  // The subtitle's total is the dump's in-use bytes, summed here from the profile read in process.
  analyzer::Profile p = analyzer::read_profile(dump);
  int inuse = p.sample_index("inuse_space");
  ASSERT_GE(inuse, 0);
  int64_t total = 0;
  for (const auto& sample : p.samples) total += sample.values[inuse];
  ASSERT_GT(total, 3 * 81920) << "keep_large's three blocks and more";
  EXPECT_EQ(all_matches(svg, "<text id=\"subtitle\"[^>]*>([^<]*)</text>"),
            std::vector<std::string>{"inuse_space, total " + analyzer::format_value(total, "bytes")});
}

TEST_F(Flame, BadOptionsAreOneLineAndExitTwo) {
  std::string path = in("ok.folded", "main 1\n");
  const std::vector<std::vector<std::string>> bad_options = {
      {"--colors", "nope"}, {"--minwidth", "abc"}, {"--minwidth", "-1"}, {"--negate"}, {"--width", "5"}};
  for (const auto& option : bad_options) {
    std::vector<std::string> argv = {kLeakscope, "flame", path};
    argv.insert(argv.end(), option.begin(), option.end());
    argv.insert(argv.end(), {"-o", dir_ + "/bad.svg"});
    std::string bad = option[0] + (option.size() > 1 ? " " + option[1] : "");
    auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << bad << ": " << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/bad.svg")) << bad;
  }
  auto r = run_program({kLeakscope, "flame", in("mixed.folded", "a;b 1 2\na;c 3\n"), "-o", dir_ + "/bad.svg"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mixed.folded:line 2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace leakscope::test
