#pragma once
// An RTMP message as the chunk stream carries it (RTMP spec 5.4, 6.1): what the parsers
// produce and the writers take. Pure data, no I/O.
#include <cstdint>
#include <vector>

namespace media::rtmp {

enum class MessageType : std::uint8_t {
  set_chunk_size = 1,
  abort = 2,
  acknowledgement = 3,
  user_control = 4,
  window_ack_size = 5,
  set_peer_bandwidth = 6,
  audio = 8,
  video = 9,
  data_amf0 = 18,
  command_amf0 = 20,
};

struct Message {
  std::uint8_t type = 0;           // a MessageType value; others are passed through
  std::uint32_t timestamp = 0;     // absolute, milliseconds (wraps at 2^32)
  std::uint32_t stream_id = 0;     // message stream id (0: control and connect-level commands)
  std::uint32_t chunk_stream = 0;  // the chunk stream it came on / goes out on
  std::vector<std::uint8_t> payload;
};

// Limits, named once: the largest message we accept (a 1080p keyframe at a high bitrate is
// well under 2 MiB) and the chunk stream ids one connection may use at once.
inline constexpr std::uint32_t kMaxMessageBytes = 8u << 20;
inline constexpr std::uint32_t kMaxChunkSize = 1u << 24;  // message lengths are 24-bit anyway
inline constexpr std::size_t kMaxChunkStreams = 64;
inline constexpr std::uint32_t kDefaultChunkSize = 128;

}  // namespace media::rtmp
