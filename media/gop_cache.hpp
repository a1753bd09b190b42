#pragma once
// What a viewer joining a live stream needs to start at once on a keyframe: the stream's
// metadata, its AVC and AAC sequence headers, and every tag since the latest keyframe.
// Bounded in bytes: a GOP past the bound is dropped until the next keyframe. Used on the
// stream's strand only; tag bodies are shared, never copied.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "media/flv.hpp"

namespace media {

struct Tag {
  flv::TagType type = flv::TagType::video;
  std::uint32_t timestamp = 0;  // milliseconds
  std::shared_ptr<const std::vector<std::uint8_t>> body;
  std::chrono::steady_clock::time_point arrived{};  // when the publisher's message was complete
  // The tag as RTMP play chunks (one fmt-0 message on stream 1, the play chunk size), built once
  // by the publisher's session and written as is to every RTMP player. May be null.
  std::shared_ptr<const std::vector<std::uint8_t>> rtmp_chunks;
};

class GopCache {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 16u << 20;
  explicit GopCache(std::size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  void add(const Tag& tag);
  // In order: metadata, video and audio sequence headers, then the current GOP.
  [[nodiscard]] std::vector<Tag> start_tags() const;
  void clear();

  [[nodiscard]] std::size_t gop_bytes() const { return gop_bytes_; }
  [[nodiscard]] std::size_t gop_tags() const { return gop_.size(); }
  [[nodiscard]] bool has_video_header() const { return video_header_.has_value(); }
  [[nodiscard]] bool has_audio_header() const { return audio_header_.has_value(); }

 private:
  std::size_t max_bytes_;
  std::optional<Tag> metadata_;
  std::optional<Tag> video_header_;
  std::optional<Tag> audio_header_;
  std::vector<Tag> gop_;  // starts with a keyframe, or is empty
  std::size_t gop_bytes_ = 0;
};

}  // namespace media
