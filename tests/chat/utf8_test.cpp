#include "chat/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chat {
namespace {

struct Utf8Case {
  const char* name;
  std::string bytes;
  bool valid;
};
void PrintTo(const Utf8Case& c, std::ostream* os) { *os << testing::PrintToString(c.bytes); }

class Utf8Validity : public testing::TestWithParam<Utf8Case> {};

TEST_P(Utf8Validity, IsValidUtf8ClassifiesTheBytes) {
  const auto& c = GetParam();
  EXPECT_EQ(is_valid_utf8(c.bytes), c.valid);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Utf8Validity,
    testing::Values(Utf8Case{"empty", "", true}, Utf8Case{"ascii", "hello", true},
                    Utf8Case{"chinese", "你好，直播间", true},
                    Utf8Case{"emoji_four_bytes", "\xF0\x9F\x98\x80", true},
                    Utf8Case{"max_code_point", "\xF4\x8F\xBF\xBF", true},
                    Utf8Case{"nul_is_valid_utf8", std::string("a\0b", 3), true},
                    Utf8Case{"overlong_slash_two_bytes", "\xC0\xAF", false},
                    Utf8Case{"overlong_nul", "\xC0\x80", false},
                    Utf8Case{"overlong_three_bytes", "\xE0\x80\xAF", false},
                    Utf8Case{"overlong_four_bytes", "\xF0\x80\x80\xAF", false},
                    Utf8Case{"surrogate_high", "\xED\xA0\x80", false},
                    Utf8Case{"surrogate_low", "\xED\xBF\xBF", false},
                    Utf8Case{"above_max_code_point", "\xF4\x90\x80\x80", false},
                    Utf8Case{"truncated_two_bytes", "\xC3", false},
                    Utf8Case{"truncated_three_bytes", "\xE4\xBD", false},
                    Utf8Case{"truncated_chinese_at_end", std::string("你好").substr(0, 5), false},
                    Utf8Case{"lone_continuation", "\x80", false},
                    Utf8Case{"invalid_byte_ff", "\xFF", false},
                    Utf8Case{"invalid_byte_fe", "a\xFE", false}),
    [](const testing::TestParamInfo<Utf8Case>& info) { return std::string(info.param.name); });

TEST(CodePointCount, CountsAsciiBytes) { EXPECT_EQ(code_point_count("hello"), 5u); }

TEST(CodePointCount, CountsChineseCharactersNotBytes) {
  std::string text = "你好世界";
  ASSERT_EQ(text.size(), 12u);
  EXPECT_EQ(code_point_count(text), 4u);
}

TEST(CodePointCount, CountsMixedText) {
  EXPECT_EQ(code_point_count("a你\xF0\x9F\x98\x80"
                             "b"),
            4u);
}

TEST(CodePointCount, EmptyIsZero) { EXPECT_EQ(code_point_count(""), 0u); }

struct ControlCase {
  const char* name;
  std::string text;
  bool has_control;
};
void PrintTo(const ControlCase& c, std::ostream* os) { *os << testing::PrintToString(c.text); }

class ControlChars : public testing::TestWithParam<ControlCase> {};

TEST_P(ControlChars, HasControlCharsClassifiesTheText) {
  const auto& c = GetParam();
  EXPECT_EQ(has_control_chars(c.text), c.has_control);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ControlChars,
    testing::Values(ControlCase{"plain", "还有货吗？ ok", false},
                    ControlCase{"tab_allowed", "a\tb", false},
                    ControlCase{"newline_allowed", "a\nb", false},
                    ControlCase{"nul", std::string("a\0b", 3), true},
                    ControlCase{"bell", "a\a", true}, ControlCase{"carriage_return", "a\rb", true},
                    ControlCase{"escape",
                                "\x1B"
                                "[31m",
                                true},
                    ControlCase{"unit_separator", "\x1F", true}, ControlCase{"del", "a\x7F", true},
                    ControlCase{"c1_first", "a\xC2\x80", true},
                    ControlCase{"c1_next_line", "\xC2\x85", true},
                    ControlCase{"c1_last", "\xC2\x9F", true},
                    ControlCase{"nbsp_is_not_control",
                                "a\xC2\xA0"
                                "b",
                                false},
                    ControlCase{"copyright_is_not_control", "\xC2\xA9", false}),
    [](const testing::TestParamInfo<ControlCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace chat
