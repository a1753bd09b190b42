#include "analytics/word_segmenter.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace analytics {
namespace {

using Words = std::vector<std::string>;

// jieba's dictionary, as installed by scripts/install-deps.sh (python3-jieba); loaded once.
const Dictionary& jieba() {
  static const Dictionary dict = [] {
    std::string error;
    auto d = Dictionary::load(Dictionary::kDebianPath, error);
    if (!d) throw std::runtime_error(error);
    return std::move(*d);
  }();
  return dict;
}

TEST(DictionaryTest, LoadsJiebasDictionary) {
  EXPECT_GT(jieba().size(), 300'000u);
  EXPECT_GT(jieba().frequency("北京"), 0);
  EXPECT_EQ(jieba().frequency("低钠酱油"), 0);
}

TEST(DictionaryTest, MissingOrMalformedFileIsAnError) {
  std::string error;
  EXPECT_FALSE(Dictionary::load("/nonexistent/dict.txt", error));
  EXPECT_NE(error.find("cannot read"), std::string::npos);
  auto path = std::filesystem::temp_directory_path() / "livecart_bad_dict.txt";
  std::ofstream(path) << "北京 12 ns\n天安门 notanumber\n";
  EXPECT_FALSE(Dictionary::load(path.string(), error));
  EXPECT_NE(error.find(":2:"), std::string::npos) << error;
  std::filesystem::remove(path);
}

TEST(WordSegmenterTest, CutsAClassicSentenceLikeJieba) {
  WordSegmenter seg(jieba());
  EXPECT_EQ(seg.cut("我来到北京清华大学"), (Words{"我", "来到", "北京", "清华大学"}));
  EXPECT_EQ(seg.cut("我爱北京天安门"), (Words{"我", "爱", "北京", "天安门"}));
}

// What jieba 0.42.1 itself gives, `jieba.lcut(text, HMM=False)` (the same dictionary, no HMM),
// recorded from Debian's python3-jieba; punctuation dropped, Latin lower-cased as ours is.
TEST(WordSegmenterTest, MatchesJiebaWithoutHmmOnCookingShowComments) {
  WordSegmenter seg(jieba());
  const std::vector<std::pair<std::string, Words>> reference{
      {"这个低钠酱油多少钱", {"这个", "低", "钠", "酱油", "多少", "钱"}},
      {"主播这个酱油多少钱一瓶", {"主", "播", "这个", "酱油", "多少", "钱", "一瓶"}},
      {"五常大米怎么买", {"五常", "大米", "怎么", "买"}},
      {"还有货吗什么时候发货", {"还有", "货", "吗", "什么", "时候", "发货"}},
      {"链接在哪里", {"链接", "在", "哪里"}},
      {"太贵了吧", {"太贵", "了", "吧"}},
  };
  for (const auto& [text, words] : reference) EXPECT_EQ(seg.cut(text), words) << text;
}

TEST(WordSegmenterTest, RoomWordsAddedToTheDictionaryStayWhole) {
  Dictionary dict = jieba();
  WordSegmenter before(dict);
  auto plain = before.cut("这个低钠酱油多少钱");
  EXPECT_EQ(std::count(plain.begin(), plain.end(), "低钠酱油"), 0);
  dict.add("低钠酱油", 2000);
  WordSegmenter after(dict);
  auto words = after.cut("这个低钠酱油多少钱");
  EXPECT_NE(std::find(words.begin(), words.end(), "低钠酱油"), words.end());
  EXPECT_NE(std::find(words.begin(), words.end(), "多少"), words.end());
}

TEST(WordSegmenterTest, LatinWordsAndNumbersAreTokensLowerCased) {
  WordSegmenter seg(jieba());
  EXPECT_EQ(seg.cut("OBS推流卡了"), (Words{"obs", "推", "流", "卡", "了"}));
  EXPECT_EQ(seg.cut("买2袋"), (Words{"买", "2", "袋"}));
  EXPECT_EQ(seg.cut("ＶＩＰ价"), (Words{"vip", "价"})) << "full-width letters";
}

TEST(WordSegmenterTest, RepeatedRunsAreFolded) {
  WordSegmenter seg(jieba());
  EXPECT_EQ(seg.cut("哈哈哈哈哈哈"), (Words{"哈哈"}));
  EXPECT_EQ(seg.cut("666666"), (Words{"666"}));
  EXPECT_EQ(seg.cut("2333333"), (Words{"2333"}));
  EXPECT_EQ(seg.cut("哈哈哈哈"), seg.cut("哈哈哈哈哈哈哈哈哈哈"));
}

TEST(WordSegmenterTest, EmojiAreTokensAndPunctuationSplits) {
  WordSegmenter seg(jieba());
  EXPECT_EQ(seg.cut("👍👍👍好吃！"), (Words{"👍", "好吃"}));
  EXPECT_EQ(seg.cut("好吃，真香"), (Words{"好吃", "真", "香"}));
  EXPECT_TRUE(seg.cut("，。！？  ...").empty());
}

TEST(WordSegmenterTest, InvalidUtf8IsSkippedNotFatal) {
  WordSegmenter seg(jieba());
  EXPECT_EQ(seg.cut("好吃\xff\xfe真香"), (Words{"好吃", "真", "香"}));
  EXPECT_EQ(seg.cut(std::string("\xe5\xa5", 2)), Words{}) << "a truncated character";
  EXPECT_TRUE(seg.cut("").empty());
}

}  // namespace
}  // namespace analytics
