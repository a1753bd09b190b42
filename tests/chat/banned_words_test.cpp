#include "chat/banned_words.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chat {
namespace {

BannedWords sample_list() { return BannedWords({"傻逼", "加微信", "fuck", "vx私聊"}); }

TEST(BannedWords, FindsAChineseWordInsideText) {
  EXPECT_EQ(sample_list().find_in("主播你是傻逼吗"), "傻逼");
}

TEST(BannedWords, FindsAnEnglishWordInsideText) {
  EXPECT_EQ(sample_list().find_in("what the fuck is this"), "fuck");
}

TEST(BannedWords, FindsAMixedChineseAndLatinWord) {
  EXPECT_EQ(sample_list().find_in("有优惠 VX私聊 我"), "vx私聊");
}

TEST(BannedWords, MatchesAsciiLettersCaseInsensitively) {
  for (std::string text : {"FUCK", "Fuck", "fUcK"})
    EXPECT_EQ(sample_list().find_in(text), "fuck") << text;
}

TEST(BannedWords, MatchesDespitePunctuationAndSpacesBetweenLetters) {
  for (std::string text : {"F.u c-k", "f u c k", "f_u_c_k!", "f\tu\nc\rk", "加 微 信", "加.微-信"})
    EXPECT_FALSE(sample_list().find_in(text).empty()) << text;
}

TEST(BannedWords, MatchesFullWidthLettersAndCjkPunctuationBetweenCharacters) {
  for (std::string text : {"ｆｕｃｋ", "ＦＵＣＫ", "傻，逼", "傻　逼", "傻。逼", "加…微—信", "傻・逼", "v x私聊"})
    EXPECT_FALSE(sample_list().find_in(text).empty()) << text;
}

TEST(BannedWords, IgnoresSurroundingTabsInWordLists) {
  EXPECT_EQ(parse_word_lines("\t# comment\n\t傻逼\t\n"), (std::vector<std::string>{"傻逼"}));
}

TEST(BannedWords, ReportsTheWordAsConfigured) {
  BannedWords list({"Bad Word"});
  EXPECT_EQ(list.find_in("this is a badword"), "Bad Word");
}

TEST(BannedWords, CleanTextMatchesNothing) {
  EXPECT_TRUE(sample_list().find_in("这个酱油多少钱？ how much is it").empty());
}

TEST(BannedWords, EmptyListMatchesNothing) {
  BannedWords list;
  EXPECT_TRUE(list.empty());
  EXPECT_TRUE(list.find_in("fuck 傻逼").empty());
}

TEST(BannedWords, WordsOfOnlyPunctuationAreDropped) {
  BannedWords list({"...", " ", "", "ok"});
  EXPECT_EQ(list.size(), 1u);
  EXPECT_TRUE(list.find_in("hello, world.").empty());
}

TEST(BannedWords, FoldForMatchingLowercasesAndDropsPunctuation) {
  EXPECT_EQ(fold_for_matching("F.U C-K!"), "fuck");
  EXPECT_EQ(fold_for_matching("傻 逼"), "傻逼");
}

TEST(ParseWordLines, ReadsOneWordPerLine) {
  EXPECT_EQ(parse_word_lines("fuck\n傻逼\n加微信"),
            (std::vector<std::string>{"fuck", "傻逼", "加微信"}));
}

TEST(ParseWordLines, SkipsBlankLinesAndComments) {
  std::string text = "# banned words\n\nfuck\n   \n# 中文\n傻逼\n\n";
  EXPECT_EQ(parse_word_lines(text), (std::vector<std::string>{"fuck", "傻逼"}));
}

TEST(ParseWordLines, TrimsSpacesAndCarriageReturns) {
  EXPECT_EQ(parse_word_lines("  fuck  \r\n傻逼\r\n"), (std::vector<std::string>{"fuck", "傻逼"}));
}

TEST(ParseWordLines, EmptyTextHasNoWords) {
  EXPECT_TRUE(parse_word_lines("").empty());
  EXPECT_TRUE(parse_word_lines("\n\n# only a comment\n").empty());
}

}  // namespace
}  // namespace chat
