#include "server/ws_admission.hpp"

#include <openssl/rand.h>

#include <boost/beast/http/field.hpp>
#include <chrono>

#include "chat/utf8.hpp"
#include "server/target.hpp"

namespace server {
namespace {

std::string generated_nick() {
  unsigned char bytes[2];
  RAND_bytes(bytes, sizeof bytes);
  return "观众" + std::to_string(1000 + (bytes[0] << 8 | bytes[1]) % 9000);
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

WsAdmission::WsAdmission(const RoomDirectory& rooms, const Access& access, const chat::ChatConfig& chat)
    : rooms_(rooms), access_(access), chat_(chat) {}

std::variant<Admission, Response> WsAdmission::admit(const Request& req) const {
  auto refuse = [&](http::status status, std::string_view code, std::string_view message) {
    return error_response(req.version(), false, status, code, message);
  };
  auto target = parse_target(req.target());
  if (!target) return refuse(http::status::bad_request, "bad_target", "malformed request target");
  const auto& seg = target->segments;
  bool dashboard = seg.size() == 4 && seg[3] == "dashboard";
  if ((seg.size() != 3 && !dashboard) || seg[0] != "ws" || seg[1] != "rooms")
    return refuse(http::status::not_found, "not_found", "WebSocket endpoints are /ws/rooms/{id} and /ws/rooms/{id}/dashboard");
  const std::string& room_id = seg[2];

  auto room = rooms_.find(room_id);
  if (!room) return refuse(http::status::not_found, "not_found", "no such room");
  if (room->is_closed()) return refuse(http::status::gone, "room_closed", "this room has ended");

  std::optional<std::string> nick;
  if (auto it = target->query.find("nick"); it != target->query.end() && !it->second.empty()) {
    const std::string& n = it->second;
    if (!chat::is_valid_utf8(n) || chat::has_control_chars(n) || chat::code_point_count(n) > chat_.max_nick_chars ||
        n.find_first_not_of(' ') == std::string::npos)
      return refuse(http::status::bad_request, "bad_nick",
                    "nick must be 1-" + std::to_string(chat_.max_nick_chars) + " printable characters");
    nick = n;
  }

  std::string_view token = Access::bearer(req[http::field::authorization]);
  if (auto it = target->query.find("token"); token.empty() && it != target->query.end()) token = it->second;

  Admission a{room, {}, {}, dashboard};
  if (dashboard && token.empty())
    return refuse(http::status::unauthorized, "unauthorized", "the dashboard needs an operator or host token");
  if (!token.empty()) {
    auto principal = access_.authenticate(token);
    if (!principal) return refuse(http::status::unauthorized, "unauthorized", "the token is not valid");
    if (principal->role != chat::Role::admin && principal->room != room_id)
      return refuse(http::status::forbidden, "forbidden", "the token is for another room");
    a.who = {principal->user_id, nick.value_or(principal->nick), principal->role};
    if (dashboard && principal->role == chat::Role::viewer)
      return refuse(http::status::forbidden, "forbidden", "the dashboard is for the room's operators and host");
    if (principal->role != chat::Role::viewer) {
      a.token = std::string(token);  // staff keep their key
      return a;
    }
  } else {
    a.who = {"v_" + random_token(6), nick.value_or(generated_nick()), chat::Role::viewer};
  }
  a.token = access_.signer().sign({room_id, chat::Role::viewer, a.who.user_id, a.who.nick,
                                   unix_now() + kViewerTokenLifetimeSeconds});
  return a;
}

}  // namespace server
