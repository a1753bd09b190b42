#pragma once
// Messages a client sends over its room WebSocket, parsed from JSON (simdjson) with no I/O.
// A parse either yields one typed message or an error with a code the client can act on.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "chat/chat_config.hpp"

namespace chat {

struct ChatMsg { std::string text; std::string ref; };
struct LikeMsg { std::uint32_t count = 1; };
struct MuteMsg { std::string user_id; std::uint32_t seconds = 0; };  // 0: until unmuted
struct UnmuteMsg { std::string user_id; };
struct BanMsg { std::string user_id; };
struct UnbanMsg { std::string user_id; };
struct DeleteMsg { std::uint64_t message_id = 0; };
struct SlowModeMsg { std::uint32_t seconds = 0; };  // 0: off
// Mic-link (连麦): a viewer asks to join the host on camera, takes the request back, or leaves
// the camera; staff accept or decline a request, or end a guest's link (by slot or by user).
struct MicRequestMsg {};
struct MicCancelMsg {};
struct MicLeaveMsg {};
struct MicAcceptMsg { std::string user_id; };
struct MicDeclineMsg { std::string user_id; };
struct MicEndMsg { std::string user_id; int slot = 0; };  // one of the two: 0 / empty when not given

using ClientMessage = std::variant<ChatMsg, LikeMsg, MuteMsg, UnmuteMsg, BanMsg, UnbanMsg, DeleteMsg, SlowModeMsg,
                                   MicRequestMsg, MicCancelMsg, MicLeaveMsg, MicAcceptMsg, MicDeclineMsg, MicEndMsg>;

struct ParseError {
  std::string code;     // bad_json, unknown_type, bad_field
  std::string message;  // human readable, names the field
  std::string ref;      // the client's "ref", echoed back when it could be read
};

using ParseResult = std::variant<ClientMessage, ParseError>;

// Longest accepted values; longer ones are bad_field errors.
inline constexpr std::size_t kMaxUserIdBytes = 64;
inline constexpr std::size_t kMaxRefBytes = 64;
inline constexpr std::uint32_t kMaxMuteSeconds = 30 * 24 * 3600;
inline constexpr std::uint32_t kMaxSlowModeSeconds = 3600;

[[nodiscard]] ParseResult parse_client_message(std::string_view json, const ChatConfig& config);

}  // namespace chat
