#include "media/flv.hpp"

#include <gtest/gtest.h>

namespace media::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Flv, FileHeaderAnnouncesAudioAndVideo) {
  EXPECT_EQ(file_header(true, true), (Bytes{'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(file_header(false, true)[4], 1);
  EXPECT_EQ(file_header(true, false)[4], 4);
  EXPECT_EQ(file_header(true, true).size(), kFileHeaderBytes);
}

TEST(Flv, TagCarriesSizeTimestampBodyAndPreviousTagSize) {
  Bytes out;
  append_tag(TagType::video, 0x01020304, Bytes{0x17, 0x01, 0xAA}, out);
  EXPECT_EQ(out, (Bytes{9, 0, 0, 3, 0x02, 0x03, 0x04, 0x01, 0, 0, 0, 0x17, 0x01, 0xAA, 0, 0, 0, 14}));
}

TEST(Flv, EmptyBodyTagIsStillWellFormed) {
  Bytes out;
  append_tag(TagType::script, 0, Bytes{}, out);
  EXPECT_EQ(out.size(), kTagHeaderBytes + 4);
  EXPECT_EQ(out.back(), 11);
}

TEST(Flv, RecognisesKeyframesOfVideoOnly) {
  EXPECT_TRUE(is_keyframe(TagType::video, Bytes{0x17, 0x01}));
  EXPECT_FALSE(is_keyframe(TagType::video, Bytes{0x27, 0x01}));
  EXPECT_FALSE(is_keyframe(TagType::audio, Bytes{0x1F, 0x01}));
  EXPECT_FALSE(is_keyframe(TagType::video, Bytes{}));
}

TEST(Flv, RecognisesAvcAndAacSequenceHeaders) {
  EXPECT_TRUE(is_sequence_header(TagType::video, Bytes{0x17, 0x00, 0, 0, 0}));
  EXPECT_FALSE(is_sequence_header(TagType::video, Bytes{0x17, 0x01, 0, 0, 0}));
  EXPECT_FALSE(is_sequence_header(TagType::video, Bytes{0x12, 0x00}));  // not AVC
  EXPECT_TRUE(is_sequence_header(TagType::audio, Bytes{0xAF, 0x00, 0x12, 0x10}));
  EXPECT_FALSE(is_sequence_header(TagType::audio, Bytes{0xAF, 0x01, 0x21}));
  EXPECT_FALSE(is_sequence_header(TagType::audio, Bytes{0x2F, 0x00}));  // MP3
  EXPECT_FALSE(is_sequence_header(TagType::audio, Bytes{0xAF}));
  EXPECT_FALSE(is_sequence_header(TagType::script, Bytes{0x02, 0x00}));
}

TEST(FlvRebaser, StartsAtZeroAndSmoothsJumpsOverSoTimeGoesOn) {
  Rebaser rebase;
  rebase.start(5000);
  EXPECT_EQ(rebase(5000), 0u);
  EXPECT_EQ(rebase(5033), 33u);
  EXPECT_EQ(rebase(5020), 20u) << "a small step back (B-frames) is kept";
  EXPECT_EQ(rebase(0), 34u) << "a takeover restarting at 0 goes on just after the last output";
  EXPECT_EQ(rebase(40), 74u);
  EXPECT_EQ(rebase(60000), 75u) << "a jump of a minute ahead is smoothed over too";
  EXPECT_EQ(rebase(60033), 108u);
  rebase.start(7);
  EXPECT_EQ(rebase(7), 0u) << "start() begins again";
}

}  // namespace
}  // namespace media::flv
