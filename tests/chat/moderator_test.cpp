#include "chat/moderator.hpp"

#include <gtest/gtest.h>

#include <string>

namespace chat {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1);

}  // namespace

// Readable names in failure messages.
void PrintTo(Rejection r, std::ostream* os) { *os << to_code(r); }

namespace {

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

ChatConfig test_config() {
  ChatConfig config;
  config.rate_per_second = 1.0;
  config.rate_burst = 3.0;
  config.banned_words = {"傻逼", "fuck"};
  return config;
}

class ModeratorTest : public testing::Test {
 protected:
  Verdict check(const Identity& who, std::string_view text, Clock::time_point now = kStart) {
    return moderator_.check_chat(who, text, now);
  }

  ChatConfig config_ = test_config();
  Moderator moderator_{config_};
  Identity viewer_{"v_1", "小王", Role::viewer};
  Identity other_viewer_{"v_2", "小李", Role::viewer};
  Identity host_{"h_room", "主播", Role::host};
  Identity operator_{"o_room", "场控", Role::operator_};
};

TEST_F(ModeratorTest, AcceptsAnOrdinaryMessage) { EXPECT_TRUE(check(viewer_, "还有货吗？").ok()); }

TEST_F(ModeratorTest, TheRoomsOwnBannedWordsAddToTheNodesList) {
  moderator_.set_room_words({"加微信"});
  EXPECT_EQ(check(viewer_, "想要的加微信 123").rejection, Rejection::banned_word);
  EXPECT_EQ(check(other_viewer_, "傻逼").rejection, Rejection::banned_word) << "the node's list still applies";
  EXPECT_EQ(check(host_, "别加微信，小心骗子").rejection, Rejection::banned_word) << "staff too";
  moderator_.set_room_words({});
  EXPECT_TRUE(check(viewer_, "加微信").ok()) << "replaced, not added to";
}

TEST_F(ModeratorTest, RejectsEmptyAndBlankText) {
  for (std::string text : {"", " ", "   ", "\t", "\n", " \t\n "}) {
    auto v = check(viewer_, text);
    EXPECT_EQ(v.rejection, Rejection::empty) << "'" << text << "'";
  }
}

TEST_F(ModeratorTest, RejectsTextOfNonAsciiSpacesAsEmpty) {
  for (std::string text : {"　", "  ", "　  ", "﻿"})
    EXPECT_EQ(check(viewer_, text).rejection, Rejection::empty) << text;
}

TEST_F(ModeratorTest, AcceptsTheMaximumLengthInChineseCharacters) {
  EXPECT_TRUE(check(viewer_, repeat("好", 200)).ok());
}

TEST_F(ModeratorTest, RejectsOneCharacterOverTheMaximum) {
  auto v = check(viewer_, repeat("好", 201));
  EXPECT_EQ(v.rejection, Rejection::too_long);
  EXPECT_NE(v.message.find("200"), std::string::npos);
}

TEST_F(ModeratorTest, TooLongCountsCodePointsNotBytes) {
  config_.max_message_chars = 3;
  EXPECT_TRUE(check(viewer_, "你好吗").ok());  // 9 bytes, 3 characters
  EXPECT_EQ(check(viewer_, "abcd").rejection, Rejection::too_long);
}

TEST_F(ModeratorTest, RejectsControlCharactersAsInvalidText) {
  for (std::string text : {std::string("a\0b", 3), std::string("a\x1B[2J"), std::string("a\x7F"),
                           std::string("a\xC2\x85"), std::string("a\rb")})
    EXPECT_EQ(check(viewer_, text).rejection, Rejection::invalid_text);
}

TEST_F(ModeratorTest, RejectsInvalidUtf8AsInvalidText) {
  EXPECT_EQ(check(viewer_, "ok\xC0\xAF").rejection, Rejection::invalid_text);
}

TEST_F(ModeratorTest, AllowsTabsAndNewlinesInsideText) {
  EXPECT_TRUE(check(viewer_, "第一行\n第二行\t!").ok());
}

TEST_F(ModeratorTest, RejectsABannedWord) {
  EXPECT_EQ(check(viewer_, "你是傻逼").rejection, Rejection::banned_word);
  EXPECT_EQ(check(viewer_, "F.u c-k").rejection, Rejection::banned_word);
}

TEST_F(ModeratorTest, RateLimitsAfterTheBurst) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(check(viewer_, "hi").ok()) << i;
  auto v = check(viewer_, "hi");
  EXPECT_EQ(v.rejection, Rejection::rate_limited);
  EXPECT_EQ(v.retry_after, milliseconds(1000));
}

TEST_F(ModeratorTest, RateLimitRecoversOverTime) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(check(viewer_, "hi").ok()) << i;
  ASSERT_FALSE(check(viewer_, "hi").ok());
  EXPECT_TRUE(check(viewer_, "hi", kStart + seconds(1)).ok());
}

TEST_F(ModeratorTest, RateLimitIsPerViewer) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(check(viewer_, "hi").ok()) << i;
  ASSERT_FALSE(check(viewer_, "hi").ok());
  EXPECT_TRUE(check(other_viewer_, "hi").ok());
}

TEST_F(ModeratorTest, RejectedMessagesDoNotUseTheRateLimit) {
  for (int i = 0; i < 10; ++i) ASSERT_EQ(check(viewer_, "").rejection, Rejection::empty);
  EXPECT_TRUE(check(viewer_, "hi").ok());
}

TEST_F(ModeratorTest, SlowModeRefusesASecondMessageWithinTheWindow) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  auto v = check(viewer_, "two", kStart + seconds(4));
  EXPECT_EQ(v.rejection, Rejection::slow_mode);
  EXPECT_EQ(v.retry_after, milliseconds(6000));
}

// Regression: slow-mode and mute retry_after were rounded down, so with a clock finer than a
// millisecond a client that waited exactly retry_after_ms was refused again.
TEST_F(ModeratorTest, WaitingTheSlowModeRetryAfterIsEnough) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  auto t = kStart + seconds(4) + std::chrono::microseconds(500);
  auto v = check(viewer_, "two", t);
  ASSERT_EQ(v.rejection, Rejection::slow_mode);
  EXPECT_TRUE(check(viewer_, "three", t + v.retry_after).ok())
      << "retry_after " << v.retry_after.count() << " ms";
}

TEST_F(ModeratorTest, SlowModeAllowsTheNextMessageOnceTheWindowPassed) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  EXPECT_TRUE(check(viewer_, "two", kStart + seconds(10)).ok());
}

TEST_F(ModeratorTest, SlowModeWindowIsPerViewer) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  EXPECT_TRUE(check(other_viewer_, "one").ok());
}

TEST_F(ModeratorTest, TurningSlowModeOffLiftsTheWindow) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  moderator_.set_slow_mode(seconds(0));
  EXPECT_EQ(moderator_.slow_mode(), seconds(0));
  EXPECT_TRUE(check(viewer_, "two", kStart + seconds(1)).ok());
}

TEST_F(ModeratorTest, MuteWithDurationRefusesWithRetryAfter) {
  moderator_.mute(viewer_.user_id, seconds(60), kStart);
  auto v = check(viewer_, "hi", kStart + seconds(20));
  EXPECT_EQ(v.rejection, Rejection::muted);
  EXPECT_EQ(v.retry_after, milliseconds(40000));
}

// Regression: see WaitingTheSlowModeRetryAfterIsEnough.
TEST_F(ModeratorTest, WaitingTheMuteRetryAfterIsEnough) {
  moderator_.mute(viewer_.user_id, seconds(60), kStart);
  auto t = kStart + seconds(20) + std::chrono::microseconds(500);
  auto v = check(viewer_, "hi", t);
  ASSERT_EQ(v.rejection, Rejection::muted);
  EXPECT_TRUE(check(viewer_, "hi", t + v.retry_after).ok())
      << "retry_after " << v.retry_after.count() << " ms";
}

TEST_F(ModeratorTest, MuteWithDurationEndsByItself) {
  moderator_.mute(viewer_.user_id, seconds(60), kStart);
  EXPECT_TRUE(moderator_.is_muted(viewer_.user_id, kStart + seconds(59)));
  EXPECT_FALSE(moderator_.is_muted(viewer_.user_id, kStart + seconds(60)));
  EXPECT_TRUE(check(viewer_, "hi", kStart + seconds(60)).ok());
}

TEST_F(ModeratorTest, MuteWithoutDurationLastsUntilUnmuted) {
  moderator_.mute(viewer_.user_id, std::nullopt, kStart);
  auto v = check(viewer_, "hi", kStart + std::chrono::hours(24 * 365));
  EXPECT_EQ(v.rejection, Rejection::muted);
  EXPECT_EQ(v.retry_after, milliseconds(0));
}

TEST_F(ModeratorTest, UnmuteLiftsTheMute) {
  moderator_.mute(viewer_.user_id, std::nullopt, kStart);
  moderator_.unmute(viewer_.user_id);
  EXPECT_FALSE(moderator_.is_muted(viewer_.user_id, kStart));
  EXPECT_TRUE(check(viewer_, "hi").ok());
}

TEST_F(ModeratorTest, MuteIsPerViewer) {
  moderator_.mute(viewer_.user_id, std::nullopt, kStart);
  EXPECT_TRUE(check(other_viewer_, "hi").ok());
}

TEST_F(ModeratorTest, BanIsRemembered) {
  EXPECT_FALSE(moderator_.is_banned(viewer_.user_id));
  moderator_.ban(viewer_.user_id);
  EXPECT_TRUE(moderator_.is_banned(viewer_.user_id));
  EXPECT_FALSE(moderator_.is_banned(other_viewer_.user_id));
}

TEST_F(ModeratorTest, StaffAreNotRateLimited) {
  for (const auto& staff : {host_, operator_})
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(check(staff, "hi").ok()) << staff.nick << " " << i;
}

TEST_F(ModeratorTest, StaffAreExemptFromSlowMode) {
  moderator_.set_slow_mode(seconds(60));
  for (const auto& staff : {host_, operator_}) {
    ASSERT_TRUE(check(staff, "one").ok());
    EXPECT_TRUE(check(staff, "two").ok()) << staff.nick;
  }
}

TEST_F(ModeratorTest, StaffAreExemptFromMute) {
  for (const auto& staff : {host_, operator_}) {
    moderator_.mute(staff.user_id, std::nullopt, kStart);
    EXPECT_TRUE(check(staff, "hi").ok()) << staff.nick;
  }
}

TEST_F(ModeratorTest, StaffAreHeldToBannedWords) {
  for (const auto& staff : {host_, operator_})
    EXPECT_EQ(check(staff, "傻逼").rejection, Rejection::banned_word) << staff.nick;
}

TEST_F(ModeratorTest, StaffAreHeldToTheLengthLimit) {
  for (const auto& staff : {host_, operator_})
    EXPECT_EQ(check(staff, repeat("好", 201)).rejection, Rejection::too_long) << staff.nick;
}

TEST_F(ModeratorTest, ForgetKeepsABan) {
  moderator_.ban(viewer_.user_id);
  moderator_.forget(viewer_.user_id, kStart + std::chrono::hours(1));
  EXPECT_TRUE(moderator_.is_banned(viewer_.user_id));
}

TEST_F(ModeratorTest, ForgetKeepsAnIndefiniteMute) {
  moderator_.mute(viewer_.user_id, std::nullopt, kStart);
  moderator_.forget(viewer_.user_id, kStart + std::chrono::hours(1));
  EXPECT_TRUE(moderator_.is_muted(viewer_.user_id, kStart + std::chrono::hours(2)));
}

TEST_F(ModeratorTest, ForgetKeepsARunningTimedMute) {
  moderator_.mute(viewer_.user_id, seconds(60), kStart);
  moderator_.forget(viewer_.user_id, kStart + seconds(10));
  EXPECT_TRUE(moderator_.is_muted(viewer_.user_id, kStart + seconds(30)));
}

TEST_F(ModeratorTest, ForgetKeepsAnExhaustedRateLimit) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(check(viewer_, "hi").ok()) << i;
  moderator_.forget(viewer_.user_id, kStart);
  EXPECT_EQ(check(viewer_, "hi").rejection, Rejection::rate_limited);
}

TEST_F(ModeratorTest, ForgetKeepsARunningSlowModeWindow) {
  moderator_.set_slow_mode(seconds(10));
  ASSERT_TRUE(check(viewer_, "one").ok());
  moderator_.forget(viewer_.user_id, kStart + seconds(1));
  EXPECT_EQ(check(viewer_, "two", kStart + seconds(2)).rejection, Rejection::slow_mode);
}

TEST_F(ModeratorTest, ForgetAfterRecoveryLeavesTheViewerFree) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(check(viewer_, "hi").ok()) << i;
  auto later = kStart + std::chrono::minutes(1);
  moderator_.forget(viewer_.user_id, later);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(check(viewer_, "hi", later).ok()) << i;
}

TEST(RejectionCode, EveryRejectionHasItsWireCode) {
  EXPECT_EQ(to_code(Rejection::none), "ok");
  EXPECT_EQ(to_code(Rejection::empty), "empty");
  EXPECT_EQ(to_code(Rejection::too_long), "too_long");
  EXPECT_EQ(to_code(Rejection::invalid_text), "invalid_text");
  EXPECT_EQ(to_code(Rejection::rate_limited), "rate_limited");
  EXPECT_EQ(to_code(Rejection::slow_mode), "slow_mode");
  EXPECT_EQ(to_code(Rejection::muted), "muted");
  EXPECT_EQ(to_code(Rejection::banned_word), "banned_word");
}

}  // namespace
}  // namespace chat
