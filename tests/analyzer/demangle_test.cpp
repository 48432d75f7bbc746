#include "leakscope/analyzer/demangle.h"

#include <gtest/gtest.h>

namespace leakscope::analyzer {
namespace {

TEST(Demangle, DemanglesCxxAndLeavesCAlone) {
  EXPECT_EQ(demangle("_Z4growi"), "grow(int)");
  EXPECT_EQ(demangle("malloc"), "malloc");
  EXPECT_EQ(demangle("_Znotvalid"), "_Znotvalid");
}

TEST(Simplify, DropsParametersTemplatesAndReturnTypes) {
  EXPECT_EQ(simplify_name("grow(int)"), "grow");
  EXPECT_EQ(simplify_name("void std::vector<int, std::allocator<int> >::_M_realloc_insert<int const&>("
                          "__gnu_cxx::__normal_iterator<int*, std::vector<int, std::allocator<int> > >, int const&)"),
            "std::vector::_M_realloc_insert");
  EXPECT_EQ(simplify_name("relay::Consumer::recv_content(amqp_envelope_t const&) const"),
            "relay::Consumer::recv_content");
  EXPECT_EQ(simplify_name("(anonymous namespace)::helper(int)"), "(anonymous namespace)::helper");
}

TEST(Simplify, KeepsOperatorNames) {
  EXPECT_EQ(simplify_name("operator new(unsigned long)"), "operator new");
  EXPECT_EQ(simplify_name("operator new[](unsigned long)"), "operator new[]");
  EXPECT_EQ(simplify_name("Foo::operator()(int) const"), "Foo::operator()");
  EXPECT_EQ(simplify_name("std::ostream::operator<<(int)"), "std::ostream::operator<<");
  EXPECT_EQ(simplify_name("bool operator< <int>(Foo<int> const&, Foo<int> const&)"), "operator<");
}

TEST(Simplify, KeepsLambdaNames) {
  EXPECT_EQ(simplify_name("main::{lambda(int)#1}::operator()(int) const"), "main::{lambda(int)#1}::operator()");
}

}  // namespace
}  // namespace leakscope::analyzer
