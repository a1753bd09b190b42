#include "media/rtmp_handshake.hpp"

#include <algorithm>
#include <random>

namespace media::rtmp {

std::size_t ServerHandshake::feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& reply) {
  std::size_t used = 0;
  while (used < in.size() && (state_ == State::waiting_c0c1 || state_ == State::waiting_c2)) {
    const std::size_t want = (state_ == State::waiting_c0c1 ? 1 + kHandshakeBlock : kHandshakeBlock) - buffer_.size();
    const std::size_t take = std::min(want, in.size() - used);
    buffer_.insert(buffer_.end(), in.begin() + static_cast<std::ptrdiff_t>(used),
                   in.begin() + static_cast<std::ptrdiff_t>(used + take));
    used += take;
    if (state_ == State::waiting_c0c1 && !buffer_.empty() && buffer_[0] != kRtmpVersion) {
      state_ = State::failed;  // not RTMP (or RTMPE, which we do not speak): fail before waiting
      break;
    }
    if (take < want) break;

    if (state_ == State::waiting_c0c1) {
      // S0, then S1 (time, zero, random), then S2 echoing C1.
      reply.push_back(kRtmpVersion);
      reply.insert(reply.end(), 8, 0);
      thread_local std::mt19937 rng{std::random_device{}()};
      for (std::size_t i = 8; i < kHandshakeBlock; ++i) reply.push_back(static_cast<std::uint8_t>(rng()));
      reply.insert(reply.end(), buffer_.begin() + 1, buffer_.end());
      state_ = State::waiting_c2;
    } else {
      state_ = State::done;  // C2 should echo S1; clients differ, and nothing depends on it
    }
    buffer_.clear();
  }
  if (state_ == State::done || state_ == State::failed) buffer_ = {};
  return used;
}

}  // namespace media::rtmp
