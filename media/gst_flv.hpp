#pragma once
// GStreamer samples made into FLV tags: H.264 access units in AVC form (video/x-h264,
// stream-format=avc, alignment=au) and raw AAC frames (audio/mpeg, mpegversion=4,
// stream-format=raw), each with its codec_data as a sequence header whenever it changes. What a
// WHIP publisher and the mic-link mixer hand to a StreamHub. Internal to media/ (GStreamer).
// Thread-safe: the video and audio appsinks call from their own streaming threads.
#include <gst/gst.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/gop_cache.hpp"

namespace media {

class SampleToFlv {
 public:
  using Out = std::function<void(Tag)>;  // called with the lock held: must return at once

  // `encoder` names the source in the stream's onMetaData; `audio` says whether audio will come.
  SampleToFlv(Out out, std::string encoder, bool audio);

  // Timestamps are milliseconds of running time since the first keyframe; nothing goes out
  // before it (audio included), so the stream starts on a picture, with every header before it
  // (the video waits up to kHoldMs for the audio's). Returns false for a sample that could not
  // be read.
  bool video(GstSample* sample);
  bool audio(GstSample* sample);
  // Nothing goes out after this.
  void stop();

  [[nodiscard]] std::uint64_t frames() const;

 private:
  static constexpr std::uint32_t kHoldMs = 1000;

  // mutex_ held:
  std::uint32_t timestamp_of(GstClockTime running_time);
  void send(flv::TagType type, std::uint32_t timestamp, std::vector<std::uint8_t> body);
  void emit(flv::TagType type, std::uint32_t timestamp, std::vector<std::uint8_t> body);  // held or sent
  void send_audio_header(std::uint32_t timestamp);
  void release_held();

  const Out out_;
  const std::string encoder_;
  const bool has_audio_;
  mutable std::mutex mutex_;
  bool stopped_ = false;
  bool keyframe_seen_ = false;
  bool holding_ = false;  // the video waits for the audio's configuration
  std::vector<Tag> held_;
  bool audio_header_sent_ = false;
  std::optional<GstClockTime> first_time_;
  std::vector<std::uint8_t> video_config_, audio_config_;
  std::uint64_t frames_ = 0;
};

}  // namespace media
