#pragma once
// A test with room "r1" ready to go live: its stream key, a scratch folder, and an ffmpeg
// publisher of a 1280x720 test pattern with a 440 Hz tone (libx264 + AAC over RTMP).
#include <filesystem>
#include <memory>
#include <string>

#include "fixture.hpp"
#include "support/child_process.hpp"

namespace testing_support {

class LiveRoomTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    room_ = create_room("r1");
    stream_key_ = std::string(room_.at("stream_key").as_string());
    dir_ = make_temp_dir();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // rtmp://127.0.0.1:PORT/live/r1, with ?key=KEY when a key is given (a player needs none).
  [[nodiscard]] std::string rtmp_url(const std::string& key) const {
    return "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()) + "/live/r1" + (key.empty() ? "" : "?key=" + key);
  }
  std::unique_ptr<ChildProcess> publish(const std::string& key) {
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                                 "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=440", "-t",
                                 "120", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
                                 "-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "flv", rtmp_url(key)},
        dir_ + "/ffmpeg.log");
  }

  json::object room_;
  std::string stream_key_;
  std::string dir_;
};

}  // namespace testing_support
