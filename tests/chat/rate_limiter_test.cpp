#include "chat/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace chat {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A synthetic timeline; the bucket is given the time, never reads a clock.
const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1);

TEST(RateLimiter, AllowsBurstAtOnceThenRefuses) {
  RateLimiter bucket(1.0, 5.0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_take(kStart)) << "take " << i;
  EXPECT_FALSE(bucket.try_take(kStart));
}

TEST(RateLimiter, RefillsOneTokenPerPeriod) {
  RateLimiter bucket(2.0, 2.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(500)));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(500)));
}

TEST(RateLimiter, RefusesBeforeATokenHasRefilled) {
  RateLimiter bucket(2.0, 2.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(499)));
}

TEST(RateLimiter, RefillNeverExceedsBurst) {
  RateLimiter bucket(1.0, 3.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  auto later = kStart + std::chrono::hours(10);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(bucket.try_take(later)) << "take " << i;
  EXPECT_FALSE(bucket.try_take(later));
}

TEST(RateLimiter, RetryAfterIsTimeUntilNextToken) {
  RateLimiter bucket(1.0, 1.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  milliseconds retry{0};
  EXPECT_FALSE(bucket.try_take(kStart, &retry));
  EXPECT_EQ(retry, milliseconds(1000));
  EXPECT_FALSE(bucket.try_take(kStart + milliseconds(250), &retry));
  EXPECT_EQ(retry, milliseconds(750));
  EXPECT_TRUE(bucket.try_take(kStart + milliseconds(1000)));
}

TEST(RateLimiter, RetryAfterRoundsUpToWholeMilliseconds) {
  RateLimiter bucket(3.0, 1.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  milliseconds retry{0};
  EXPECT_FALSE(bucket.try_take(kStart, &retry));
  EXPECT_EQ(retry, milliseconds(334));  // 333.3 ms: waiting 333 would still be refused
}

TEST(RateLimiter, TimeGoingBackwardsAddsNoTokens) {
  RateLimiter bucket(1.0, 1.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_FALSE(bucket.try_take(kStart - seconds(5)));
  EXPECT_FALSE(bucket.try_take(kStart));
}

TEST(RateLimiter, BurstBelowOneStillAllowsOneAction) {
  RateLimiter bucket(1.0, 0.0);
  EXPECT_TRUE(bucket.try_take(kStart));
  EXPECT_FALSE(bucket.try_take(kStart));
}

TEST(RateLimiter, IsFullWhenUnused) {
  RateLimiter bucket(1.0, 5.0);
  EXPECT_TRUE(bucket.is_full(kStart));
}

TEST(RateLimiter, IsNotFullRightAfterATake) {
  RateLimiter bucket(1.0, 5.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_FALSE(bucket.is_full(kStart));
}

TEST(RateLimiter, IsNotFullWhilePartlyRefilled) {
  RateLimiter bucket(1.0, 2.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_FALSE(bucket.is_full(kStart + milliseconds(1999)));
}

TEST(RateLimiter, IsFullAgainOnceRefilled) {
  RateLimiter bucket(1.0, 2.0);
  ASSERT_TRUE(bucket.try_take(kStart));
  ASSERT_TRUE(bucket.try_take(kStart));
  EXPECT_TRUE(bucket.is_full(kStart + seconds(2)));
}

// Regression: the bucket took `time_point{}` to mean "never used", so a timeline starting at
// the clock's epoch never refilled. The header promises any timeline.
TEST(RateLimiter, RefillsOnATimelineStartingAtTheClockEpoch) {
  const Clock::time_point epoch{};
  RateLimiter bucket(1.0, 1.0);
  ASSERT_TRUE(bucket.try_take(epoch));
  EXPECT_TRUE(bucket.try_take(epoch + seconds(1)));
}

}  // namespace
}  // namespace chat
