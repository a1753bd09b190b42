#pragma once
// Server-to-client messages of a room, serialised once as JSON text. Batches wrap events
// already serialised, so an event is encoded once however many viewers receive it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/identity.hpp"
#include "chat/mic_link_listener.hpp"
#include "chat/mic_link_queue.hpp"

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
  int mic_max_guests = 0;                                  // 0: no "mic_link" field
  const std::vector<MicLinkGuest>* mic_guests = nullptr;   // who is on camera
  const std::vector<MicLinkEntry>* mic_queue = nullptr;    // staff only: who waits
};
[[nodiscard]] std::string encode_welcome(const WelcomeInfo& w);

[[nodiscard]] std::string encode_ack(std::string_view action, std::string_view detail_key,
                                     std::string_view detail_value);
[[nodiscard]] std::string encode_room_closed();

// Mic-link (连麦). To the viewer who asked: its place in the queue, its request taken back,
// accepted (with what it publishes with), declined, its link ended.
[[nodiscard]] std::string encode_mic_queued(std::size_t position);
[[nodiscard]] std::string encode_mic_cancelled();
[[nodiscard]] std::string encode_mic_accepted(int slot, const GuestPass& pass);
[[nodiscard]] std::string encode_mic_declined(std::string_view reason);
[[nodiscard]] std::string encode_mic_ended(int slot, MicLinkEnd reason, std::string_view detail);
// To staff, whenever the queue or the guests change.
[[nodiscard]] std::string encode_mic_queue(int max_guests, const std::vector<MicLinkEntry>& queue,
                                           const std::vector<MicLinkGuest>& guests);
// To the whole room, whenever a guest goes on or off camera: who is on camera now, and the change.
struct MicGuestChange {
  const MicLinkGuest& guest;
  bool started = false;           // false: ended, for `reason`
  MicLinkEnd reason = MicLinkEnd::host_ended;
};
[[nodiscard]] std::string encode_mic_guests(const std::vector<MicLinkGuest>& guests, const MicGuestChange& change);

}  // namespace chat
