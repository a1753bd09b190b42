#pragma once
// Server-to-client messages of a room, serialised once as JSON text. Batches wrap events
// already serialised, so an event is encoded once however many viewers receive it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/identity.hpp"

namespace chat {

struct ChatEvent {
  std::uint64_t id = 0;
  Identity from;
  std::string text;
  std::int64_t ts_ms = 0;  // server receive time, Unix milliseconds
};

[[nodiscard]] std::string encode_chat(const ChatEvent& e);
[[nodiscard]] std::string encode_likes(std::uint64_t added, std::uint64_t total);
[[nodiscard]] std::string encode_joins(const std::vector<Identity>& named, std::size_t more);
[[nodiscard]] std::string encode_online(std::size_t count);
[[nodiscard]] std::string encode_deleted(std::uint64_t message_id);
[[nodiscard]] std::string encode_slow_mode(std::chrono::seconds interval);
// {"type":"stream","live":true|false}: the room's stream started or ended.
[[nodiscard]] std::string encode_stream(bool live);

// {"type":"batch","events":[e1,e2,...]} from events already encoded.
[[nodiscard]] std::string encode_batch(const std::vector<std::string>& events);

struct ErrorInfo {
  std::string_view code;
  std::string_view message;
  std::string_view ref = {};
  std::chrono::milliseconds retry_after{0};
};
[[nodiscard]] std::string encode_error(const ErrorInfo& e);

struct WelcomeInfo {
  std::string_view room_id;
  std::string_view room_title;
  bool live = false;  // the room's stream
  const Identity& you;
  std::string_view token;
  std::size_t online = 0;
  std::uint64_t likes = 0;
  std::chrono::seconds slow_mode{0};
  const std::vector<std::string>& history;  // encoded chat events, oldest first
};
[[nodiscard]] std::string encode_welcome(const WelcomeInfo& w);

[[nodiscard]] std::string encode_ack(std::string_view action, std::string_view detail_key,
                                     std::string_view detail_value);
[[nodiscard]] std::string encode_room_closed();

}  // namespace chat
