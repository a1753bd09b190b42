#include "analytics/hot_words.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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
  HotWords hot_{segmenter_};

  [[nodiscard]] std::vector<std::string> words(std::size_t k, std::int64_t now) const {
    std::vector<std::string> out;
    for (const auto& h : hot_.top(k, now)) out.push_back(h.word);
    return out;
  }
};

TEST_F(HotWordsTest, MostUsedWordRanksFirst) {
  for (int i = 0; i < 5; ++i) hot_.add_comment("酱油咸不咸", kT0);
  for (int i = 0; i < 2; ++i) hot_.add_comment("大米好吃", kT0);
  auto top = hot_.top(2, kT0);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].word, "酱油");
  EXPECT_DOUBLE_EQ(top[0].score, 5.0);
  EXPECT_EQ(top[0].comments, 5u);
}

TEST_F(HotWordsTest, RecentWordsOutrankOlderOnes) {
  for (int i = 0; i < 8; ++i) hot_.add_comment("酱油咸不咸", kT0);
  for (int i = 0; i < 3; ++i) hot_.add_comment("大米好吃", kT0 + 4 * kMinute);
  // Four half-lives later 8 comments weigh 0.5, less than 3 fresh ones.
  EXPECT_EQ(words(1, kT0 + 4 * kMinute), std::vector<std::string>{"大米"});
  auto top = hot_.top(10, kT0 + 4 * kMinute);
  auto soy = std::find_if(top.begin(), top.end(), [](const HotWord& h) { return h.word == "酱油"; });
  ASSERT_NE(soy, top.end());
  EXPECT_NEAR(soy->score, 0.5, 1e-9);
}

TEST_F(HotWordsTest, StopWordsChatterAndSingleCharactersAreNeverReported) {
  for (const char* c : {"哈哈哈哈哈", "666666", "主播好", "这个是什么", "2333", "👍👍", "买", "大家好"})
    for (int i = 0; i < 10; ++i) hot_.add_comment(c, kT0);
  hot_.add_comment("大米", kT0);
  for (const auto& w : words(10, kT0)) {
    EXPECT_FALSE(HotWords::is_stop_word(w)) << w;
    EXPECT_NE(w, "👍");
  }
  EXPECT_EQ(words(1, kT0), std::vector<std::string>{"大米"});
}

TEST_F(HotWordsTest, AWordCountsOncePerComment) {
  hot_.add_comment("酱油酱油酱油，酱油！", kT0);
  EXPECT_DOUBLE_EQ(hot_.top(1, kT0)[0].score, 1.0);
}

TEST_F(HotWordsTest, WordsAreLinkedToTheProductsTheyName) {
  hot_.set_products({{"soy-low-sodium", "低钠酱油 500ml", {"低钠", "零添加"}}, {"rice", "五常大米 5kg", {"有机"}}});
  hot_.add_comment("低钠酱油还有吗", kT0);
  hot_.add_comment("大米是新米吗", kT0);
  std::map<std::string, std::vector<std::string>> linked;
  for (const auto& h : hot_.top(10, kT0)) linked[h.word] = h.skus;
  ASSERT_TRUE(linked.contains("低钠酱油") && linked.contains("大米") && linked.contains("还有"));
  EXPECT_EQ(linked["低钠酱油"], std::vector<std::string>{"soy-low-sodium"});
  EXPECT_EQ(linked["大米"], std::vector<std::string>{"rice"});
  EXPECT_TRUE(linked["还有"].empty());
}

TEST_F(HotWordsTest, MemoryStaysBoundedAndOldWordsAreForgotten) {
  HotWords hot(segmenter_, HotWordsConfig{60'000, 10 * kMinute, 1'000});
  for (int i = 0; i < 20'000; ++i) hot.add_comment("word" + std::to_string(i), kT0 + i);
  EXPECT_LE(hot.tracked(), 1'000u);
  hot.add_comment("大米", kT0 + 20'000);
  EXPECT_EQ(hot.top(5, kT0 + 20'000 + 11 * kMinute).size(), 0u) << "nothing said for 11 minutes";
}

}  // namespace
}  // namespace analytics
