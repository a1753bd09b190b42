#include "analytics/word_segmenter.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/analytics/test_dictionary.hpp"

namespace analytics {
namespace {

using Words = std::vector<std::string>;

// jieba's dictionary, as installed by scripts/install-deps.sh (python3-jieba); loaded once.
const Dictionary& jieba() { return jieba_dictionary(); }

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

bool contains(const Words& words, const std::string& word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

TEST(DictionaryTest, StartsEmpty) {
  Dictionary room;
  EXPECT_EQ(room.size(), 0u);
  EXPECT_EQ(room.total(), 0);
  EXPECT_EQ(room.frequency("北京"), 0);
  room.add("梅干菜扣肉", 2000);
  EXPECT_EQ(room.frequency("梅干菜扣肉"), 2000);
  EXPECT_EQ(room.max_chars(), 5u);
}

TEST(DictionaryTest, EveryWordAddedOneByOneIsFoundAsItGrows) {
  Dictionary d;
  std::int64_t total = 0;
  for (int i = 1; i <= 20'000; ++i) {
    d.add("词" + std::to_string(i), i);
    total += i;
  }
  d.add("词7", 3);   // lower: stays 7
  d.add("词9", 90);  // higher: raised
  total += 90 - 9;
  EXPECT_EQ(d.size(), 20'000u);
  EXPECT_EQ(d.total(), total);
  for (int i = 1; i <= 20'000; ++i) {
    ASSERT_EQ(d.frequency("词" + std::to_string(i)), i == 9 ? 90 : i) << i;
  }
  EXPECT_EQ(d.frequency("词"), 0) << "the beginning of words, not a word";
  EXPECT_EQ(d.frequency("词20001"), 0);
}

TEST(DictionaryTest, EmptyNegativeAndOverlongWordsAreIgnored) {
  Dictionary d;
  d.add("", 5);
  d.add("酱油", -1);
  d.add(std::string(Dictionary::kMaxWordBytes + 1, 'a'), 5);
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.total(), 0);
  d.add(std::string(Dictionary::kMaxWordBytes, 'a'), 5);
  EXPECT_EQ(d.frequency(std::string(Dictionary::kMaxWordBytes, 'a')), 5);
}

TEST(WordSegmenterTest, RoomWordsLaidOverTheBaseStayWhole) {
  Dictionary room;
  room.add("梅干菜扣肉", 2000);
  room.add("低钠酱油", 2000);
  WordSegmenter plain(jieba());
  WordSegmenter with_room(jieba(), &room);
  EXPECT_FALSE(contains(plain.cut("梅干菜扣肉看起来太香了"), "梅干菜扣肉"));
  auto words = with_room.cut("梅干菜扣肉看起来太香了");
  EXPECT_TRUE(contains(words, "梅干菜扣肉"));
  EXPECT_TRUE(contains(words, "看起来"));
  EXPECT_EQ(with_room.cut("这个低钠酱油多少钱"), (Words{"这个", "低钠酱油", "多少", "钱"}));
}

TEST(WordSegmenterTest, RoomWordsLeaveTheSharedDictionaryAndOtherRoomsUntouched) {
  const std::size_t size = jieba().size();
  const std::int64_t total = jieba().total();
  Dictionary soy_room, pork_room;
  soy_room.add("低钠酱油", 2000);
  pork_room.add("梅干菜扣肉", 2000);
  WordSegmenter soy(jieba(), &soy_room), pork(jieba(), &pork_room);
  const std::string text = "低钠酱油烧梅干菜扣肉";
  EXPECT_TRUE(contains(soy.cut(text), "低钠酱油"));
  EXPECT_FALSE(contains(soy.cut(text), "梅干菜扣肉"));
  EXPECT_TRUE(contains(pork.cut(text), "梅干菜扣肉"));
  EXPECT_FALSE(contains(pork.cut(text), "低钠酱油"));
  EXPECT_EQ(WordSegmenter(jieba()).cut(text), WordSegmenter(jieba(), nullptr).cut(text));
  EXPECT_FALSE(contains(WordSegmenter(jieba()).cut(text), "低钠酱油"));
  EXPECT_EQ(jieba().frequency("低钠酱油"), 0);
  EXPECT_EQ(jieba().frequency("梅干菜扣肉"), 0);
  EXPECT_EQ(jieba().size(), size);
  EXPECT_EQ(jieba().total(), total);
}

// The overlay must give exactly what adding the room's words to a copy of the base gives
// (the higher frequency wins; the total grows by what a word gains), on a whole show's comments.
TEST(WordSegmenterTest, RoomWordsCutLikeAMergedCopyOfTheBase) {
  Dictionary room;
  room.add("低钠酱油", 2000);
  room.add("梅干菜", 2000);
  room.add("五常大米", 2000);
  room.add("酱油", 1);             // lower than the base's: the base's stands
  room.add("大米", 5'000'000);     // higher: the room's wins
  room.add("梅干菜扣肉烧饼", 10);  // longer than any room word above
  Dictionary merged = jieba();
  for (const char* w : {"低钠酱油", "梅干菜", "五常大米", "酱油", "大米", "梅干菜扣肉烧饼"})
    merged.add(w, room.frequency(w));
  WordSegmenter overlay(jieba(), &room), copy(merged);
  std::ifstream in(std::string(LIVECART_TEST_DATA) + "/cooking_show_comments.txt");
  ASSERT_TRUE(in) << "corpus missing";
  std::size_t comments = 0;
  for (std::string line; std::getline(in, line); ++comments)
    ASSERT_EQ(overlay.cut(line), copy.cut(line)) << line;
  EXPECT_GE(comments, 500u);
}

TEST(WordSegmenterTest, AnEmptyRoomCutsLikeTheBase) {
  Dictionary room;
  WordSegmenter plain(jieba()), with_room(jieba(), &room);
  for (const char* text : {"我来到北京清华大学", "主播这个酱油多少钱一瓶", "OBS推流卡了666666"})
    EXPECT_EQ(with_room.cut(text), plain.cut(text)) << text;
}

// Many rooms segment at once on the analytics threads, all over the one shared dictionary.
TEST(WordSegmenterTest, RoomsOnManyThreadsShareTheBase) {
  const std::vector<std::string> products{"低钠酱油", "梅干菜扣肉", "五常大米", "绍兴黄酒"};
  std::vector<std::thread> threads;
  std::vector<int> whole(products.size(), 0);
  for (std::size_t i = 0; i < products.size(); ++i)
    threads.emplace_back([&, i] {
      Dictionary room;
      room.add(products[i], 2000);
      WordSegmenter seg(jieba(), &room);
      for (int n = 0; n < 200; ++n)
        for (const auto& p : products) whole[i] += contains(seg.cut("这个" + p + "多少钱"), p);
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < products.size(); ++i)
    EXPECT_EQ(whole[i], 200) << products[i] << ": only its own room's word";
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
