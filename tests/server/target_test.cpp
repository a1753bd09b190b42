#include "server/target.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace server {
namespace {

using Segments = std::vector<std::string>;

TEST(ParseTarget, SplitsThePathIntoSegments) {
  auto t = parse_target("/api/rooms/soy-sauce/close");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/api/rooms/soy-sauce/close");
  EXPECT_EQ(t->segments, (Segments{"api", "rooms", "soy-sauce", "close"}));
  EXPECT_TRUE(t->query.empty());
}

TEST(ParseTarget, EncodedSlashStaysInsideItsSegment) {
  auto t = parse_target("/api/rooms/x%2Fclose");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->segments, (Segments{"api", "rooms", "x/close"}));
}

TEST(ParseTarget, RootHasNoSegments) {
  auto t = parse_target("/");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/");
  EXPECT_TRUE(t->segments.empty());
}

TEST(ParseTarget, DropsEmptySegments) {
  auto t = parse_target("//api///rooms/");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->segments, (Segments{"api", "rooms"}));
}

TEST(ParseTarget, PercentDecodesThePath) {
  auto t = parse_target("/files/%E9%85%B1%E6%B2%B9%20list.txt");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/files/酱油 list.txt");
  EXPECT_EQ(t->segments, (Segments{"files", "酱油 list.txt"}));
}

TEST(ParseTarget, KeepsPlusInThePath) {
  auto t = parse_target("/a+b");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->path, "/a+b");
}

TEST(ParseTarget, DecodesAChineseNickInTheQuery) {
  auto t = parse_target("/ws/rooms/soy?nick=%E5%B0%8F%E7%8E%8B&token=abc.def");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->segments, (Segments{"ws", "rooms", "soy"}));
  EXPECT_EQ(t->query.at("nick"), "小王");
  EXPECT_EQ(t->query.at("token"), "abc.def");
}

TEST(ParseTarget, DecodesPlusAsSpaceInTheQuery) {
  auto t = parse_target("/s?q=low+salt&k%2Bx=1%2B1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("q"), "low salt");
  EXPECT_EQ(t->query.at("k+x"), "1+1");
}

TEST(ParseTarget, QueryKeyWithoutValueIsEmpty) {
  auto t = parse_target("/s?flag&x=");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("flag"), "");
  EXPECT_EQ(t->query.at("x"), "");
}

TEST(ParseTarget, SkipsEmptyQueryPairs) {
  auto t = parse_target("/s?&&a=1&&");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.size(), 1u);
  EXPECT_EQ(t->query.at("a"), "1");
}

TEST(ParseTarget, DuplicateQueryKeysKeepTheFirst) {
  auto t = parse_target("/s?token=first&token=second");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("token"), "first");
}

TEST(ParseTarget, ValueMayHoldEqualsSigns) {
  auto t = parse_target("/s?token=abc==");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("token"), "abc==");
}

TEST(ParseTarget, DropsAFragment) {
  auto t = parse_target("/s?a=1#frag");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->query.at("a"), "1");
}

struct BadTarget {
  const char* name;
  std::string target;
};
void PrintTo(const BadTarget& c, std::ostream* os) { *os << testing::PrintToString(c.target); }

class ParseTargetBadInput : public testing::TestWithParam<BadTarget> {};

TEST_P(ParseTargetBadInput, IsRefused) {
  EXPECT_FALSE(parse_target(GetParam().target).has_value());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseTargetBadInput,
    testing::Values(BadTarget{"empty", ""}, BadTarget{"relative", "api/rooms"},
                    BadTarget{"absolute_form", "http://example.com/api"},
                    BadTarget{"asterisk", "*"}, BadTarget{"query_only", "?a=1"},
                    BadTarget{"path_lone_percent", "/a%"}, BadTarget{"path_one_hex_digit", "/a%4"},
                    BadTarget{"path_non_hex", "/a%zz"}, BadTarget{"path_half_hex", "/a%4g/b"},
                    BadTarget{"query_lone_percent", "/a?x=%"},
                    BadTarget{"query_one_hex_digit", "/a?x=%4"},
                    BadTarget{"query_non_hex", "/a?x=%zz"}, BadTarget{"query_key_bad", "/a?%zz=1"},
                    BadTarget{"encoded_nul_in_path", "/a%00b"},
                    BadTarget{"raw_nul_in_path", std::string("/a\0b", 4)}),
    [](const testing::TestParamInfo<BadTarget>& info) { return std::string(info.param.name); });

TEST(PercentDecode, DecodesUpperAndLowerCaseHex) {
  EXPECT_EQ(percent_decode("%e4%BD%a0", false), "你");
}

TEST(PercentDecode, DecodesAnEscapeAtTheVeryEnd) { EXPECT_EQ(percent_decode("a%41", false), "aA"); }

TEST(PercentDecode, PlusIsSpaceOnlyWhenAsked) {
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
}

}  // namespace
}  // namespace server
