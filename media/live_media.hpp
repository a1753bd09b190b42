#pragma once
// What a live room becomes besides the relayed stream: HLS (hlssink2, 1 s segments), an MP4
// recording of each broadcast (splitmuxsink) and a JPEG snapshot of the picture every few
// seconds (keyframes only are decoded). One GStreamer pipeline per broadcast is fed the hub's
// FLV tags through appsrc → flvdemux, with no re-encode:
//
//   appsrc ! flvdemux ─ video ─ tee ─ h264parse ─ hlssink2 (MPEG-TS segments, index.m3u8)
//                     │             ├ h264parse ─ splitmuxsink (mp4mux, *.mp4.part → *.mp4)
//                     │             └ keyframes every N s ─ avdec_h264 ─ jpegenc ─ appsink
//                     └ audio ─ tee ─ aacparse ─ hlssink2 / splitmuxsink
//
// The pipeline is built once the first keyframe arrives (so it knows whether there is audio)
// and torn down when the stream ends: end-of-stream first, so the playlist gets its end tag
// and the MP4 its index, then the elements are stopped on LiveMedia's control thread, never
// on a streaming thread or an I/O thread.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/stream_hub.hpp"

namespace media {

struct LiveMediaConfig {
  std::filesystem::path hls_root;         // {hls_root}/{room}/index.m3u8; empty: no HLS
  std::filesystem::path recordings_root;  // {recordings_root}/{room}/*.mp4; empty: no recording
  bool snapshots = true;
  std::chrono::seconds snapshot_every{3};
  unsigned snapshot_width = 640;
  unsigned hls_segment_seconds = 1;  // a segment ends at the first keyframe past this
  unsigned hls_playlist_length = 6;  // segments listed in index.m3u8
  unsigned hls_max_files = 12;       // segments kept on disk (a player may still be reading older ones)
  std::chrono::minutes recording_split{60};    // a long broadcast is cut into files this long
  std::size_t max_buffered_bytes = 16u << 20;  // FLV waiting in appsrc before it skips to a keyframe
  std::chrono::seconds eos_timeout{5};         // to finish files after the stream ends
};

struct LiveMediaStats {
  std::atomic<std::uint64_t> started{0};     // pipelines built
  std::atomic<std::int64_t> running{0};      // pipelines alive (building, playing or finishing)
  std::atomic<std::uint64_t> errors{0};      // pipelines that failed (logged)
  std::atomic<std::uint64_t> recordings{0};  // MP4 files completed
  std::atomic<std::uint64_t> snapshots{0};   // JPEGs taken
  std::atomic<std::uint64_t> skipped_bytes{0};  // FLV dropped because the pipeline fell behind
};

class LiveMedia {
 public:
  explicit LiveMedia(LiveMediaConfig config);
  ~LiveMedia();  // stop()
  LiveMedia(const LiveMedia&) = delete;
  LiveMedia& operator=(const LiveMedia&) = delete;

  // The outputs of a new broadcast in `room`, to be fed every tag of the stream from its first
  // one, and told on_end() when it stops. Nullptr when every output is off. Any thread.
  [[nodiscard]] std::shared_ptr<StreamSink> start(const std::string& room);

  // The latest JPEG of `room`'s picture (kept after the stream ends), or nullptr. Any thread.
  [[nodiscard]] std::shared_ptr<const std::string> snapshot(const std::string& room) const;

  // Ends every pipeline (end-of-stream, at most eos_timeout) and joins the control thread.
  void stop();

  [[nodiscard]] const LiveMediaConfig& config() const { return config_; }
  [[nodiscard]] const LiveMediaStats& stats() const { return stats_; }
  [[nodiscard]] std::filesystem::path hls_dir(const std::string& room) const { return config_.hls_root / room; }
  [[nodiscard]] std::filesystem::path recordings_dir(const std::string& room) const {
    return config_.recordings_root / room;
  }

  // The gst-launch description of one broadcast's pipeline (tests and logs).
  [[nodiscard]] std::string pipeline_description(const std::string& room, const std::string& broadcast,
                                                 bool has_audio) const;

 private:
  class Pipeline;
  friend class Pipeline;

  void store_snapshot(const std::string& room, std::shared_ptr<const std::string> jpeg);
  void forget(const Pipeline* pipeline);

  LiveMediaConfig config_;
  LiveMediaStats stats_;
  boost::asio::io_context control_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> snapshots_;
  std::vector<std::shared_ptr<Pipeline>> pipelines_;  // alive until torn down
  bool stopped_ = false;
};

}  // namespace media
