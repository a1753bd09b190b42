#include "server/access.hpp"

#include <chrono>

namespace server {

Access::Access(const TokenSigner& signer, std::string admin_token)
    : signer_(signer), admin_token_(std::move(admin_token)) {}

std::optional<Principal> Access::authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  if (secrets_equal(token, admin_token_)) return Principal{chat::Role::admin, "", "admin", "管理员"};
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  auto claims = signer_.verify(token, now.count());
  if (!claims) return std::nullopt;
  // Only viewers are ever let on camera: a slot beside any other role is not ours.
  if (claims->slot != 0 && claims->role != chat::Role::viewer) return std::nullopt;
  return Principal{claims->role, std::move(claims->room), std::move(claims->user_id), std::move(claims->nick),
                   claims->slot};
}

std::string_view Access::bearer(std::string_view header) {
  constexpr std::string_view scheme = "Bearer ";
  if (header.size() <= scheme.size()) return {};
  for (std::size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(scheme[i])))
      return {};
  header.remove_prefix(scheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  return header;
}

bool Access::allows(const Principal& who, std::string_view room, std::initializer_list<chat::Role> roles) {
  if (who.role == chat::Role::admin) return true;
  if (who.room != room) return false;
  for (auto r : roles)
    if (r == who.role) return true;
  return false;
}

std::string Access::host_key(const std::string& room) const {
  return signer_.sign({room, chat::Role::host, "h_" + room, "主播", 0});
}

std::string Access::operator_key(const std::string& room) const {
  return signer_.sign({room, chat::Role::operator_, "o_" + room, "场控", 0});
}

std::string Access::guest_token(const std::string& room, const std::string& user_id, const std::string& nick,
                                int slot) const {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  return signer_.sign({room, chat::Role::viewer, user_id, nick, (now + kGuestTokenLifetime).count(), slot});
}

std::string Access::stream_key(const std::string& room, std::int64_t generation) const {
  // Generation 0 keeps the derivation keys had before rotation existed.
  std::string label = "stream-key:" + room;
  if (generation != 0) label += "#" + std::to_string(generation);
  return signer_.derive(label).substr(0, 22);  // 132 bits: short enough to type into OBS
}

}  // namespace server
