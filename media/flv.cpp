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

}  // namespace media::flv
