#include "media/gop_cache.hpp"

#include <gtest/gtest.h>

#include "media_test_tags.hpp"

namespace media {
namespace {

using flv::TagType;
using namespace media::test;

std::vector<std::uint32_t> timestamps(const std::vector<Tag>& tags) {
  std::vector<std::uint32_t> out;
  for (const auto& t : tags) out.push_back(t.timestamp);
  return out;
}

TEST(GopCache, NewViewerStartsWithHeadersThenTheLatestKeyframe) {
  GopCache cache;
  for (const auto& t : {metadata(), avc_header(), aac_header(), keyframe(0), audio(10), interframe(33),
                        keyframe(2000), audio(2010), interframe(2033)})
    cache.add(t);
  auto tags = cache.start_tags();
  ASSERT_EQ(tags.size(), 6u);
  EXPECT_EQ(tags[0].type, TagType::script);
  EXPECT_TRUE(flv::is_sequence_header(TagType::video, *tags[1].body));
  EXPECT_TRUE(flv::is_sequence_header(TagType::audio, *tags[2].body));
  EXPECT_TRUE(flv::is_keyframe(TagType::video, *tags[3].body));
  EXPECT_EQ(timestamps({tags.begin() + 3, tags.end()}), (std::vector<std::uint32_t>{2000, 2010, 2033}));
}

TEST(GopCache, TagsBeforeTheFirstKeyframeAreNotCached) {
  GopCache cache;
  cache.add(avc_header());
  cache.add(audio(0));
  cache.add(interframe(33));
  EXPECT_EQ(cache.gop_tags(), 0u);
  cache.add(keyframe(66));
  EXPECT_EQ(cache.gop_tags(), 1u);
}

TEST(GopCache, SharesTagBodiesInsteadOfCopying) {
  GopCache cache;
  Tag k = keyframe(0);
  cache.add(k);
  EXPECT_EQ(cache.start_tags()[0].body.get(), k.body.get());
}

TEST(GopCache, ANewSequenceHeaderReplacesTheOld) {
  GopCache cache;
  cache.add(avc_header());
  Tag changed = tag(TagType::video, 5000, {0x17, 0x00, 0, 0, 0, 0x64});
  cache.add(changed);
  auto tags = cache.start_tags();
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].timestamp, 5000u);
}

TEST(GopCache, AnOverlongGopIsDroppedUntilTheNextKeyframe) {
  GopCache cache(1000);
  cache.add(keyframe(0, 600));
  cache.add(keyframe(40, 600));  // a new GOP: the old one is gone, 600 bytes held
  EXPECT_EQ(cache.gop_bytes(), 600u);
  cache.add(tag(TagType::video, 80, Bytes(500, 0x27)));  // 1,100 bytes: over the bound
  EXPECT_EQ(cache.gop_tags(), 0u);
  cache.add(interframe(120));
  EXPECT_EQ(cache.gop_tags(), 0u);
  cache.add(keyframe(160));
  EXPECT_EQ(cache.gop_tags(), 1u);
}

TEST(GopCache, ClearForgetsEverything) {
  GopCache cache;
  for (const auto& t : {metadata(), avc_header(), aac_header(), keyframe(0)}) cache.add(t);
  cache.clear();
  EXPECT_TRUE(cache.start_tags().empty());
  EXPECT_FALSE(cache.has_video_header());
}

TEST(GopCache, EmptyBodiesAreHarmless) {
  GopCache cache;
  cache.add(Tag{TagType::video, 0, nullptr, {}, nullptr});
  cache.add(tag(TagType::audio, 0, {}));
  EXPECT_TRUE(cache.start_tags().empty());
}

}  // namespace
}  // namespace media
