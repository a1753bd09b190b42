#include "analytics/suggestions.hpp"

#include <gtest/gtest.h>

#include <map>

namespace analytics {
namespace {

constexpr std::int64_t kT0 = 1'767'000'000'000;
constexpr auto kFive = static_cast<std::size_t>(Window::last_5_minutes);

ProductReport product(std::string sku, std::string title, std::int64_t impressions, std::int64_t clicks,
                      std::int64_t orders) {
  ProductReport p;
  p.sku = std::move(sku);
  p.title = std::move(title);
  p.price_cents = 1990;
  p.stock = 100;
  p.peak_stock = 100;
  p.counts[kFive] = {impressions, clicks, orders, orders * 1990};
  return p;
}

std::vector<std::string> rules(const std::vector<Suggestion>& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(s.key);
  return out;
}

using Keys = std::vector<std::string>;

TEST(WilsonIntervalTest, MatchesKnownValues) {
  auto i = wilson_interval(0, 30);
  EXPECT_NEAR(i.low, 0.0, 1e-9);
  EXPECT_NEAR(i.high, 0.1135, 1e-3);
  auto j = wilson_interval(15, 50);
  EXPECT_NEAR(j.low, 0.1910, 1e-3);
  EXPECT_NEAR(j.high, 0.4375, 1e-3);
  auto none = wilson_interval(0, 0);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_EQ(none.high, 1.0);
}

TEST(SuggestionRulesTest, ManyClicksFewOrdersAgainstTheRoomsMedianSuggestsATrialPack) {
  Snapshot s;
  s.products = {product("soy", "低钠酱油 500ml", 200, 60, 1), product("rice", "五常大米 5kg", 200, 30, 9),
                product("oats", "无糖燕麦片", 200, 25, 8)};
  auto out = evaluate_rules(s);
  ASSERT_EQ(rules(out), Keys{"low_conversion:soy"});
  const auto& e = out[0].evidence;
  EXPECT_EQ(e.at("clicks").as_int64(), 60);
  EXPECT_EQ(e.at("orders").as_int64(), 1);
  EXPECT_LT(e.at("cvr_upper_95").as_double(), 0.5 * e.at("median_cvr").as_double());
  EXPECT_EQ(out[0].severity, Severity::warning);
  EXPECT_NE(out[0].message.find("试用装"), std::string::npos);
}

TEST(SuggestionRulesTest, AHandfulOfClicksIsNotEnoughToJudgeConversion) {
  Snapshot s;
  // 0 orders from 8 clicks could be chance: too few clicks to judge.
  s.products = {product("soy", "低钠酱油", 40, 8, 0), product("rice", "五常大米", 200, 30, 9),
                product("oats", "燕麦", 200, 25, 8)};
  EXPECT_TRUE(evaluate_rules(s).empty());
  // Enough clicks but a conversion the interval cannot tell apart from the median's half.
  s.products[0] = product("soy", "低钠酱油", 200, 60, 8);
  EXPECT_TRUE(evaluate_rules(s).empty());
}

TEST(SuggestionRulesTest, AHotWordNamingAProductThatIsNotPinnedSuggestsPinningIt) {
  Snapshot s;
  s.pinned_sku = "soy";
  s.products = {product("soy", "低钠酱油", 0, 0, 0), product("mgc", "梅干菜 250g", 0, 0, 0)};
  s.hot_words = {{"发货", 9, 9, {}}, {"梅干菜", 7.5, 8, {"mgc"}}};
  auto out = evaluate_rules(s);
  ASSERT_EQ(rules(out), Keys{"pin_hot_product:mgc"});
  EXPECT_EQ(out[0].evidence.at("word").as_string(), "梅干菜");
  EXPECT_EQ(out[0].sku, "mgc");

  s.pinned_sku = "mgc";  // already pinned: nothing to say
  EXPECT_TRUE(evaluate_rules(s).empty());
  s.pinned_sku = "soy";
  s.hot_words[1].score = 2;  // mentioned, not hot
  EXPECT_TRUE(evaluate_rules(s).empty());
}

TEST(SuggestionRulesTest, RisingPurchaseQuestionsSuggestAnsweringThePriceAndShowingTheLink) {
  Snapshot s;
  s.pinned_sku = "soy";
  s.products = {product("soy", "低钠酱油 500ml", 0, 0, 0)};
  s.signals.questions_last_minute = 8;
  s.signals.questions_previous_minute = 2;
  s.signals.question_phrases = {{"多少钱", 5}, {"链接", 3}};
  auto out = evaluate_rules(s);
  ASSERT_EQ(rules(out), Keys{"purchase_questions"});
  EXPECT_NE(out[0].message.find("¥19.90"), std::string::npos) << out[0].message;
  EXPECT_EQ(out[0].evidence.at("phrases").as_array().size(), 2u);

  s.signals.questions_previous_minute = 6;  // steady, not rising
  EXPECT_TRUE(evaluate_rules(s).empty());
}

TEST(SuggestionRulesTest, ASharpFallInViewersSuggestsAnInteraction) {
  Snapshot s;
  s.signals.online_peak_last_2_minutes = 100;
  s.online = 60;
  auto out = evaluate_rules(s);
  ASSERT_EQ(rules(out), Keys{"audience_drop"});
  EXPECT_EQ(out[0].evidence.at("online").as_int64(), 60);
  s.online = 80;  // a 20 % dip is the usual ebb
  EXPECT_TRUE(evaluate_rules(s).empty());
  s.signals.online_peak_last_2_minutes = 12;  // 12 → 5 is a small room's noise
  s.online = 5;
  EXPECT_TRUE(evaluate_rules(s).empty());
}

TEST(SuggestionRulesTest, PinnedProductUnderATenthOfItsStockSuggestsAnnouncingIt) {
  Snapshot s;
  s.pinned_sku = "soy";
  s.products = {product("soy", "低钠酱油", 0, 0, 0)};
  s.products[0].peak_stock = 500;
  s.products[0].stock = 40;
  ASSERT_EQ(rules(evaluate_rules(s)), Keys{"low_stock:soy"});
  s.products[0].stock = 0;  // sold out: nothing left to announce
  EXPECT_TRUE(evaluate_rules(s).empty());
  s.products[0].stock = 60;
  EXPECT_TRUE(evaluate_rules(s).empty());
}

TEST(SuggestionRulesTest, RisingComplaintsAlertTheOperator) {
  Snapshot s;
  s.signals.complaints_last_minute = 4;
  s.signals.complaints_previous_minute = 1;
  s.signals.complaint_words = {{"太贵", 3}, {"假货", 1}};
  auto out = evaluate_rules(s);
  ASSERT_EQ(rules(out), Keys{"negative_comments"});
  EXPECT_EQ(out[0].severity, Severity::critical);
  EXPECT_NE(out[0].message.find("太贵"), std::string::npos);
}

// Every built-in rule speaks English too: each of them fires here once.
TEST(SuggestionRulesTest, EveryBuiltInSuggestionHasAnEnglishMessage) {
  Snapshot s;
  s.pinned_sku = "soy";
  s.products = {product("soy", "低钠酱油 500ml", 200, 60, 1), product("rice", "五常大米 5kg", 200, 30, 9),
                product("oats", "无糖燕麦片", 200, 25, 8), product("mgc", "梅干菜 250g", 0, 0, 0)};
  s.products[0].peak_stock = 500;
  s.products[0].stock = 40;
  s.hot_words = {{"梅干菜", 7.5, 8, {"mgc"}}};
  s.signals.questions_last_minute = 8;
  s.signals.questions_previous_minute = 2;
  s.signals.complaints_last_minute = 4;
  s.signals.complaints_previous_minute = 1;
  s.signals.complaint_words = {{"太贵", 3}, {"假货", 1}};
  s.signals.online_peak_last_2_minutes = 100;
  s.online = 60;
  auto out = evaluate_rules(s);
  std::map<std::string, std::string> english;
  for (const auto& sug : out) {
    EXPECT_FALSE(sug.message.empty()) << sug.key;
    english[sug.rule] = sug.message_en;
  }
  ASSERT_EQ(english.size(), 6u) << "every rule fired";
  for (const auto& [rule, text] : english) {
    EXPECT_FALSE(text.empty()) << rule;
    // English words, no Chinese punctuation: only the product titles and words stay Chinese.
    for (const char* cjk_punct : {"，", "：", "（", "「"}) EXPECT_EQ(text.find(cjk_punct), std::string::npos) << rule << ": " << text;
  }
  EXPECT_NE(english["low_conversion"].find("trial pack"), std::string::npos);
  EXPECT_NE(english["low_conversion"].find("\"低钠酱油 500ml\""), std::string::npos);
  EXPECT_NE(english["pin_hot_product"].find("pin it"), std::string::npos);
  EXPECT_NE(english["purchase_questions"].find("¥19.90"), std::string::npos) << english["purchase_questions"];
  EXPECT_NE(english["audience_drop"].find("from 100 to 60"), std::string::npos);
  EXPECT_NE(english["low_stock"].find("Only 40"), std::string::npos);
  EXPECT_NE(english["negative_comments"].find("太贵, 假货"), std::string::npos);
}

Suggestion candidate(std::string key) {
  Suggestion s;
  s.rule = "audience_drop";
  s.key = std::move(key);
  s.message = "m";
  return s;
}

TEST(SuggestionBoardTest, TheSameKeyWhileActiveRefreshesInsteadOfRepeating) {
  SuggestionBoard board(120'000, 300'000);
  auto first = board.raise(candidate("k"), kT0);
  ASSERT_TRUE(first.created);
  auto id = first.suggestion->id;
  auto again = board.raise(candidate("k"), kT0 + 10'000);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.suggestion->id, id);
  EXPECT_EQ(again.suggestion->expires_ms, kT0 + 130'000);
  EXPECT_EQ(board.active().size(), 1u);
  EXPECT_TRUE(board.raise(candidate("other"), kT0 + 10'000).created);
  EXPECT_EQ(board.active().front().key, "other") << "newest first";
}

TEST(SuggestionBoardTest, SuggestionsExpireAndCoolDownBeforeComingBack) {
  SuggestionBoard board(120'000, 300'000);
  board.raise(candidate("k"), kT0);
  board.expire(kT0 + 119'999);
  EXPECT_EQ(board.active().size(), 1u);
  board.expire(kT0 + 120'000);
  EXPECT_TRUE(board.active().empty());
  EXPECT_EQ(board.raise(candidate("k"), kT0 + 200'000).suggestion, nullptr) << "cooling down";
  board.expire(kT0 + 420'000);
  EXPECT_TRUE(board.raise(candidate("k"), kT0 + 420'000).created);
}

TEST(SuggestionBoardTest, ActiveSuggestionsAreBounded) {
  SuggestionBoard board(120'000, 0, 3);
  for (int i = 0; i < 5; ++i) board.raise(candidate("k" + std::to_string(i)), kT0);
  ASSERT_EQ(board.active().size(), 3u);
  EXPECT_EQ(board.active().back().key, "k2");
}

}  // namespace
}  // namespace analytics
