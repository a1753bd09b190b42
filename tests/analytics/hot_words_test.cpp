#include "analytics/hot_words.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>

namespace analytics {
namespace {

const Dictionary& dictionary() {
  static const Dictionary dict = [] {
    std::string error;
    auto d = Dictionary::load(Dictionary::kDebianPath, error);
    if (!d) throw std::runtime_error(error);
    d->add("低钠酱油", 2000);
    return std::move(*d);
  }();
  return dict;
}

constexpr std::int64_t kT0 = 1'767'000'000'000;
constexpr std::int64_t kMinute = 60'000;

class HotWordsTest : public testing::Test {
 protected:
  WordSegmenter segmenter_{dictionary()};
  HotWords hot_;

  [[nodiscard]] std::vector<std::string> words(std::size_t k, std::int64_t now) const {
    std::vector<std::string> out;
    for (const auto& h : hot_.top(k, now)) out.push_back(h.word);
    return out;
  }
};

TEST_F(HotWordsTest, MostUsedWordRanksFirst) {
  for (int i = 0; i < 5; ++i) hot_.add_comment(segmenter_, "酱油咸不咸", kT0);
  for (int i = 0; i < 2; ++i) hot_.add_comment(segmenter_, "大米好吃", kT0);
  auto top = hot_.top(2, kT0);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].word, "酱油");
  EXPECT_DOUBLE_EQ(top[0].score, 5.0);
  EXPECT_EQ(top[0].comments, 5u);
}

TEST_F(HotWordsTest, RecentWordsOutrankOlderOnes) {
  for (int i = 0; i < 8; ++i) hot_.add_comment(segmenter_, "酱油咸不咸", kT0);
  for (int i = 0; i < 3; ++i) hot_.add_comment(segmenter_, "大米好吃", kT0 + 4 * kMinute);
  // Four half-lives later 8 comments weigh 0.5, less than 3 fresh ones.
  EXPECT_EQ(words(1, kT0 + 4 * kMinute), std::vector<std::string>{"大米"});
  auto top = hot_.top(10, kT0 + 4 * kMinute);
  auto soy = std::find_if(top.begin(), top.end(), [](const HotWord& h) { return h.word == "酱油"; });
  ASSERT_NE(soy, top.end());
  EXPECT_NEAR(soy->score, 0.5, 1e-9);
}

TEST_F(HotWordsTest, StopWordsChatterAndSingleCharactersAreNeverReported) {
  for (const char* c : {"哈哈哈哈哈", "666666", "主播好", "这个是什么", "2333", "👍👍", "买", "大家好"})
    for (int i = 0; i < 10; ++i) hot_.add_comment(segmenter_, c, kT0);
  hot_.add_comment(segmenter_, "大米", kT0);
  for (const auto& w : words(10, kT0)) {
    EXPECT_FALSE(HotWords::is_stop_word(w)) << w;
    EXPECT_NE(w, "👍");
  }
  EXPECT_EQ(words(1, kT0), std::vector<std::string>{"大米"});
}

TEST_F(HotWordsTest, AWordCountsOncePerComment) {
  hot_.add_comment(segmenter_, "酱油酱油酱油，酱油！", kT0);
  EXPECT_DOUBLE_EQ(hot_.top(1, kT0)[0].score, 1.0);
}

TEST_F(HotWordsTest, WordsAreLinkedToTheProductsTheyName) {
  hot_.set_products({{"soy-low-sodium", "低钠酱油 500ml", {"低钠", "零添加"}}, {"rice", "五常大米 5kg", {"有机"}}});
  hot_.add_comment(segmenter_, "低钠酱油还有吗", kT0);
  hot_.add_comment(segmenter_, "大米是新米吗", kT0);
  hot_.add_comment(segmenter_, "发货快吗", kT0);
  std::map<std::string, std::vector<std::string>> linked;
  for (const auto& h : hot_.top(10, kT0)) linked[h.word] = h.skus;
  ASSERT_TRUE(linked.contains("低钠酱油") && linked.contains("大米") && linked.contains("发货"));
  EXPECT_EQ(linked["低钠酱油"], std::vector<std::string>{"soy-low-sodium"});
  EXPECT_EQ(linked["大米"], std::vector<std::string>{"rice"});
  EXPECT_TRUE(linked["发货"].empty());
}

TEST_F(HotWordsTest, MemoryStaysBoundedAndOldWordsAreForgotten) {
  HotWords hot(HotWordsConfig{60'000, 10 * kMinute, 1'000});
  for (int i = 0; i < 20'000; ++i) hot.add_comment(segmenter_, "word" + std::to_string(i), kT0 + i);
  EXPECT_LE(hot.tracked(), 1'000u);
  hot.add_comment(segmenter_, "大米", kT0 + 20'000);
  EXPECT_EQ(hot.top(5, kT0 + 20'000 + 11 * kMinute).size(), 0u) << "nothing said for 11 minutes";
}

// tests/data/cooking_show_comments.txt: 560 comments from a cooking show selling 低钠酱油, 梅干菜
// and 五常大米 — 107 written by hand, the rest composed from those products with common
// questions and reactions and the usual chatter (a fixed file, the same every run).
TEST_F(HotWordsTest, KnownHotPhrasesOfACookingShowRankInTheTopTenAndNoStopWordDoes) {
  Dictionary dict = dictionary();
  for (const char* w : {"梅干菜", "五常大米"}) dict.add(w, 2000);
  WordSegmenter segmenter(dict);
  HotWords hot;
  hot.set_products({{"soy", "低钠酱油 500ml", {"低钠"}}, {"mgc", "梅干菜 250g", {}}, {"rice", "五常大米 5kg", {"有机"}}});
  std::ifstream in(std::string(LIVECART_TEST_DATA) + "/cooking_show_comments.txt");
  ASSERT_TRUE(in) << "corpus missing";
  std::int64_t now = kT0;
  std::size_t comments = 0;
  for (std::string line; std::getline(in, line); now += 1'000, ++comments) hot.add_comment(segmenter, line, now);
  ASSERT_GE(comments, 500u);
  auto top = hot.top(10, now);
  std::vector<std::string> words;
  for (const auto& h : top) {
    words.push_back(h.word);
    EXPECT_FALSE(HotWords::is_stop_word(h.word)) << h.word;
  }
  for (const char* phrase : {"低钠酱油", "梅干菜", "五常大米", "发货", "链接"})
    EXPECT_NE(std::find(words.begin(), words.end(), phrase), words.end()) << phrase << " not in the top 10";
  EXPECT_EQ(top[0].word, "低钠酱油") << "the most talked-about product";
  EXPECT_EQ(top[0].skus, std::vector<std::string>{"soy"});
}

}  // namespace
}  // namespace analytics
