// WHIP (POST /whip/{room}) against the real server: who may publish (no token, a forged or
// rotated one, an operator's key, the host key, the stream key), what is refused and how (wrong
// content type, bad SDP, an offer that sends no video or no H.264, a room that has ended, a room
// another encoder is live in, trickle ICE, an unknown session), and sessions ended by DELETE.
// The offer is one Chromium made with a fake camera (tests/data/chromium_whip_offer.sdp):
// webrtcbin answers it whether or not a browser is behind it. Publishing from a real browser, and
// playing that over WHEP, HTTP-FLV and HLS: tests/web/whip.test.mjs.
#include <fstream>
#include <iterator>

#include "live_room_fixture.hpp"

namespace testing_support {
namespace {

std::string chromium_offer() {
  std::ifstream in(std::string(LIVECART_TEST_DATA) + "/chromium_whip_offer.sdp");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string error_code(const HttpResult& r) {
  try {
    return std::string(r.json().at("error").at("code").as_string());
  } catch (const std::exception&) {
    return "(not the error envelope: " + r.body + ")";
  }
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
  return s;
}

class WhipTest : public LiveRoomTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--no-hls", "--no-record", "--no-snapshots"}; }
  HttpResult post_offer(const std::string& body, const std::string& token,
                        const std::string& content_type = "application/sdp", const std::string& room = "r1") {
    std::map<std::string, std::string> headers{{"Content-Type", content_type}};
    return http_request(port(), "POST", "/whip/" + room, body, token, 30s, headers);
  }
  [[nodiscard]] std::string host_key() const { return std::string(room_.at("host_key").as_string()); }
  [[nodiscard]] std::string operator_key() const { return std::string(room_.at("operator_key").as_string()); }
};

TEST_F(WhipTest, PublishingNeedsTheHostKeyOrTheStreamKey) {
  auto r = post_offer(chromium_offer(), "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  r = post_offer(chromium_offer(), "not-a-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
  std::string forged = host_key();
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(post_offer(chromium_offer(), forged).status, 401);
  r = post_offer(chromium_offer(), operator_key());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "forbidden");
  // Another room's host key.
  auto other = create_room("r2");
  r = post_offer(chromium_offer(), std::string(other.at("host_key").as_string()));
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(metric_value(port(), "livecart_whip_sessions"), 0);
}

TEST_F(WhipTest, TheHostKeyPublishesAndDeleteEndsTheSession) {
  auto r = post_offer(chromium_offer(), host_key());
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/sdp");
  std::string location = r.headers["location"];
  ASSERT_TRUE(location.starts_with("/whip/r1/")) << location;
  EXPECT_NE(r.body.find("a=candidate:"), std::string::npos) << "non-trickle: the answer carries its candidates";
  EXPECT_NE(r.body.find("a=recvonly"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(" H264/90000"), std::string::npos) << "the video is taken as H.264: " << r.body;
  EXPECT_NE(r.body.find("OPUS/48000"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("nack pli"), std::string::npos) << "keyframes are asked for with PLI: " << r.body;
  EXPECT_EQ(r.headers["access-control-allow-origin"], "*");
  EXPECT_EQ(metric_value(port(), "livecart_whip_sessions"), 1);
  EXPECT_EQ(metric_value(port(), "livecart_stream_live{room=\"r1\"}"), 1) << "the room is claimed by the publisher";

  EXPECT_EQ(http_request(port(), "DELETE", location).status, 200);
  EXPECT_EQ(http_request(port(), "DELETE", location).status, 404) << "a session ends once";
  EXPECT_TRUE(wait_metric("livecart_whip_sessions", 0));
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 0)) << "ending the session ends the broadcast";
}

TEST_F(WhipTest, TheStreamKeyPublishesLikeOBSsWhipOutput) {
  auto r = post_offer(chromium_offer(), stream_key_);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(http_request(port(), "DELETE", r.headers["location"]).status, 200);
}

TEST_F(WhipTest, ARoomLiveFromAnotherEncoderIs409) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
  auto r = post_offer(chromium_offer(), host_key());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(error_code(r), "already_publishing");
  EXPECT_EQ(metric_value(port(), "livecart_whip_refused_total"), 1);
  EXPECT_TRUE(wait_metric("livecart_whip_sessions", 0));
}

TEST_F(WhipTest, BadOffersAreRefusedWith4xxAndSayWhy) {
  std::string offer = chromium_offer();
  ASSERT_FALSE(offer.empty()) << "tests/data/chromium_whip_offer.sdp missing";
  auto r = post_offer(offer, host_key(), "text/plain");
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(error_code(r), "unsupported_media_type");
  r = post_offer(offer, host_key(), "application/sdp", "nosuchroom");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(error_code(r), "not_found");
  r = post_offer(std::string(100 * 1024, 'a'), host_key());
  EXPECT_EQ(r.status, 413);

  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "bad_sdp"},
      {"hello", "bad_sdp"},
      {"v=0\r\nm=video nine UDP/TLS/RTP/SAVPF 96\r\n", "bad_sdp"},
      // A viewer's offer (receive only) is not a publisher's.
      {replace_all(offer, "a=sendonly", "a=recvonly"), "bad_sdp"},
      {replace_all(offer, " H264/90000", " XXXX/90000"), "no_common_codec"},
  };
  for (const auto& [body, code] : cases) {
    r = post_offer(body, host_key());
    EXPECT_EQ(r.status, 400) << body.substr(0, 60);
    EXPECT_EQ(error_code(r), code) << body.substr(0, 60);
  }
  EXPECT_EQ(metric_value(port(), "livecart_whip_sessions"), 0);
  EXPECT_EQ(metric_value(port(), "livecart_stream_live{room=\"r1\"}"), 0);
}

TEST_F(WhipTest, AnEndedRoomIs409AndTrickleIs405) {
  auto r = http_request(port(), "PATCH", "/whip/r1/0123456789abcdef0123456789abcdef",
                        "a=candidate:1 1 udp 1 1.2.3.4 9 typ host", {}, 10s,
                        {{"Content-Type", "application/trickle-ice-sdpfrag"}});
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(error_code(r), "method_not_allowed");
  r = http_request(port(), "DELETE", "/whip/r1/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(r.status, 404);
  r = http_request(port(), "OPTIONS", "/whip/r1");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["accept-post"], "application/sdp");
  ASSERT_EQ(http_request(port(), "POST", "/api/rooms/r1/close", "", kAdminToken).status, 200);
  r = post_offer(chromium_offer(), host_key());
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(error_code(r), "room_closed");
}

}  // namespace
}  // namespace testing_support
