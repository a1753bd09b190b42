#pragma once
// The server side of the RTMP handshake (RTMP spec 5.2, the plain form that ffmpeg, OBS and
// GStreamer's rtmp2sink use): C0+C1 in, S0+S1+S2 out, then C2 in. No I/O.
#include <cstdint>
#include <span>
#include <vector>

namespace media::rtmp {

inline constexpr std::size_t kHandshakeBlock = 1536;
inline constexpr std::uint8_t kRtmpVersion = 3;

class ServerHandshake {
 public:
  enum class State { waiting_c0c1, waiting_c2, done, failed };

  // Consumes handshake bytes from the front of `in` and returns how many it used: what
  // follows C2 belongs to the chunk stream. Bytes to send are appended to `reply`.
  std::size_t feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& reply);
  [[nodiscard]] State state() const { return state_; }

 private:
  State state_ = State::waiting_c0c1;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace media::rtmp
