#pragma once
// Parses the RTMP chunk stream (RTMP spec 5.3) into whole messages: basic and message headers
// (formats 0-3), extended timestamps, interleaved chunk streams, Set Chunk Size and Abort,
// which it applies itself because they change how the following bytes are read. No I/O:
// bytes in, messages out, so it is unit tested with captured bytes and fuzzed.
#include <cstdint>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "media/rtmp_message.hpp"

namespace media::rtmp {

enum class ChunkError {
  none,
  bad_chunk_size,       // Set Chunk Size of 0 or above kMaxChunkSize
  message_too_large,    // a message header announcing more than the limit
  no_previous_header,   // format 1-3 on a chunk stream with no format 0 before it
  too_many_streams,     // more than kMaxChunkStreams chunk stream ids in use
  bad_control_message,  // Set Chunk Size / Abort with a short payload
};

[[nodiscard]] std::string_view to_string(ChunkError e);

class ChunkReader {
 public:
  explicit ChunkReader(std::uint32_t max_message_bytes = kMaxMessageBytes);

  // Consumes all of `bytes` (keeping a partial chunk for the next call) and appends every
  // completed message to `out`. After an error the reader is unusable: close the connection.
  [[nodiscard]] ChunkError feed(std::span<const std::uint8_t> bytes, std::vector<Message>& out);

  [[nodiscard]] std::uint32_t chunk_size() const { return chunk_size_; }
  // Bytes received in all, for acknowledgements (spec 5.4.3).
  [[nodiscard]] std::uint64_t bytes_received() const { return bytes_received_; }

 private:
  struct StreamState {
    std::uint32_t timestamp = 0;
    std::uint32_t delta = 0;
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    bool extended = false;  // the last header carried an extended timestamp
    bool has_header = false;
    std::vector<std::uint8_t> partial;
  };

  // Parses one chunk from the front of pending_; false when more bytes are needed.
  bool parse_chunk(std::vector<Message>& out);
  ChunkError apply_control(const Message& m);

  std::uint32_t max_message_bytes_;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::uint64_t bytes_received_ = 0;
  std::vector<std::uint8_t> pending_;  // bytes not yet parsed
  std::size_t pos_ = 0;                // parsed prefix of pending_
  std::unordered_map<std::uint32_t, StreamState> streams_;
  ChunkError error_ = ChunkError::none;
};

}  // namespace media::rtmp
