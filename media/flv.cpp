#include "media/flv.hpp"

namespace media::flv {
namespace {
void put_be(std::uint32_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
}  // namespace

std::vector<std::uint8_t> file_header(bool has_audio, bool has_video) {
  auto flags = static_cast<std::uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0};
}

void append_tag(TagType type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> body,
                std::vector<std::uint8_t>& out) {
  const auto size = static_cast<std::uint32_t>(body.size());
  out.reserve(out.size() + kTagHeaderBytes + size + 4);
  out.push_back(static_cast<std::uint8_t>(type));
  put_be(size, 3, out);
  put_be(timestamp_ms & 0xFFFFFF, 3, out);
  out.push_back(static_cast<std::uint8_t>(timestamp_ms >> 24));  // TimestampExtended: the high byte
  put_be(0, 3, out);                                              // StreamID, always 0
  out.insert(out.end(), body.begin(), body.end());
  put_be(static_cast<std::uint32_t>(kTagHeaderBytes) + size, 4, out);
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
