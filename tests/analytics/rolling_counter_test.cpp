#include "analytics/rolling_counter.hpp"

#include <gtest/gtest.h>

namespace analytics {
namespace {

constexpr std::int64_t kT0 = 1'767'000'000'000;  // a whole second
constexpr std::int64_t kSecond = 1'000;

TEST(RollingCounterTest, LastMinuteAndFiveMinutesAndTotal) {
  RollingCounter c;
  c.add(kT0, 3);                      // 6 minutes before "now"
  c.add(kT0 + 120 * kSecond, 2);      // 4 minutes before
  c.add(kT0 + 330 * kSecond, 5);      // 30 s before
  std::int64_t now = kT0 + 360 * kSecond;
  EXPECT_EQ(c.last(now, 60), 5);
  EXPECT_EQ(c.last(now, 300), 7);
  EXPECT_EQ(c.total(), 10);
}

TEST(RollingCounterTest, SecondSeriesEndsWithNowAndHasGapsAsZeros) {
  RollingCounter c;
  c.add(kT0, 1);
  c.add(kT0 + 500, 1);  // same second
  c.add(kT0 + 2 * kSecond, 4);
  EXPECT_EQ(c.series_1s(kT0 + 2 * kSecond + 999, 4), (std::vector<std::int64_t>{0, 2, 0, 4}));
}

TEST(RollingCounterTest, TenSecondSeriesAddsUpItsSeconds) {
  RollingCounter c;
  for (int s = 0; s < 30; ++s) c.add(kT0 + s * kSecond, 1);
  EXPECT_EQ(c.series_10s(kT0 + 29 * kSecond, 3), (std::vector<std::int64_t>{10, 10, 10}));
}

TEST(RollingCounterTest, MemoryIsFixedAndOldBucketsAreReused) {
  RollingCounter c(5, 2);
  for (int s = 0; s < 1000; ++s) c.add(kT0 + s * kSecond, 1);
  std::int64_t now = kT0 + 999 * kSecond;
  EXPECT_EQ(c.last(now, 5), 5);
  EXPECT_EQ(c.last(now, 60), 5) << "asks for more than is kept: what is kept";
  EXPECT_EQ(c.series_10s(now, 2), (std::vector<std::int64_t>{10, 10}));
  EXPECT_EQ(c.total(), 1000);
}

TEST(RollingCounterTest, ASampleOlderThanTheWindowCountsOnlyInTheTotal) {
  RollingCounter c(5, 2);
  c.add(kT0 + 100 * kSecond, 1);
  c.add(kT0, 7);  // late: its bucket has been reused
  EXPECT_EQ(c.last(kT0 + 100 * kSecond, 5), 1);
  EXPECT_EQ(c.total(), 8);
}

TEST(RollingCounterTest, NothingAddedIsAllZeros) {
  RollingCounter c;
  EXPECT_EQ(c.last(kT0, 300), 0);
  EXPECT_EQ(c.series_1s(kT0, 3), (std::vector<std::int64_t>{0, 0, 0}));
}

}  // namespace
}  // namespace analytics
