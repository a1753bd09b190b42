#include "media/tag_queue.hpp"

#include <gtest/gtest.h>

#include "media_test_tags.hpp"

namespace media {
namespace {

using namespace media::test;

std::vector<std::uint32_t> drain(TagQueue& q) {
  std::vector<std::uint32_t> ts;
  while (!q.empty()) {
    ts.push_back(q.front().timestamp);
    q.pop();
  }
  return ts;
}

TEST(TagQueue, KeepsTagsInOrderWithinTheBound) {
  TagQueue q(1000);
  for (auto t : {keyframe(0), audio(10), interframe(33)}) EXPECT_TRUE(q.push(t));
  EXPECT_EQ(q.bytes(), 9u);
  EXPECT_EQ(drain(q), (std::vector<std::uint32_t>{0, 10, 33}));
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(TagQueue, FallingBehindSkipsAheadToTheNextKeyframe) {
  TagQueue q(100);
  q.push(keyframe(0, 40));
  q.push(interframe(33, 40));
  EXPECT_FALSE(q.push(interframe(66, 40)));  // 120 bytes: over the bound
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.skip_aheads(), 1u);
  EXPECT_FALSE(q.push(audio(70)));
  EXPECT_FALSE(q.push(interframe(99)));
  EXPECT_TRUE(q.push(keyframe(2000)));
  EXPECT_TRUE(q.push(audio(2010)));
  EXPECT_EQ(drain(q), (std::vector<std::uint32_t>{2000, 2010}));
  EXPECT_EQ(q.skipped(), 5u);  // 2 queued + the one over the bound + 2 while waiting
}

TEST(TagQueue, HeadersPassWhileWaitingForAKeyframe) {
  TagQueue q(10);
  q.push(keyframe(0, 8));
  q.push(interframe(33, 8));  // over: skip ahead
  EXPECT_TRUE(q.push(avc_header()));
  EXPECT_TRUE(q.push(metadata()));
  EXPECT_EQ(q.size(), 2u);
}

}  // namespace
}  // namespace media
