// Live outputs through GStreamer with real clients: HLS read by ffprobe, the MP4 recording
// listed and fetched with Range, the JPEG snapshot, gst-launch's rtmp2sink as a publisher, and
// 50 publish/unpublish cycles after which the server's threads and descriptors are back.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>

#include "live_room_fixture.hpp"
#include "support/child_process.hpp"
#include "support/rtmp_publisher.hpp"

namespace testing_support {
namespace {

std::size_t count_threads(pid_t pid) {
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

class LiveMediaTest : public LiveRoomTest {
 protected:
  // The server's log, for failure messages.
  std::string server_log() const {
    std::ifstream in(server_->log_path());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string http_url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port()) + path; }

  // Polls GET `path` until `done` holds for the answer (or the deadline passes).
  HttpResult wait_http(const std::string& path, const std::function<bool(const HttpResult&)>& done,
                       std::chrono::seconds deadline = 60s) {
    auto until = std::chrono::steady_clock::now() + deadline;
    HttpResult res;
    while (std::chrono::steady_clock::now() < until) {
      res = http_request(port(), "GET", path);
      if (done(res)) break;
    }
    return res;
  }

  // ffprobe's compact stream list for `url`.
  std::string probe(const std::string& url) {
    auto [status, out] = run_program(
        {"ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "compact", url}, 60s);
    EXPECT_EQ(status, 0) << url << ": " << out;
    return out;
  }
};

bool is_h264_720p_and_aac(const std::string& probe_output) {
  return probe_output.find("codec_name=h264|width=1280|height=720") != std::string::npos &&
         probe_output.find("codec_name=aac") != std::string::npos;
}

TEST_F(LiveMediaTest, FfmpegBroadcastBecomesHlsASnapshotAndARecordingServedWithRange) {
  auto ffmpeg = publish(stream_key_);
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << ffmpeg->output();

  // HLS: a playlist of 1 s segments, never cached; segments cacheable; ffprobe plays it.
  auto playlist = wait_http("/live/r1/index.m3u8",
                            [](const HttpResult& r) { return r.status == 200 && count_lines_with(r.body, ".ts\n") >= 3; });
  ASSERT_EQ(playlist.status, 200) << playlist.body << server_log();
  EXPECT_EQ(playlist.headers["content-type"], "application/vnd.apple.mpegurl");
  EXPECT_EQ(playlist.headers["cache-control"], "no-cache");
  EXPECT_NE(playlist.body.find("#EXT-X-TARGETDURATION:1\n"), std::string::npos) << playlist.body;
  std::string segment = playlist.body.substr(0, playlist.body.find(".ts\n") + 3);
  segment = segment.substr(segment.rfind('\n') + 1);
  auto seg = http_request(port(), "GET", "/live/r1/" + segment);
  EXPECT_EQ(seg.status, 200);
  EXPECT_EQ(seg.headers["content-type"], "video/mp2t");
  EXPECT_EQ(seg.headers["cache-control"], "public, max-age=3600");
  ASSERT_FALSE(seg.body.empty());
  EXPECT_EQ(seg.body[0], 0x47) << "an MPEG-TS packet starts with the sync byte";
  auto probed = probe(http_url("/live/r1/index.m3u8"));
  EXPECT_TRUE(is_h264_720p_and_aac(probed)) << probed;

  // A JPEG of the picture, 640 pixels wide.
  auto snap = wait_http("/live/r1/snapshot.jpg", [](const HttpResult& r) { return r.status == 200; });
  ASSERT_EQ(snap.status, 200) << snap.body;
  EXPECT_EQ(snap.headers["content-type"], "image/jpeg");
  ASSERT_GT(snap.body.size(), 4u);
  EXPECT_EQ(snap.body.substr(0, 2), "\xFF\xD8");
  EXPECT_EQ(snap.body.substr(snap.body.size() - 2), "\xFF\xD9");
  EXPECT_NE(probe(http_url("/live/r1/snapshot.jpg")).find("codec_name=mjpeg|width=640|height=360"), std::string::npos);

  // Nothing is listed while the broadcast is still being written.
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/recordings").json().at("recordings").as_array().size(), 0u);

  // The broadcast ends: the playlist gets its end tag and the recording is finished.
  ffmpeg->kill(SIGINT);
  ASSERT_TRUE(wait_metric("livecart_recordings_total", 1)) << ffmpeg->output();
  EXPECT_TRUE(wait_metric("livecart_media_pipelines", 0));
  EXPECT_NE(http_request(port(), "GET", "/live/r1/index.m3u8").body.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(http_request(port(), "GET", "/live/r1/snapshot.jpg").status, 200) << "the last picture stays";
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1").json().at("snapshot"), true) << "the room says it has one";

  auto list = http_request(port(), "GET", "/api/rooms/r1/recordings");
  ASSERT_EQ(list.status, 200);
  auto recordings = list.json().at("recordings").as_array();
  ASSERT_EQ(recordings.size(), 1u) << list.body;
  auto rec = recordings[0].as_object();
  std::string url(rec.at("url").as_string());
  auto bytes = rec.at("bytes").to_number<std::uint64_t>();
  EXPECT_GT(bytes, 10000u);
  EXPECT_GT(rec.at("started_at_ms").to_number<std::int64_t>(), 0);
  EXPECT_GE(rec.at("finished_at_ms").to_number<std::int64_t>(), rec.at("started_at_ms").to_number<std::int64_t>());
  EXPECT_EQ(url, "/api/rooms/r1/recordings/" + std::string(rec.at("name").as_string()));

  std::string head = "GET " + url + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  auto ranged = raw_exchange(port(), head + "Range: bytes=0-99\r\n\r\n", 10s);
  EXPECT_EQ(ranged.rfind("HTTP/1.1 206 Partial Content\r\n", 0), 0u) << ranged.substr(0, 200);
  EXPECT_NE(ranged.find("Content-Range: bytes 0-99/" + std::to_string(bytes) + "\r\n"), std::string::npos);
  EXPECT_NE(ranged.find("Content-Type: video/mp4\r\n"), std::string::npos);
  auto body_at = ranged.find("\r\n\r\n");
  ASSERT_NE(body_at, std::string::npos);
  EXPECT_EQ(ranged.size() - body_at - 4, 100u);
  EXPECT_EQ(ranged.substr(body_at + 4 + 4, 4), "ftyp") << "an MP4 starts with its ftyp box";
  auto tail = raw_exchange(port(), head + "Range: bytes=-10\r\n\r\n", 10s);
  EXPECT_NE(tail.find("Content-Range: bytes " + std::to_string(bytes - 10) + "-" + std::to_string(bytes - 1) + "/"),
            std::string::npos);
  auto outside = raw_exchange(port(), head + "Range: bytes=" + std::to_string(bytes) + "-\r\n\r\n", 10s);
  EXPECT_EQ(outside.rfind("HTTP/1.1 416", 0), 0u) << outside.substr(0, 200);
  EXPECT_NE(outside.find("Content-Range: bytes */" + std::to_string(bytes)), std::string::npos);
  auto whole = http_request(port(), "GET", url, "", "", 60s);  // ~10 MB from an ASan server on a busy machine
  EXPECT_EQ(whole.status, 200);
  EXPECT_EQ(whole.body.size(), bytes);
  EXPECT_EQ(whole.headers["accept-ranges"], "bytes");

  // ffprobe reads the recording over HTTP (seeking to its index with Range).
  EXPECT_TRUE(is_h264_720p_and_aac(probe(http_url(url))));
}

TEST_F(LiveMediaTest, GstLaunchPublishesWithRtmp2sinkAndEveryProtocolPlays) {
  ChildProcess gst({"gst-launch-1.0", "-q", "videotestsrc", "is-live=true", "!",
                    "video/x-raw,width=1280,height=720,framerate=30/1", "!", "x264enc", "tune=zerolatency",
                    "speed-preset=ultrafast", "key-int-max=30", "!", "h264parse", "!", "queue", "!", "flvmux",
                    "name=mux", "streamable=true", "!", "rtmp2sink", "location=" + rtmp_url(stream_key_), "audiotestsrc",
                    "is-live=true", "!", "audioconvert", "!", "audioresample", "!", "avenc_aac", "!", "aacparse", "!",
                    "queue", "!", "mux."},
                   dir_ + "/gst.log");
  ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 1)) << gst.output();
  EXPECT_TRUE(is_h264_720p_and_aac(probe(http_url("/live/r1.flv"))));
  EXPECT_TRUE(is_h264_720p_and_aac(probe(rtmp_url(""))));
  auto playlist = wait_http("/live/r1/index.m3u8",
                            [](const HttpResult& r) { return r.status == 200 && count_lines_with(r.body, ".ts\n") >= 2; });
  ASSERT_EQ(playlist.status, 200) << gst.output() << server_log();
  EXPECT_TRUE(is_h264_720p_and_aac(probe(http_url("/live/r1/index.m3u8"))));
}

TEST_F(LiveMediaTest, BadMediaRequestsGetClearAnswers) {
  EXPECT_EQ(http_request(port(), "GET", "/live/r1/index.m3u8").json().at("error").at("code"), "offline");
  EXPECT_EQ(http_request(port(), "GET", "/live/r1/snapshot.jpg").json().at("error").at("code"), "no_snapshot");
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1").json().at("snapshot"), false);
  EXPECT_EQ(http_request(port(), "GET", "/live/r1/..%2F..%2Fsecret.key").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/live/r1/../../secret.key").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/recordings/..%2F..%2Fsecret.key").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/recordings/nope.mp4").json().at("error").at("code"),
            "not_found");
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/nope/recordings").status, 404);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/r1/recordings").status, 405);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/recordings").json().at("recordings").as_array().size(), 0u);
}

// Pipelines start on publish and go away on unpublish, 50 times over: GStreamer's threads and
// the files it opened are released each time.
TEST_F(LiveMediaTest, FiftyPublishCyclesLeaveNoThreadsOrFilesBehind) {
  auto [made, log] = run_program({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                  "testsrc2=size=320x240:rate=30", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "2",
                                  "-c:v", "libx264", "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-c:a",
                                  "aac", "-f", "flv", dir_ + "/src.flv"},
                                 60s);
  ASSERT_EQ(made, 0) << log;
  auto tags = read_flv_file(dir_ + "/src.flv");
  ASSERT_GT(tags.size(), 60u);

  auto cycle = [&](int n) {
    RtmpPublisher publisher(server_->rtmp_port(), "r1?key=" + stream_key_);
    ASSERT_TRUE(publisher.publishing()) << publisher.answer();
    ASSERT_TRUE(publisher.send(tags));
    ASSERT_TRUE(wait_metric("livecart_media_pipelines_started_total", n)) << "cycle " << n;
    publisher.close();
    ASSERT_TRUE(wait_metric("livecart_media_pipelines", 0)) << "cycle " << n;
    ASSERT_TRUE(wait_metric("livecart_stream_live{room=\"r1\"}", 0)) << "cycle " << n;
  };
  // Two cycles first: GStreamer loads its plugins and starts its shared threads once.
  for (int n = 1; n <= 2; ++n) ASSERT_NO_FATAL_FAILURE(cycle(n));
  std::size_t threads = count_threads(server_->pid());
  std::size_t fds = count_fds(server_->pid());
  for (int n = 3; n <= 52; ++n) ASSERT_NO_FATAL_FAILURE(cycle(n));

  // Idle pooled threads may linger a few seconds before they exit: wait for them, bounded.
  auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until &&
         (count_threads(server_->pid()) > threads || count_fds(server_->pid()) > fds))
    (void)http_request(port(), "GET", "/healthz");
  EXPECT_LE(count_threads(server_->pid()), threads);
  EXPECT_LE(count_fds(server_->pid()), fds);
  EXPECT_EQ(metric_value(port(), "livecart_media_pipeline_errors_total"), 0);
  EXPECT_EQ(metric_value(port(), "livecart_recordings_total"), 52);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/recordings").json().at("recordings").as_array().size(), 52u);
}

class NoOutputsTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--no-hls", "--no-record", "--no-snapshots"}; }
};

TEST_F(NoOutputsTest, RelayWorksWithTheOutputsOff) {
  auto room = create_room("r2");
  std::string dir = make_temp_dir();
  auto [made, log] = run_program({"ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                                  "testsrc2=size=320x240:rate=30", "-t", "1", "-c:v", "libx264", "-preset",
                                  "ultrafast", "-g", "15", "-pix_fmt", "yuv420p", "-f", "flv", dir + "/src.flv"},
                                 60s);
  ASSERT_EQ(made, 0) << log;
  RtmpPublisher publisher(server_->rtmp_port(), "r2?key=" + std::string(room.at("stream_key").as_string()));
  ASSERT_TRUE(publisher.publishing()) << publisher.answer();
  ASSERT_TRUE(publisher.send(read_flv_file(dir + "/src.flv")));
  EXPECT_TRUE(wait_metric("livecart_stream_live{room=\"r2\"}", 1));
  EXPECT_EQ(metric_value(port(), "livecart_media_pipelines"), std::nullopt);
  EXPECT_EQ(http_request(port(), "GET", "/live/r2/index.m3u8").json().at("error").at("code"), "disabled");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace testing_support
