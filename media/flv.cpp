#include "media/flv.hpp"

namespace media::flv {
std::vector<std::uint8_t> file_header(bool has_audio, bool has_video) {
  auto flags = static_cast<std::uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
}

std::array<std::uint8_t, 11> tag_header(TagType type, std::uint32_t timestamp_ms, std::uint32_t body_size) {
  return {static_cast<std::uint8_t>(type),
          static_cast<std::uint8_t>(body_size >> 16), static_cast<std::uint8_t>(body_size >> 8),
          static_cast<std::uint8_t>(body_size),
          static_cast<std::uint8_t>(timestamp_ms >> 16), static_cast<std::uint8_t>(timestamp_ms >> 8),
          static_cast<std::uint8_t>(timestamp_ms),
          static_cast<std::uint8_t>(timestamp_ms >> 24),  // TimestampExtended: the high byte
          0, 0, 0};                                       // StreamID, always 0
}

std::array<std::uint8_t, 4> previous_tag_size(std::uint32_t body_size) {
  std::uint32_t v = static_cast<std::uint32_t>(kTagHeaderBytes) + body_size;
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

void append_tag(TagType type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> body,
                std::vector<std::uint8_t>& out) {
  const auto size = static_cast<std::uint32_t>(body.size());
  auto header = tag_header(type, timestamp_ms, size);
  auto trailer = previous_tag_size(size);
  out.reserve(out.size() + kTagHeaderBytes + size + 4);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), body.begin(), body.end());
  out.insert(out.end(), trailer.begin(), trailer.end());
}

bool is_keyframe(TagType type, std::span<const std::uint8_t> body) {
  return type == TagType::video && !body.empty() && (body[0] >> 4) == 1;
}

bool is_sequence_header(TagType type, std::span<const std::uint8_t> body) {
  if (body.size() < 2 || body[1] != 0) return false;
  if (type == TagType::video) return (body[0] & 0x0F) == 7;  // AVC
  if (type == TagType::audio) return (body[0] >> 4) == 10;   // AAC
  return false;
}

std::uint32_t Rebaser::operator()(std::uint32_t timestamp) {
  constexpr std::int64_t kMaxBackwardMs = 1000;
  constexpr std::int64_t kMaxForwardMs = 10000;
  std::int64_t out = static_cast<std::int64_t>(timestamp) - base_;
  if (out < last_out_ - kMaxBackwardMs || out > last_out_ + kMaxForwardMs) {
    base_ = static_cast<std::int64_t>(timestamp) - (last_out_ + 1);
    out = last_out_ + 1;
  }
  if (out < 0) out = 0;
  if (out > last_out_) last_out_ = out;
  return static_cast<std::uint32_t>(out);
}

}  // namespace media::flv
