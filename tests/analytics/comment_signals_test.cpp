#include "analytics/comment_signals.hpp"

#include <gtest/gtest.h>

#include "tests/analytics/test_dictionary.hpp"

namespace analytics {
namespace {

std::vector<std::string> complaints(std::string_view text) {
  WordSegmenter seg(jieba_dictionary());
  std::vector<std::string> out;
  for (auto w : read_signals(text, seg.cut(text)).complaints) out.emplace_back(w);
  return out;
}

std::vector<std::string> questions(std::string_view text) {
  WordSegmenter seg(jieba_dictionary());
  std::vector<std::string> out;
  for (auto w : read_signals(text, seg.cut(text)).questions) out.emplace_back(w);
  return out;
}

using Words = std::vector<std::string>;

TEST(CommentSignalsTest, ComplaintsAreFound) {
  EXPECT_EQ(complaints("太贵了吧"), Words{"太贵"});
  EXPECT_EQ(complaints("有点贵"), Words{"贵"});
  EXPECT_EQ(complaints("好难吃"), Words{"难吃"});
  EXPECT_EQ(complaints("是假货吗"), Words{"假货"});
  EXPECT_EQ(complaints("我要退货"), Words{"退货"});
  EXPECT_EQ(complaints("不好吃"), Words{"不好吃"});
  EXPECT_EQ(complaints("不太新鲜"), Words{"不新鲜"});
}

TEST(CommentSignalsTest, NegatedComplaintsQuestionsAndLookAlikesAreNot) {
  EXPECT_TRUE(complaints("不贵啊").empty());
  EXPECT_TRUE(complaints("一点都不贵").empty());
  EXPECT_TRUE(complaints("贵不贵").empty());
  EXPECT_TRUE(complaints("假期快乐").empty());
  EXPECT_TRUE(complaints("好吃好吃").empty());
  EXPECT_TRUE(complaints("").empty());
}

TEST(CommentSignalsTest, PurchaseQuestionsAreFound) {
  EXPECT_EQ(questions("这个多少钱一瓶"), Words{"多少钱"});
  EXPECT_EQ(questions("怎么买啊，链接在哪"), (Words{"怎么买", "链接"}));
  EXPECT_EQ(questions("什么时候发货"), Words{"发货"});
  EXPECT_EQ(questions("还有吗"), Words{"还有吗"});
  EXPECT_TRUE(questions("酱油看起来不错").empty());
}

TEST(CommentSignalsTest, InvalidUtf8IsReadWithoutHarm) {
  std::string junk = "\xff\xfe贵\xc3";
  WordSegmenter seg(jieba_dictionary());
  auto s = read_signals(junk, seg.cut(junk));
  EXPECT_TRUE(s.questions.empty());
}

}  // namespace
}  // namespace analytics
