#include "media/flv_tracks.hpp"

#include <gtest/gtest.h>

#include "media/amf0.hpp"
#include "media_test_tags.hpp"

namespace media::flv {
namespace {

using namespace media::test;

Tag on_metadata(amf0::Properties properties) {
  std::vector<amf0::Value> values{amf0::Value::string("onMetaData"), amf0::Value::ecma_array(std::move(properties))};
  return tag(TagType::script, 0, amf0::encode_all(values));
}

void expect_tracks(const std::vector<Tag>& start, bool audio, bool video) {
  auto t = tracks_of(start);
  EXPECT_EQ(t.audio, audio);
  EXPECT_EQ(t.video, video);
}

TEST(FlvTracksTest, MetadataNamingOnlyAVideoCodecMeansVideoOnly) {
  expect_tracks({on_metadata({{"width", amf0::Value::number(640)}, {"videocodecid", amf0::Value::number(7)}}), avc_header(),
                 keyframe(0)},
                false, true);
}

TEST(FlvTracksTest, MetadataNamingBothCodecsMeansBoth) {
  expect_tracks({on_metadata({{"videocodecid", amf0::Value::number(7)}, {"audiocodecid", amf0::Value::number(10)}})}, true,
                true);
}

TEST(FlvTracksTest, MetadataWinsOverTheTagsSoFar) {
  // An audio-only radio stream: metadata names AAC only, whatever else comes.
  expect_tracks({on_metadata({{"audiocodecid", amf0::Value::number(10)}}), aac_header(), audio(0)}, true, false);
}

TEST(FlvTracksTest, WithoutCodecsInTheMetadataTheTagsOfAStartedStreamTell) {
  expect_tracks({metadata(), avc_header(), keyframe(0), interframe(33)}, false, true);
  expect_tracks({avc_header(), aac_header(), keyframe(0), audio(10)}, true, true);
}

TEST(FlvTracksTest, BeforeTheFirstKeyframeBothAreAnnounced) {
  expect_tracks({}, true, true);
  expect_tracks({metadata()}, true, true);
  expect_tracks({interframe(33)}, true, true);
}

TEST(FlvTracksTest, MalformedMetadataIsIgnored) {
  expect_tracks({tag(TagType::script, 0, {0x02, 0xFF}), avc_header(), keyframe(0)}, false, true);
}

}  // namespace
}  // namespace media::flv
