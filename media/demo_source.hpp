#pragma once
// The demo room's live source: a GStreamer pipeline (videotestsrc + audiotestsrc, x264 and
// AAC in FLV) publishing over RTMP to this server's own port, so a newcomer sees video with no
// OBS. It runs on GStreamer's threads plus one bus thread of its own, and starts again after
// an error (the server may not be listening yet, or the publish may be refused for a while).
#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace media {

class DemoSource {
 public:
  // Gives rtmp://127.0.0.1:PORT/live/demo?key=KEY; asked again at each (re)start, so a
  // rotated stream key is picked up. Called on the source's own thread: must be thread-safe.
  using UrlSource = std::function<std::string()>;
  explicit DemoSource(UrlSource rtmp_url);
  ~DemoSource();  // stops the pipeline and joins the bus thread
  DemoSource(const DemoSource&) = delete;
  DemoSource& operator=(const DemoSource&) = delete;

  [[nodiscard]] static std::string pipeline_description(const std::string& rtmp_url);

 private:
  void run();

  UrlSource rtmp_url_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace media
