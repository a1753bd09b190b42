#pragma once
// Chat limits and policy. Every limit has its name and default here, in one place; the
// server fills the struct from flags once at start.
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace chat {

struct ChatConfig {
  std::size_t max_message_chars = 200;         // code points per chat message
  double rate_per_second = 1.0;                // sustained chat messages per viewer
  double rate_burst = 5.0;                     // messages a viewer may send at once
  std::chrono::milliseconds tick{50};          // fan-out batching period (<= 100 ms)
  std::size_t history_size = 50;               // messages a joiner receives
  std::size_t max_likes_per_frame = 100;       // taps a client may report in one frame
  std::size_t max_join_notices_per_tick = 5;   // named joiners per batch; the rest are counted
  std::size_t max_nick_chars = 20;
  int mic_link_max_guests = 1;                 // guests on camera with the host at once (1..3)
  std::vector<std::string> banned_words;
};

}  // namespace chat
