#pragma once
// Builders for the RTMP messages a server sends: protocol control messages (RTMP spec 5.4),
// user control "stream begin" (7.1.7) and the AMF0 command replies (_result, onStatus).
// No I/O: each returns a Message ready for the ChunkWriter.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "media/amf0.hpp"
#include "media/rtmp_message.hpp"

namespace media::rtmp {

// Chunk stream ids we send on, as nginx-rtmp and SRS do.
inline constexpr std::uint32_t kControlChunkStream = 2;
inline constexpr std::uint32_t kCommandChunkStream = 3;
inline constexpr std::uint32_t kAudioChunkStream = 4;
inline constexpr std::uint32_t kDataChunkStream = 5;
inline constexpr std::uint32_t kVideoChunkStream = 6;

[[nodiscard]] Message set_chunk_size(std::uint32_t size);
[[nodiscard]] Message window_ack_size(std::uint32_t size);
[[nodiscard]] Message set_peer_bandwidth(std::uint32_t size);
[[nodiscard]] Message acknowledgement(std::uint32_t sequence);
[[nodiscard]] Message stream_begin(std::uint32_t stream_id);
// A command on the command chunk stream: name, transaction id, then the arguments.
[[nodiscard]] Message command(std::string_view name, double transaction, std::vector<amf0::Value> args,
                              std::uint32_t stream_id = 0);
// onStatus(level, code, description) on `stream_id`.
[[nodiscard]] Message on_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                                std::string_view description);

// A command parsed from an AMF0 command message.
struct Command {
  std::string name;
  double transaction = 0;
  std::vector<amf0::Value> args;  // after name and transaction id (the command object first)
};
// nullopt when the payload is not an AMF0 string followed by a number.
[[nodiscard]] std::optional<Command> parse_command(std::span<const std::uint8_t> payload);

}  // namespace media::rtmp
