#include "chat/client_message.hpp"

#include <simdjson.h>

#include <array>
#include <limits>

#include "chat/mic_link_queue.hpp"
#include "chat/utf8.hpp"

namespace chat {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

ParseError field_error(std::string_view field, std::string_view what) {
  return ParseError{"bad_field", "'" + std::string(field) + "' " + std::string(what), {}};
}

// Reads an optional or required string field; nullopt result means "absent".
std::variant<std::optional<std::string_view>, ParseError> string_field(const object& obj,
                                                                       std::string_view key,
                                                                       bool required,
                                                                       std::size_t max_bytes) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS) {
    if (required) return field_error(key, "is required");
    return std::optional<std::string_view>{};
  }
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return field_error(key, "must be a string");
  if (!is_valid_utf8(s)) return field_error(key, "must be valid UTF-8");
  if (s.size() > max_bytes) return field_error(key, "is too long");
  return std::optional<std::string_view>{s};
}

std::variant<std::uint64_t, ParseError> uint_field(const object& obj, std::string_view key,
                                                   bool required, std::uint64_t fallback,
                                                   std::uint64_t min, std::uint64_t max) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS) {
    if (required) return field_error(key, "is required");
    return fallback;
  }
  std::uint64_t n = 0;
  bool in_range = value.get_uint64().get(n) == simdjson::SUCCESS && n >= min && n <= max;
  if (!in_range && !value.is_int64() && !value.is_uint64())
    return field_error(key, "must be an integer");
  if (!in_range)
    return field_error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

#define LC_TRY_STRING(var, obj, key, required, max)                              \
  std::optional<std::string_view> var;                                           \
  {                                                                              \
    auto r = string_field(obj, key, required, max);                              \
    if (auto* e = std::get_if<ParseError>(&r)) return std::move(*e);             \
    var = std::get<std::optional<std::string_view>>(r);                          \
  }
#define LC_TRY_UINT(var, obj, key, required, fallback, min, max)                 \
  std::uint64_t var = 0;                                                         \
  {                                                                              \
    auto r = uint_field(obj, key, required, fallback, min, max);                 \
    if (auto* e = std::get_if<ParseError>(&r)) return std::move(*e);             \
    var = std::get<std::uint64_t>(r);                                            \
  }

ParseResult parse_chat(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(text, obj, "text", true, std::numeric_limits<std::size_t>::max());
  LC_TRY_STRING(ref, obj, "ref", false, kMaxRefBytes);
  return ClientMessage{ChatMsg{std::string(*text), std::string(ref.value_or(""))}};
}

ParseResult parse_like(const object& obj, const ChatConfig& config) {
  LC_TRY_UINT(count, obj, "count", false, 1, 1, config.max_likes_per_frame);
  return ClientMessage{LikeMsg{static_cast<std::uint32_t>(count)}};
}

ParseResult parse_mute(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  LC_TRY_UINT(seconds, obj, "seconds", false, 0, 0, kMaxMuteSeconds);
  return ClientMessage{MuteMsg{std::string(*user), static_cast<std::uint32_t>(seconds)}};
}

ParseResult parse_unmute(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  return ClientMessage{UnmuteMsg{std::string(*user)}};
}

ParseResult parse_ban(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  return ClientMessage{BanMsg{std::string(*user)}};
}

ParseResult parse_unban(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  return ClientMessage{UnbanMsg{std::string(*user)}};
}

ParseResult parse_delete(const object& obj, const ChatConfig&) {
  LC_TRY_UINT(id, obj, "id", true, 0, 1, std::numeric_limits<std::int64_t>::max());
  return ClientMessage{DeleteMsg{id}};
}

ParseResult parse_slow_mode(const object& obj, const ChatConfig&) {
  LC_TRY_UINT(seconds, obj, "seconds", true, 0, 0, kMaxSlowModeSeconds);
  return ClientMessage{SlowModeMsg{static_cast<std::uint32_t>(seconds)}};
}

ParseResult parse_mic_request(const object&, const ChatConfig&) { return ClientMessage{MicRequestMsg{}}; }
ParseResult parse_mic_cancel(const object&, const ChatConfig&) { return ClientMessage{MicCancelMsg{}}; }
ParseResult parse_mic_leave(const object&, const ChatConfig&) { return ClientMessage{MicLeaveMsg{}}; }

ParseResult parse_mic_accept(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  return ClientMessage{MicAcceptMsg{std::string(*user)}};
}

ParseResult parse_mic_decline(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", true, kMaxUserIdBytes);
  return ClientMessage{MicDeclineMsg{std::string(*user)}};
}

ParseResult parse_mic_end(const object& obj, const ChatConfig&) {
  LC_TRY_STRING(user, obj, "user", false, kMaxUserIdBytes);
  LC_TRY_UINT(slot, obj, "slot", false, 0, 1, kMaxMicLinkGuests);
  if (slot == 0 && !user) return ParseError{"bad_field", "'slot' or 'user' is required", {}};
  if (slot != 0 && user) return ParseError{"bad_field", "give 'slot' or 'user', not both", {}};
  return ClientMessage{MicEndMsg{std::string(user.value_or("")), static_cast<int>(slot)}};
}

#undef LC_TRY_STRING
#undef LC_TRY_UINT

struct Handler {
  std::string_view type;
  ParseResult (*parse)(const object&, const ChatConfig&);
};

constexpr std::array kHandlers{
    Handler{"chat", parse_chat},         Handler{"like", parse_like},
    Handler{"mute", parse_mute},         Handler{"unmute", parse_unmute},
    Handler{"ban", parse_ban},           Handler{"unban", parse_unban},
    Handler{"delete", parse_delete},     Handler{"slow_mode", parse_slow_mode},
    Handler{"mic_request", parse_mic_request}, Handler{"mic_cancel", parse_mic_cancel},
    Handler{"mic_leave", parse_mic_leave},     Handler{"mic_accept", parse_mic_accept},
    Handler{"mic_decline", parse_mic_decline}, Handler{"mic_end", parse_mic_end},
};

}  // namespace

ParseResult parse_client_message(std::string_view json, const ChatConfig& config) {
  thread_local simdjson::dom::parser parser;
  element root;
  if (auto err = parser.parse(json.data(), json.size()).get(root); err != simdjson::SUCCESS)
    return ParseError{"bad_json", std::string("malformed JSON: ") + simdjson::error_message(err), {}};
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return ParseError{"bad_json", "a message must be a JSON object", {}};

  std::string ref;
  if (std::string_view r; obj["ref"].get_string().get(r) == simdjson::SUCCESS &&
                          r.size() <= kMaxRefBytes && is_valid_utf8(r))
    ref = r;

  std::string_view type;
  element type_value;
  if (obj.at_key("type").get(type_value) != simdjson::SUCCESS)
    return ParseError{"bad_field", "'type' is required", ref};
  if (type_value.get_string().get(type) != simdjson::SUCCESS)
    return ParseError{"bad_field", "'type' must be a string", ref};

  for (const auto& handler : kHandlers) {
    if (handler.type != type) continue;
    ParseResult result = handler.parse(obj, config);
    if (auto* e = std::get_if<ParseError>(&result)) e->ref = ref;
    return result;
  }
  std::string shown(truncate_utf8(type, 32));  // simdjson has validated the UTF-8
  return ParseError{"unknown_type", "unknown message type '" + shown + "'", ref};
}

}  // namespace chat
