#include "media/sdp.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace media::sdp {
namespace {

std::string chromium_offer() {
  std::ifstream in(std::string(LIVECART_TEST_DATA) + "/chromium_whep_offer.sdp");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(SdpTest, ChromiumsWhepOfferHasAVideoAndAnAudioSectionToReceive) {
  std::string error;
  auto offer = parse_offer(chromium_offer(), error);
  ASSERT_TRUE(offer) << error;
  ASSERT_EQ(offer->media.size(), 2u);
  EXPECT_EQ(offer->media[0].kind, "video");
  EXPECT_EQ(offer->media[0].mid, "0");
  EXPECT_EQ(offer->media[0].direction, "recvonly");
  EXPECT_EQ(offer->media[1].kind, "audio");
  const Codec* opus = choose_opus(offer->media[1]);
  ASSERT_NE(opus, nullptr);
  EXPECT_EQ(opus->payload_type, 111);
}

TEST(SdpTest, TheH264PayloadTypeFollowsTheStreamsProfile) {
  std::string error;
  auto offer = parse_offer(chromium_offer(), error);
  ASSERT_TRUE(offer) << error;
  const auto& video = offer->media[0];
  // Constrained baseline (x264 ultrafast writes 42c0xx): the offer's 42e01f, packetization-mode=1.
  const Codec* cb = choose_h264(video, h264_profile(0x42, 0xc0));
  ASSERT_NE(cb, nullptr);
  EXPECT_EQ(cb->payload_type, 108);
  EXPECT_EQ(choose_h264(video, H264Profile::baseline)->payload_type, 102);
  EXPECT_EQ(choose_h264(video, H264Profile::main)->payload_type, 116);
  EXPECT_EQ(choose_h264(video, H264Profile::high), nullptr)
      << "Chromium here offers no High profile";
  EXPECT_EQ(any_h264(video)->payload_type, 102);
}

TEST(SdpTest, ProfilesAreReadAsLibwebrtcReadsThem) {
  EXPECT_EQ(h264_profile("42e01f"), H264Profile::constrained_baseline);
  EXPECT_EQ(h264_profile("42c01f"), H264Profile::constrained_baseline);
  EXPECT_EQ(h264_profile("42001f"), H264Profile::baseline);
  EXPECT_EQ(h264_profile("4d001f"), H264Profile::main);
  EXPECT_EQ(h264_profile("4d401f"), H264Profile::main);
  EXPECT_EQ(h264_profile("640c1f"), H264Profile::constrained_high);
  EXPECT_EQ(h264_profile("640028"), H264Profile::high);
  EXPECT_EQ(h264_profile("f4001f"), H264Profile::other);
  EXPECT_EQ(h264_profile("42e0"), std::nullopt);
  EXPECT_EQ(h264_profile("zz001f"), std::nullopt);
}

TEST(SdpTest, TheStreamsFormatComesFromItsAvcSequenceHeader) {
  const std::vector<std::uint8_t> header{0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1f, 0xff, 0xe1};
  auto format = h264_format_of_flv(header);
  ASSERT_TRUE(format);
  EXPECT_EQ(format->profile_level_id(), "42c01f");
  EXPECT_FALSE(
      h264_format_of_flv(std::vector<std::uint8_t>{0x17, 0x01, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1f}));
  EXPECT_FALSE(
      h264_format_of_flv(std::vector<std::uint8_t>{0x12, 0x00, 0, 0, 0, 0x01, 0x42, 0xc0, 0x1f}));
  EXPECT_FALSE(h264_format_of_flv(std::vector<std::uint8_t>{0x17, 0x00}));
}

TEST(SdpTest, NotAWebRtcOfferIsRefusedWithAReason) {
  const std::vector<std::string> bad{
      "",
      "hello",
      "v=1\r\n",
      "v=0\r\ns=-\r\n",                                                       // no media
      "v=0\r\nm=video x UDP/TLS/RTP/SAVPF 96\r\n",                            // bad port
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96 300\r\n",                        // bad payload type
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264\r\n",        // no clock rate
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=rtpmap:96 H264/90000\r\n",  // no ICE, no DTLS
      "v=0\r\nm=application 9 UDP/DTLS/SCTP "
      "webrtc-datachannel\r\na=ice-ufrag:x\r\na=fingerprint:sha-256 AA\r\n",
  };
  for (const auto& text : bad) {
    std::string error;
    EXPECT_FALSE(parse_offer(text, error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(SdpTest, TheAnswerNamesTheStreamsProfileAndAddsPublicCandidates) {
  const std::string answer =
      "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 108\r\na=rtpmap:108 H264/90000\r\n"
      "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=candidate:1 1 UDP 2015363327 10.0.0.5 40000 typ host\r\n"
      "a=candidate:2 1 UDP 1015363327 198.51.100.9 40000 typ srflx raddr 10.0.0.5 rport 40000\r\n";
  std::string out = edit_answer(answer, 108, "42c01f", "203.0.113.7");
  EXPECT_NE(
      out.find(
          "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42c01f\r\n"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("a=candidate:1 1 UDP 2015363327 10.0.0.5 40000 typ host\r\n"
                     "a=candidate:19 1 UDP 2015363327 203.0.113.7 40000 typ host\r\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("203.0.113.7 40000 typ srflx"), std::string::npos)
      << "only host candidates get a twin";
  EXPECT_EQ(edit_answer(answer, 108, "42e01f", ""), answer);
}

}  // namespace
}  // namespace media::sdp
