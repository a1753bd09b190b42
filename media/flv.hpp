#pragma once
// FLV framing (Adobe FLV spec, version 10.1): the file header and tags that HTTP-FLV viewers
// and recordings receive, and the few facts about a tag body the relay needs (keyframe,
// sequence header). An RTMP audio/video/data message payload is exactly an FLV tag body.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace media::flv {

enum class TagType : std::uint8_t { audio = 8, video = 9, script = 18 };

// "FLV", version 1, the audio/video flags, header size 9, then PreviousTagSize0 = 0.
[[nodiscard]] std::vector<std::uint8_t> file_header(bool has_audio, bool has_video);
inline constexpr std::size_t kFileHeaderBytes = 13;
inline constexpr std::size_t kTagHeaderBytes = 11;

// The 11-byte tag header for a body of `body_size` bytes.
[[nodiscard]] std::array<std::uint8_t, 11> tag_header(TagType type, std::uint32_t timestamp_ms,
                                                      std::uint32_t body_size);
// The PreviousTagSize that follows a tag with a body of `body_size` bytes.
[[nodiscard]] std::array<std::uint8_t, 4> previous_tag_size(std::uint32_t body_size);

// A publisher's timestamps made into an output's, starting at 0 and going forward: a jump
// further back than 1 s or ahead than 10 s (a takeover by an encoder that starts again at 0, a
// clock jump) is smoothed over, so muxers and RTP clocks see time go on.
class Rebaser {
 public:
  // `timestamp` becomes output time 0.
  void start(std::uint32_t timestamp) {
    base_ = timestamp;
    last_out_ = 0;
  }
  [[nodiscard]] std::uint32_t operator()(std::uint32_t timestamp);

 private:
  std::int64_t base_ = 0;  // publisher timestamp of output time 0
  std::int64_t last_out_ = 0;
};

// Appends one tag: 11-byte header, the body, and its PreviousTagSize.
void append_tag(TagType type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> body,
                std::vector<std::uint8_t>& out);

// Video: frame type 1 (keyframe). Audio and script tags are never keyframes.
[[nodiscard]] bool is_keyframe(TagType type, std::span<const std::uint8_t> body);
// AVC sequence header (codec 7, packet type 0) or AAC sequence header (format 10, packet type 0):
// the decoder configuration every viewer needs before the first frame.
[[nodiscard]] bool is_sequence_header(TagType type, std::span<const std::uint8_t> body);

}  // namespace media::flv
