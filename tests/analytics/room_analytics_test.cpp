#include "analytics/room_analytics.hpp"

#include <gtest/gtest.h>


namespace analytics {
namespace {

constexpr std::int64_t kT0 = 1'767'000'000'000;
constexpr std::int64_t kSecond = 1'000;
constexpr std::int64_t kMinute = 60'000;
constexpr auto kMin = static_cast<std::size_t>(Window::last_minute);
constexpr auto kFive = static_cast<std::size_t>(Window::last_5_minutes);
constexpr auto kAll = static_cast<std::size_t>(Window::broadcast);

std::int64_t drops(const Snapshot& s, Drop d) { return s.dropped[static_cast<std::size_t>(d)]; }

// No jieba here (it takes a second to load): the room's product words are enough for these.
const Dictionary kNoWords;

class RoomAnalyticsTest : public testing::Test {
 protected:
  RoomAnalytics room_{kNoWords, kT0};

  void SetUp() override {
    room_.set_catalog({{"soy", "低钠酱油 500ml", {"低钠", "零添加"}, 1990, 500, true},
                       {"rice", "五常大米 5kg", {"有机"}, 6990, 300, true},
                       {"oats", "无糖燕麦片 1kg", {"无糖"}, 2990, 600, true}},
                      "soy");
  }
  Drop at(std::int64_t t, Event e) { return room_.record(e, t); }
  const ProductReport& product(const Snapshot& s, const std::string& sku) {
    for (const auto& p : s.products)
      if (p.sku == sku) return p;
    throw std::runtime_error("no product " + sku);
  }
};

TEST_F(RoomAnalyticsTest, OnlinePeakAndUniqueViewersFollowEntersAndLeaves) {
  at(kT0, Enter{"a"});
  at(kT0, Enter{"b"});
  at(kT0, Enter{"b"});  // a second tab: not a second viewer, not a second visit
  at(kT0 + kSecond, Enter{"c"});
  at(kT0 + 2 * kSecond, Leave{"c"});
  at(kT0 + 2 * kSecond, Leave{"b"});  // one of b's tabs: still online
  auto s = room_.snapshot(kT0 + 3 * kSecond);
  EXPECT_EQ(s.online, 2);
  EXPECT_EQ(s.peak_online, 3);
  EXPECT_EQ(s.windows[kAll].unique_viewers, 3);
  EXPECT_EQ(s.windows[kAll].views, 3);
}

TEST_F(RoomAnalyticsTest, ImpossibleEventsAreDroppedAndCountedByReason) {
  EXPECT_EQ(at(kT0, Leave{"ghost"}), Drop::leave_without_enter);
  at(kT0, Enter{"a"});
  EXPECT_EQ(at(kT0, Click{"a", "no-such-sku"}), Drop::unknown_product);
  EXPECT_EQ(at(kT0, Impression{"a", "no-such-sku"}), Drop::unknown_product);
  EXPECT_EQ(at(kT0, Impression{"stranger", "soy"}), Drop::not_in_room);
  EXPECT_EQ(at(kT0, OrderPaid{42}), Drop::unknown_order);
  EXPECT_EQ(at(kT0, OrderCreated{1, "a", "soy", "低钠酱油 500ml", 0, 1990}), Drop::bad_value);
  EXPECT_EQ(at(kT0, Like{-3}), Drop::bad_value);
  EXPECT_EQ(at(kT0, MicLinkEnd{"a"}), Drop::mic_link_not_started);
  at(kT0, Leave{"a"});
  EXPECT_EQ(at(kT0, Leave{"a"}), Drop::leave_without_enter);
  auto s = room_.snapshot(kT0);
  EXPECT_EQ(drops(s, Drop::leave_without_enter), 2);
  EXPECT_EQ(drops(s, Drop::unknown_product), 2);
  EXPECT_EQ(drops(s, Drop::not_in_room), 1);
  EXPECT_EQ(drops(s, Drop::unknown_order), 1);
  EXPECT_EQ(drops(s, Drop::bad_value), 2);
  EXPECT_EQ(drops(s, Drop::mic_link_not_started), 1);
  EXPECT_EQ(product(s, "soy").counts[kAll].impressions, 0) << "dropped events count nowhere else";
  EXPECT_EQ(s.online, 0);
}

TEST_F(RoomAnalyticsTest, ProductTakenOffTheShelfNoLongerTakesClicks) {
  at(kT0, Enter{"a"});
  room_.update_product({"oats", "无糖燕麦片 1kg", {"无糖"}, 2990, 600, false});
  EXPECT_EQ(at(kT0, Click{"a", "oats"}), Drop::unknown_product);
}

TEST_F(RoomAnalyticsTest, RepeatedImpressionsAndClicksOfOneViewerCountOncePerMinute) {
  at(kT0, Enter{"a"});
  for (int i = 0; i < 5; ++i) {
    at(kT0 + i * kSecond, Impression{"a", "soy"});
    at(kT0 + i * kSecond, Click{"a", "soy"});
  }
  at(kT0 + kMinute + 5 * kSecond, Impression{"a", "soy"});  // seen again a minute later
  auto s = room_.snapshot(kT0 + kMinute + 5 * kSecond);
  EXPECT_EQ(product(s, "soy").counts[kAll].impressions, 2);
  EXPECT_EQ(product(s, "soy").counts[kAll].clicks, 1);
}

TEST_F(RoomAnalyticsTest, AClickWithoutAReportedImpressionCountsTheImpression) {
  at(kT0, Enter{"a"});
  at(kT0, Click{"a", "rice"});
  auto s = room_.snapshot(kT0);
  const auto& rice = product(s, "rice").counts[kAll];
  EXPECT_EQ(rice.impressions, 1);
  EXPECT_EQ(rice.clicks, 1);
  EXPECT_DOUBLE_EQ(rice.ctr(), 1.0);
  EXPECT_EQ(s.windows[kAll].funnel[static_cast<std::size_t>(Step::impression)], 1);
}

TEST_F(RoomAnalyticsTest, FunnelCountsViewersAtEachStep) {
  for (int i = 0; i < 10; ++i) at(kT0, Enter{"v" + std::to_string(i)});
  for (int i = 0; i < 8; ++i) at(kT0 + kSecond, Impression{"v" + std::to_string(i), "soy"});
  for (int i = 0; i < 4; ++i) at(kT0 + 2 * kSecond, Click{"v" + std::to_string(i), "soy"});
  for (int i = 0; i < 2; ++i) at(kT0 + 3 * kSecond, OrderCreated{i + 1, "v" + std::to_string(i), "soy", "", 1, 1990});
  at(kT0 + 4 * kSecond, OrderPaid{1});
  auto s = room_.snapshot(kT0 + 5 * kSecond);
  EXPECT_EQ(s.windows[kAll].funnel, (std::array<std::int64_t, kSteps>{10, 8, 4, 2, 1}));
  EXPECT_EQ(s.windows[kMin].funnel, (std::array<std::int64_t, kSteps>{10, 8, 4, 2, 1}));
  const auto& soy = product(s, "soy").counts[kAll];
  EXPECT_DOUBLE_EQ(soy.ctr(), 0.5);
  EXPECT_DOUBLE_EQ(soy.cvr(), 0.5);
}

TEST_F(RoomAnalyticsTest, WindowsForgetWhatIsOlderThanThem) {
  at(kT0, Enter{"early"});
  at(kT0, Click{"early", "soy"});
  at(kT0, Leave{"early"});
  at(kT0 + 3 * kMinute, Enter{"late"});
  auto s = room_.snapshot(kT0 + 3 * kMinute);
  EXPECT_EQ(s.windows[kAll].unique_viewers, 2);
  EXPECT_EQ(s.windows[kFive].unique_viewers, 2);
  EXPECT_EQ(s.windows[kMin].unique_viewers, 1);
  EXPECT_EQ(s.windows[kMin].funnel[static_cast<std::size_t>(Step::click)], 0);
  EXPECT_EQ(s.windows[kAll].funnel[static_cast<std::size_t>(Step::click)], 1);
  EXPECT_EQ(product(s, "soy").counts[kMin].clicks, 0);
  EXPECT_EQ(product(s, "soy").counts[kFive].clicks, 1);
}

TEST_F(RoomAnalyticsTest, GmvCountsPaidOrdersAndGpmIsPerThousandViews) {
  for (int i = 0; i < 4; ++i) at(kT0, Enter{"v" + std::to_string(i)});
  at(kT0, OrderCreated{7, "v0", "rice", "五常大米 5kg", 2, 13980});
  at(kT0, OrderCreated{8, "v1", "soy", "低钠酱油 500ml", 1, 1990});
  EXPECT_EQ(at(kT0, OrderCreated{8, "v1", "soy", "低钠酱油 500ml", 1, 1990}), Drop::duplicate_order);
  at(kT0 + kSecond, OrderPaid{7});
  EXPECT_EQ(at(kT0 + kSecond, OrderPaid{7}), Drop::unknown_order) << "paid twice";
  auto s = room_.snapshot(kT0 + kSecond);
  const auto& all = s.windows[kAll];
  EXPECT_EQ(all.orders, 2);
  EXPECT_EQ(all.gmv_cents, 13980);
  EXPECT_EQ(all.buyers, 1);
  EXPECT_EQ(all.gpm_cents, 13980 * 1000 / 4);
  EXPECT_EQ(product(s, "rice").counts[kAll].gmv_cents, 13980);
  EXPECT_EQ(s.products.front().sku, "rice") << "ranked by GMV";
}

TEST_F(RoomAnalyticsTest, BuyerWhoNeverEnteredCountsAsBuyerNotAsViewer) {
  at(kT0, OrderCreated{1, "api-buyer", "soy", "", 1, 1990});
  at(kT0, OrderPaid{1});
  auto s = room_.snapshot(kT0);
  EXPECT_EQ(s.windows[kAll].buyers, 1);
  EXPECT_EQ(s.windows[kAll].unique_viewers, 0);
  EXPECT_EQ(s.windows[kAll].funnel[static_cast<std::size_t>(Step::paid)], 0);
}

TEST_F(RoomAnalyticsTest, AverageWatchTimeIncludesViewersStillWatching) {
  at(kT0, Enter{"a"});
  at(kT0 + 30 * kSecond, Leave{"a"});
  at(kT0, Enter{"b"});
  auto s = room_.snapshot(kT0 + 90 * kSecond);
  EXPECT_EQ(s.avg_watch_ms, (30 + 90) * kSecond / 2);
}

TEST_F(RoomAnalyticsTest, CommentsLikesAndOnlineMakeSeries) {
  at(kT0, Enter{"a"});
  at(kT0 + kSecond, Enter{"b"});
  at(kT0 + 2 * kSecond, Leave{"b"});
  at(kT0 + kSecond, Comment{"a", "酱油不错"});
  at(kT0 + kSecond, Comment{"a", "大米呢"});
  at(kT0 + 2 * kSecond, Like{5});
  auto s = room_.snapshot(kT0 + 2 * kSecond);
  EXPECT_EQ(s.windows[kMin].comments, 2);
  EXPECT_EQ(s.windows[kMin].likes, 5);
  ASSERT_EQ(s.per_second.online.size(), 120u);
  auto tail = [](const std::vector<std::int64_t>& v) { return std::vector<std::int64_t>(v.end() - 3, v.end()); };
  EXPECT_EQ(tail(s.per_second.online), (std::vector<std::int64_t>{1, 2, 2})) << "the most online in each second";
  EXPECT_EQ(tail(s.per_second.comments), (std::vector<std::int64_t>{0, 2, 0}));
  EXPECT_EQ(tail(s.per_second.likes), (std::vector<std::int64_t>{0, 0, 5}));
  EXPECT_EQ(s.per_ten_seconds.online.size(), 60u);
  EXPECT_EQ(s.per_ten_seconds.comments.back(), 2);
  auto later = room_.snapshot(kT0 + 10 * kSecond);
  EXPECT_EQ(later.per_second.online.back(), 1) << "the level holds between samples";
}

TEST_F(RoomAnalyticsTest, HotWordsKnowTheRoomsProductsAsWords) {
  at(kT0, Enter{"a"});
  for (int i = 0; i < 4; ++i) at(kT0 + i, Comment{"a", "低钠酱油！"});
  at(kT0, Comment{"a", "五常大米多少钱"});
  auto s = room_.snapshot(kT0 + kSecond);
  ASSERT_FALSE(s.hot_words.empty());
  EXPECT_EQ(s.hot_words[0].word, "低钠酱油") << "a product title is one word in this room";
  EXPECT_EQ(s.hot_words[0].skus, std::vector<std::string>{"soy"});
}

TEST_F(RoomAnalyticsTest, PurchaseQuestionsAndComplaintsAreCountedPerMinute) {
  at(kT0, Comment{"a", "多少钱"});
  at(kT0 + kMinute + kSecond, Comment{"a", "怎么买？链接呢"});
  at(kT0 + kMinute + kSecond, Comment{"b", "多少钱啊"});
  at(kT0 + kMinute + 2 * kSecond, Comment{"c", "太贵了"});
  auto s = room_.snapshot(kT0 + kMinute + 2 * kSecond);
  EXPECT_EQ(s.signals.questions_last_minute, 2);
  EXPECT_EQ(s.signals.questions_previous_minute, 1);
  EXPECT_EQ(s.signals.complaints_last_minute, 1);
  ASSERT_FALSE(s.signals.question_phrases.empty());
  EXPECT_EQ(s.signals.complaint_words, (std::vector<std::pair<std::string, std::int64_t>>{{"贵", 1}}));
}

TEST_F(RoomAnalyticsTest, OnlinePeakOfTheLastTwoMinutes) {
  for (int i = 0; i < 50; ++i) at(kT0, Enter{"v" + std::to_string(i)});
  for (int i = 0; i < 30; ++i) at(kT0 + kMinute, Leave{"v" + std::to_string(i)});
  auto s = room_.snapshot(kT0 + 90 * kSecond);
  EXPECT_EQ(s.online, 20);
  EXPECT_EQ(s.signals.online_peak_last_2_minutes, 50);
  EXPECT_EQ(room_.snapshot(kT0 + 4 * kMinute).signals.online_peak_last_2_minutes, 20);
}

TEST_F(RoomAnalyticsTest, MemoryDoesNotGrowWithTheBroadcastsLength) {
  // Ten hours of a small room: the same viewers come and go, comment and buy.
  std::int64_t t = kT0;
  std::int64_t order = 0;
  for (int minute = 0; minute < 600; ++minute, t += kMinute) {
    for (int v = 0; v < 5; ++v) {
      std::string id = "v" + std::to_string(v);
      at(t, Enter{id});
      at(t + kSecond, Click{id, "soy"});
      at(t + 2 * kSecond, Comment{id, "第" + std::to_string(minute) + "分钟的酱油"});
      at(t + 3 * kSecond, OrderCreated{++order, id, "soy", "", 1, 1990});
      at(t + 3 * kSecond, OrderPaid{order});
      at(t + 4 * kSecond, Leave{id});
    }
  }
  auto s = room_.snapshot(t);
  EXPECT_EQ(room_.viewers_tracked(), 5u);
  EXPECT_EQ(s.windows[kAll].orders, 3000);
  EXPECT_EQ(s.windows[kAll].gmv_cents, 3000 * 1990);
  EXPECT_EQ(s.per_second.online.size(), 120u);
  EXPECT_EQ(s.products.size(), 3u);
}

TEST(RoomAnalyticsMemoryTest, ViewersGoneForMinutesAreForgottenPastTheBoundButStillCounted) {
  AnalyticsConfig config;
  config.max_viewers = 10;
  RoomAnalytics room(kNoWords, kT0, config);
  room.set_catalog({{"soy", "低钠酱油", {}, 1990, 100, true}}, "soy");
  for (int i = 0; i < 30; ++i) {
    std::string id = "early" + std::to_string(i);
    room.record(Enter{id}, kT0);
    room.record(Click{id, "soy"}, kT0);
    room.record(Leave{id}, kT0 + 10 * kSecond);
  }
  EXPECT_EQ(room.viewers_tracked(), 30u) << "nobody has been gone five minutes yet";
  // Nobody could be forgotten at the first leaves: the next look waits for a tenth more viewers.
  for (int i = 0; i < 4; ++i) room.record(Enter{"late" + std::to_string(i)}, kT0 + 6 * kMinute);
  room.record(Leave{"late0"}, kT0 + 6 * kMinute + kSecond);
  EXPECT_EQ(room.viewers_tracked(), 4u);
  auto s = room.snapshot(kT0 + 6 * kMinute + kSecond);
  EXPECT_EQ(s.windows[kAll].unique_viewers, 34);
  EXPECT_EQ(s.windows[kAll].funnel[static_cast<std::size_t>(Step::click)], 30);
  EXPECT_EQ(s.windows[kMin].unique_viewers, 4);
  EXPECT_EQ(s.avg_watch_ms, (30 * 10 * kSecond + kSecond + 3 * kSecond) / 34);
}

}  // namespace
}  // namespace analytics
