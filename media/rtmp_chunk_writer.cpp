#include "media/rtmp_chunk_writer.hpp"

#include <algorithm>

namespace media::rtmp {
namespace {

void basic_header(std::uint8_t fmt, std::uint32_t csid, std::vector<std::uint8_t>& out) {
  if (csid < 64) {
    out.push_back(static_cast<std::uint8_t>(fmt << 6 | csid));
  } else if (csid < 320) {
    out.push_back(static_cast<std::uint8_t>(fmt << 6));
    out.push_back(static_cast<std::uint8_t>(csid - 64));
  } else {
    out.push_back(static_cast<std::uint8_t>(fmt << 6 | 1));
    out.push_back(static_cast<std::uint8_t>((csid - 64) & 0xFF));
    out.push_back(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}

void put_be(std::uint32_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

void ChunkWriter::write(const Message& m, std::vector<std::uint8_t>& out) const {
  write(m.type, m.timestamp, m.stream_id, m.chunk_stream, m.payload, out);
}

void ChunkWriter::write(std::uint8_t type, std::uint32_t timestamp, std::uint32_t stream_id,
                        std::uint32_t chunk_stream, std::span<const std::uint8_t> payload,
                        std::vector<std::uint8_t>& out) const {
  const bool extended = timestamp >= 0xFFFFFF;
  const auto length = static_cast<std::uint32_t>(payload.size());
  out.reserve(out.size() + length + 18 + (length / chunk_size_) * 8);

  basic_header(0, chunk_stream, out);
  put_be(extended ? 0xFFFFFF : timestamp, 3, out);
  put_be(length, 3, out);
  out.push_back(type);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(stream_id >> (8 * i)));  // little-endian
  if (extended) put_be(timestamp, 4, out);

  std::size_t offset = 0;
  do {
    if (offset > 0) {
      basic_header(3, chunk_stream, out);
      if (extended) put_be(timestamp, 4, out);  // repeated on continuations, as ffmpeg and OBS expect
    }
    std::size_t take = std::min<std::size_t>(chunk_size_, length - offset);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
               payload.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
  } while (offset < length);
}

}  // namespace media::rtmp
