#pragma once
// Serialises RTMP messages into chunks (RTMP spec 5.3): a format 0 header, then format 3
// continuations every chunk_size bytes, with the extended timestamp where needed.
// No I/O: the bytes can be built once and shared by every player of a stream.
#include <cstdint>
#include <vector>

#include <span>

#include "media/rtmp_message.hpp"

namespace media::rtmp {

class ChunkWriter {
 public:
  explicit ChunkWriter(std::uint32_t chunk_size = kDefaultChunkSize) : chunk_size_(chunk_size) {}

  void set_chunk_size(std::uint32_t size) { chunk_size_ = size; }
  [[nodiscard]] std::uint32_t chunk_size() const { return chunk_size_; }

  // Appends `m` (its chunk_stream must be 2..65599) to `out`.
  void write(const Message& m, std::vector<std::uint8_t>& out) const;
  // The same for a payload held elsewhere (no copy into a Message first).
  void write(std::uint8_t type, std::uint32_t timestamp, std::uint32_t stream_id, std::uint32_t chunk_stream,
             std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& out) const;

 private:
  std::uint32_t chunk_size_;
};

}  // namespace media::rtmp
