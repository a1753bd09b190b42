#pragma once
// Decides whether a WebSocket upgrade to /ws/rooms/{id} may join, and as whom: a signed
// token (room key or saved viewer token) or a new anonymous viewer with a generated nickname.
// /ws/rooms/{id}/dashboard is the operator's stream: a host, operator or admin token only.
#include <memory>
#include <string>
#include <variant>

#include "chat/chat_config.hpp"
#include "chat/identity.hpp"
#include "chat/room.hpp"
#include "server/access.hpp"
#include "server/http_types.hpp"
#include "server/room_directory.hpp"

namespace server {

struct Admission {
  std::shared_ptr<chat::Room> room;
  chat::Identity who;
  std::string token;  // handed to the client so that it can come back as the same user
  bool dashboard = false;  // the operator's stream, not a member of the room's chat
};

class WsAdmission {
 public:
  WsAdmission(const RoomDirectory& rooms, const Access& access, const chat::ChatConfig& chat);

  // An Admission, or the HTTP error response that refuses the upgrade.
  [[nodiscard]] std::variant<Admission, Response> admit(const Request& req) const;

  static constexpr std::int64_t kViewerTokenLifetimeSeconds = 30 * 24 * 3600;

 private:
  const RoomDirectory& rooms_;
  const Access& access_;
  const chat::ChatConfig& chat_;
};

}  // namespace server
