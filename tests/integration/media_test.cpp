// Media relay with real clients: ffmpeg publishes over RTMP, ffprobe plays HTTP-FLV; wrong
// keys, dropped publishers and bad bytes on the RTMP port.
#include <signal.h>

#include <filesystem>
#include <thread>

#include "live_room_fixture.hpp"
#include "media/amf0.hpp"
#include "media/rtmp_chunk_writer.hpp"
#include "media/rtmp_control.hpp"
#include "media/rtmp_handshake.hpp"
#include "support/child_process.hpp"

namespace testing_support {
namespace {

class MediaTest : public LiveRoomTest {
 protected:
  std::string flv_url() const { return "http://127.0.0.1:" + std::to_string(port()) + "/live/r1.flv"; }
};

TEST_F(MediaTest, FfmpegPublishesAndFfprobePlaysHttpFlv) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
  auto [status, out] = run_program({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height",
                                    "-of", "compact", flv_url()},
                                   30s);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=1280|height=720"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  EXPECT_GE(metric_value(port(), "livecart_rtmp_publishers").value_or(0), 1);
  EXPECT_GT(metric_value(port(), "livecart_relay_delay_seconds_count{protocol=\"flv\"}").value_or(0), 0);
}

TEST_F(MediaTest, FfprobePlaysRtmp) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
  std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()) + "/live/r1";
  auto [status, out] =
      run_program({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "compact", url},
                  30s);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=1280|height=720"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  EXPECT_GT(metric_value(port(), "livecart_relay_delay_seconds_count{protocol=\"rtmp\"}").value_or(0), 0);
}

TEST_F(MediaTest, PlayingAnOfflineRoomOverRtmpFails) {
  std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()) + "/live/r1";
  auto [status, out] = run_program({"ffprobe", "-v", "error", url}, 30s);
  EXPECT_NE(status, 0) << out;
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(MediaTest, WrongKeyIsRefused) {
  auto ffmpeg = publish("not-the-key");
  EXPECT_NE(ffmpeg->wait_exit(30s), 0) << "ffmpeg should fail to publish";
  EXPECT_GE(metric_value(port(), "livecart_rtmp_refused_total").value_or(0), 1);
  EXPECT_EQ(http_request(port(), "GET", "/live/r1.flv").status, 404);
}

TEST_F(MediaTest, HostRotatesTheStreamKeyAndOnlyTheNewKeyPublishes) {
  std::string host_key(room_.at("host_key").as_string());
  auto rotated = http_request(port(), "POST", "/api/rooms/r1/keys/stream/rotate", "", host_key);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string new_key(rotated.json().at("stream_key").as_string());
  EXPECT_NE(new_key, stream_key_);
  EXPECT_EQ(rotated.json().at("stream_key_generation"), 1);
  EXPECT_EQ(rotated.json().at("host_key"), host_key.c_str()) << "only the stream key changes";
  auto keys = http_request(port(), "GET", "/api/rooms/r1/keys", "", host_key);
  EXPECT_EQ(keys.json().at("stream_key"), new_key.c_str());

  auto old = publish(stream_key_);
  EXPECT_NE(old->wait_exit(30s), 0) << "the old key no longer publishes";
  auto fresh = publish(new_key);
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << fresh->output();

  // A second rotation moves on again; the broadcast already live is not cut by it.
  auto again = http_request(port(), "POST", "/api/rooms/r1/keys/stream/rotate", "", kAdminToken);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("stream_key_generation"), 2);
  EXPECT_NE(again.json().at("stream_key"), new_key.c_str());
  EXPECT_EQ(metric_value(port(), "livecart_stream_live{room=\"r1\"}"), 1);
}

TEST_F(MediaTest, RotatingTheStreamKeyNeedsTheHostOfThatRoom) {
  create_room("r2");
  auto r2 = http_request(port(), "GET", "/api/rooms/r2/keys", "", kAdminToken).json();
  const std::string target = "/api/rooms/r1/keys/stream/rotate";
  EXPECT_EQ(http_request(port(), "POST", target).status, 401);
  EXPECT_EQ(http_request(port(), "POST", target, "", "forged.token").status, 401);
  EXPECT_EQ(http_request(port(), "POST", target, "", std::string(room_.at("operator_key").as_string())).status, 403);
  EXPECT_EQ(http_request(port(), "POST", target, "", std::string(r2.at("host_key").as_string())).status, 403);
  EXPECT_EQ(http_request(port(), "GET", target, "", kAdminToken).status, 405);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/nope/keys/stream/rotate", "", kAdminToken).status, 404);
  // Nothing changed: the first key still publishes.
  auto ffmpeg = publish(stream_key_);
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
}

TEST_F(MediaTest, ClosedRoomCannotRotateItsKey) {
  ASSERT_EQ(http_request(port(), "POST", "/api/rooms/r1/close", "", kAdminToken).status, 200);
  auto res = http_request(port(), "POST", "/api/rooms/r1/keys/stream/rotate", "", kAdminToken);
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.json().at("error").at("code"), "room_closed");
}

TEST_F(MediaTest, RotatedKeySurvivesARestart) {
  std::string dir = make_temp_dir();
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--no-hls", "--no-record", "--no-snapshots"}, dir);
  auto room = create_room("r1");
  auto rotated = http_request(port(), "POST", "/api/rooms/r1/keys/stream/rotate", "", kAdminToken);
  ASSERT_EQ(rotated.status, 200);
  std::string new_key(rotated.json().at("stream_key").as_string());
  ASSERT_EQ(server_->stop(), 0);
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--no-hls", "--no-record", "--no-snapshots"}, dir);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/keys", "", kAdminToken).json().at("stream_key"), new_key.c_str());
  auto old = publish(std::string(room.at("stream_key").as_string()));
  EXPECT_NE(old->wait_exit(30s), 0);
  auto fresh = publish(new_key);
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << fresh->output();
  fresh.reset();
  server_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(MediaTest, KilledPublisherEndsEveryViewersStreamAndTheServerGoesOn) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
  std::string received;
  bool closed = false;
  std::thread viewer([&] {
    received = raw_exchange(port(), "GET /live/r1.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 60s, &closed);
  });
  ASSERT_TRUE(wait_metric("livecart_flv_viewers", 1));
  ffmpeg->kill(SIGKILL);
  viewer.join();
  EXPECT_TRUE(closed);
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_NE(received.find("video/x-flv"), std::string::npos);
  ASSERT_GE(received.size(), 5u);
  EXPECT_EQ(received.substr(received.size() - 5), "0\r\n\r\n") << "the chunked body ends cleanly";
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 0));
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
  // The room can go live again at once.
  auto again = publish(stream_key_);
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << again->output();
}

TEST_F(MediaTest, TheRoomSaysWhenItsStreamStartsAndEnds) {
  auto viewer = join("r1");
  ASSERT_TRUE(viewer);
  EXPECT_EQ(viewer->welcome().at("room").at("live"), false);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1").json().at("live"), false);

  auto ffmpeg = publish(stream_key_);
  auto started = viewer->wait_type("stream", 30s);
  ASSERT_TRUE(started) << ffmpeg->output();
  EXPECT_EQ(started->at("live"), true);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1").json().at("live"), true);
  bool listed = false;
  json::value rooms = http_request(port(), "GET", "/api/rooms").json();
  for (const auto& r : rooms.at("rooms").as_array()) listed |= r.at("id") == "r1" && r.at("live") == true;
  EXPECT_TRUE(listed);
  auto late = join("r1");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->welcome().at("room").at("live"), true);
  EXPECT_EQ(metric_value(port(), "livecart_stream_live{room=\"r1\"}"), 1);

  ffmpeg->kill(SIGKILL);
  for (auto* c : {viewer.get(), late.get()}) {
    auto ended = c->wait_type("stream", 30s);
    ASSERT_TRUE(ended);
    EXPECT_EQ(ended->at("live"), false);
  }
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1").json().at("live"), false);
  EXPECT_EQ(http_request(port(), "GET", "/live/r1.flv").status, 404);
}

// The FLV file header's flags byte, from the start of an HTTP-FLV answer ("FLV", version 1, flags).
int flv_flags(const std::string& received) {
  auto at = received.find(std::string("FLV\x01", 4));
  return at == std::string::npos || at + 4 >= received.size() ? -1 : static_cast<unsigned char>(received[at + 4]);
}

TEST_F(MediaTest, FlvHeaderAnnouncesAudioAndVideoOfAStreamWithBoth) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
  auto received = raw_exchange(port(), "GET /live/r1.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 3s);
  EXPECT_EQ(flv_flags(received), 0x05) << "audio (4) and video (1)";
}

TEST_F(MediaTest, FlvHeaderOfAVideoOnlyStreamAnnouncesNoAudio) {
  ChildProcess ffmpeg({"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                       "testsrc2=size=320x180:rate=15", "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-tune",
                       "zerolatency", "-g", "15", "-pix_fmt", "yuv420p", "-f", "flv", rtmp_url(stream_key_)},
                      dir_ + "/ffmpeg.log");
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg.output();
  auto received = raw_exchange(port(), "GET /live/r1.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 3s);
  EXPECT_EQ(flv_flags(received), 0x01) << "video only";
  auto [status, out] = run_program({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "compact", flv_url()}, 30s);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("codec_name=h264"), std::string::npos) << out;
}

TEST_F(MediaTest, OfflineRoomAnswersNotLive) {
  auto res = http_request(port(), "GET", "/live/r1.flv");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.json().at("error").at("code"), "offline");
}

// Bytes a misbehaving client sends to the RTMP port, after a valid handshake when asked.
std::string rtmp_bytes(bool handshake, const std::vector<media::rtmp::Message>& messages) {
  std::vector<std::uint8_t> out;
  if (handshake) {
    out.push_back(media::rtmp::kRtmpVersion);
    out.insert(out.end(), 2 * media::rtmp::kHandshakeBlock, 0x5A);  // C1 and C2
  }
  media::rtmp::ChunkWriter writer;
  for (const auto& m : messages) writer.write(m, out);
  return std::string(out.begin(), out.end());
}

TEST_F(MediaTest, BadBytesOnTheRtmpPortCloseOnlyThatConnection) {
  using media::rtmp::Message;
  std::string random;
  for (int i = 0; i < 4096; ++i) random.push_back(static_cast<char>((i * 131 + 71) % 256));
  std::string huge_chunk_size = rtmp_bytes(true, {media::rtmp::set_chunk_size(0x7FFFFFFF)});
  huge_chunk_size.back() = static_cast<char>(0xFF);
  huge_chunk_size[huge_chunk_size.size() - 4] = static_cast<char>(0x80);  // 2^31 and above: the top bit set
  std::string over_limit = rtmp_bytes(true, {});
  for (unsigned char b : {0x06, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0}) over_limit.push_back(static_cast<char>(b));
  std::string publish_first = rtmp_bytes(
      true, {media::rtmp::command("publish", 5, {media::amf0::Value::null(), media::amf0::Value::string("r1?key=" + stream_key_)}, 1)});

  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"random bytes", random}, {"chunk size 2^31", huge_chunk_size}, {"message over the limit", over_limit},
           {"publish before connect", publish_first}}) {
    bool closed = false;
    (void)raw_exchange(server_->rtmp_port(), bytes, 20s, &closed);
    EXPECT_TRUE(closed) << name;
  }
  EXPECT_GE(metric_value(port(), "livecart_rtmp_protocol_errors_total").value_or(0), 4);
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
  auto ffmpeg = publish(stream_key_);
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();
}

class DemoStreamTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--demo", "--demo-stream"}; }
};

TEST_F(DemoStreamTest, DemoRoomIsLiveWithATestPatternAndShutdownIsClean) {
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"demo\"}", 1, 60s));
  auto [status, out] = run_program({"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                                    "compact", "http://127.0.0.1:" + std::to_string(port()) + "/live/demo.flv"},
                                   30s);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("codec_name=h264|width=1280|height=720"), std::string::npos) << out;
  EXPECT_NE(out.find("codec_name=aac"), std::string::npos) << out;
  EXPECT_EQ(server_->stop(), 0);
}

}  // namespace
}  // namespace testing_support
