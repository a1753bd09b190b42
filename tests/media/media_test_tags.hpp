#pragma once
// FLV tags for media tests: headers, keyframes, inter frames and audio frames.
#include <memory>
#include <vector>

#include "media/gop_cache.hpp"

namespace media::test {

using Bytes = std::vector<std::uint8_t>;

inline Tag tag(flv::TagType type, std::uint32_t ts, Bytes body) {
  return Tag{type, ts, std::make_shared<const Bytes>(std::move(body)), {}, nullptr};
}
inline Tag metadata() { return tag(flv::TagType::script, 0, {0x02, 0x00, 0x0A}); }
inline Tag avc_header() { return tag(flv::TagType::video, 0, {0x17, 0x00, 0, 0, 0}); }
inline Tag aac_header() { return tag(flv::TagType::audio, 0, {0xAF, 0x00, 0x12, 0x10}); }
inline Tag keyframe(std::uint32_t ts, std::size_t size = 3) {
  Bytes b(size, 0);
  b[0] = 0x17;
  b[1] = 0x01;
  return tag(flv::TagType::video, ts, b);
}
inline Tag interframe(std::uint32_t ts, std::size_t size = 3) {
  Bytes b(size, 0);
  b[0] = 0x27;
  b[1] = 0x01;
  return tag(flv::TagType::video, ts, b);
}
inline Tag audio(std::uint32_t ts) { return tag(flv::TagType::audio, ts, {0xAF, 0x01, 0x21}); }

}  // namespace media::test
