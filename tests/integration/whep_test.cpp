// WHEP (POST /whep/{room}) against the real server: what is refused and how (wrong content
// type, a room not live, bad SDP, an offer without H.264, an oversized body, trickle ICE, an
// unknown session), the session limit, and sessions ended by DELETE or by the stream's end.
// The offer is one Chromium made (tests/data/chromium_whep_offer.sdp): webrtcbin answers it
// whether or not a browser is behind it. Playback in a real browser: tests/web/whep.test.mjs.
#include <signal.h>

#include <fstream>
#include <iterator>

#include "live_room_fixture.hpp"

namespace testing_support {
namespace {

const std::map<std::string, std::string> kSdpType{{"Content-Type", "application/sdp"}};

std::string chromium_offer() {
  std::ifstream in(std::string(LIVECART_TEST_DATA) + "/chromium_whep_offer.sdp");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string error_code(const HttpResult& r) {
  try {
    return std::string(r.json().at("error").at("code").as_string());
  } catch (const std::exception&) {
    return "(not the error envelope: " + r.body + ")";
  }
}

// The offer with every H.264 payload type's rtpmap renamed, so that only VP8/VP9/AV1 are offered.
std::string without_h264(std::string offer) {
  for (auto pos = offer.find(" H264/90000"); pos != std::string::npos;
       pos = offer.find(" H264/90000", pos))
    offer.replace(pos, 11, " XXXX/90000");
  return offer;
}

class WhepTest : public LiveRoomTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--whep-max-sessions", "1", "--no-hls", "--no-record", "--no-snapshots"};
  }
  HttpResult post_offer(const std::string& body,
                        const std::map<std::string, std::string>& headers = kSdpType) {
    return http_request(port(), "POST", "/whep/r1", body, {}, 30s, headers);
  }
  void go_live() {
    ffmpeg_ = publish(stream_key_);
    ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg_->output();
  }
  std::unique_ptr<ChildProcess> ffmpeg_;
};

TEST_F(WhepTest, AnOfferThatIsNotApplicationSdpIs415) {
  auto r = post_offer(chromium_offer(), {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_code(r), "unsupported_media_type");
  r = post_offer(chromium_offer(), {});  // http_request's default: application/json
  EXPECT_EQ(r.status, 415);
}

TEST_F(WhepTest, ARoomThatIsNotLiveIs404OfflineAndAnUnknownRoom404NotFound) {
  auto r = post_offer(chromium_offer());
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "offline");
  r = http_request(port(), "POST", "/whep/nosuchroom", chromium_offer(), {}, 10s, kSdpType);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
}

TEST_F(WhepTest, DeleteOfAnUnknownSessionIs404AndPatchIs405) {
  auto r = http_request(port(), "DELETE", "/whep/r1/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
  r = http_request(port(), "PATCH", "/whep/r1/0123456789abcdef0123456789abcdef",
                   "a=candidate:1 1 udp 1 1.2.3.4 9 typ host", {}, 10s,
                   {{"Content-Type", "application/trickle-ice-sdpfrag"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  EXPECT_NE(r.body.find("trickle ICE"), std::string::npos) << r.body;
  r = http_request(port(), "GET", "/whep/r1");
  EXPECT_EQ(r.status, 405);
}

TEST_F(WhepTest, AnOversizedOfferIs413) {
  auto r = post_offer(std::string(100 * 1024, 'a'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_code(r), "too_large");
}

TEST_F(WhepTest, BadOffersAreRefusedWith400AndSayWhy) {
  go_live();
  std::string offer = chromium_offer();
  ASSERT_FALSE(offer.empty()) << "tests/data/chromium_whep_offer.sdp missing";
  std::string no_fingerprint = offer;
  for (auto pos = no_fingerprint.find("a=fingerprint:"); pos != std::string::npos;
       pos = no_fingerprint.find("a=fingerprint:"))
    no_fingerprint.erase(pos, no_fingerprint.find('\n', pos) - pos + 1);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "bad_sdp"},
      {"hello", "bad_sdp"},
      {"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "bad_sdp"},
      {"v=0\r\nm=video nine UDP/TLS/RTP/SAVPF 96\r\n", "bad_sdp"},
      {no_fingerprint, "bad_sdp"},
      {without_h264(offer), "no_common_codec"},
  };
  for (const auto& [body, code] : cases) {
    auto r = post_offer(body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 60);
    EXPECT_EQ(error_code(r), code) << body.substr(0, 60);
  }
  EXPECT_EQ(metric_value(port(), "livecart_whep_sessions"), 0);
}

TEST_F(WhepTest, TheSessionLimitRefusesWith503UntilASessionIsDeleted) {
  go_live();
  auto first = post_offer(chromium_offer());
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.headers["content-type"], "application/sdp");
  std::string location = first.headers["location"];
  ASSERT_TRUE(location.starts_with("/whep/r1/")) << location;
  EXPECT_NE(first.body.find("a=candidate:"), std::string::npos)
      << "non-trickle: the answer carries its candidates";
  EXPECT_NE(first.body.find("a=group:BUNDLE 0 1"), std::string::npos)
      << "one transport for video and audio";
  // The stream (libx264 ultrafast: constrained baseline) under the offer's CB payload type, 108.
  EXPECT_NE(first.body.find("a=rtpmap:108 H264/90000"), std::string::npos) << first.body;
  EXPECT_NE(first.body.find("packetization-mode=1;profile-level-id=42c0"), std::string::npos)
      << first.body;
  EXPECT_NE(first.body.find("OPUS/48000"), std::string::npos) << first.body;
  EXPECT_EQ(metric_value(port(), "livecart_whep_sessions"), 1);

  auto second = post_offer(chromium_offer());
  EXPECT_EQ(second.status, 503);
  EXPECT_EQ(error_code(second), "too_many_sessions");
  EXPECT_EQ(second.headers["retry-after"], "10");
  EXPECT_EQ(metric_value(port(), "livecart_whep_refused_total"), 1);

  EXPECT_EQ(http_request(port(), "DELETE", location).status, 200);
  EXPECT_EQ(http_request(port(), "DELETE", location).status, 404) << "a session ends once";
  ASSERT_TRUE(wait_metric("livecart_whep_sessions", 0));
  auto third = post_offer(chromium_offer());
  EXPECT_EQ(third.status, 201) << third.body;
  EXPECT_NE(third.headers["location"], location);
}

TEST_F(WhepTest, TheStreamsEndEndsItsSessions) {
  go_live();
  auto r = post_offer(chromium_offer());
  ASSERT_EQ(r.status, 201) << r.body;
  ffmpeg_->kill(SIGINT);
  EXPECT_GE(ffmpeg_->wait_exit(20s), 0);
  EXPECT_TRUE(wait_metric("livecart_whep_sessions", 0));
  EXPECT_EQ(http_request(port(), "DELETE", r.headers["location"]).status, 404);
}

}  // namespace
}  // namespace testing_support
