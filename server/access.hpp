#pragma once
// Who is calling: the admin token or a signed room key / viewer token, and what it may do.
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "chat/identity.hpp"
#include "server/token_signer.hpp"

namespace server {

struct Principal {
  chat::Role role = chat::Role::viewer;
  std::string room;  // empty for the admin, who may act on every room
  std::string user_id;
  std::string nick;
  int slot = 0;  // a mic-link guest token's slot; 0 for every other credential
};

class Access {
 public:
  Access(const TokenSigner& signer, std::string admin_token);

  // nullopt: not a valid credential (forged, expired, malformed).
  [[nodiscard]] std::optional<Principal> authenticate(std::string_view token) const;
  // The token from "Authorization: Bearer ..." (empty when absent or another scheme).
  [[nodiscard]] static std::string_view bearer(std::string_view authorization_header);
  // True when `who` holds one of `roles` for `room` (the admin holds every role everywhere).
  [[nodiscard]] static bool allows(const Principal& who, std::string_view room,
                                   std::initializer_list<chat::Role> roles);

  // The room's keys, derived from the signing secret (stable across restarts).
  [[nodiscard]] std::string host_key(const std::string& room) const;
  [[nodiscard]] std::string operator_key(const std::string& room) const;
  // The key an encoder publishes the room's stream with (rtmp://HOST/live/ROOM?key=...), for
  // the room's stream-key generation (RoomRecord::stream_key_generation; rotation bumps it).
  [[nodiscard]] std::string stream_key(const std::string& room, std::int64_t generation) const;
  // What an accepted mic-link guest publishes with (WHIP): a viewer's token for `room` that
  // also names its `slot`, valid kGuestTokenLifetime. It grants no staff right.
  [[nodiscard]] std::string guest_token(const std::string& room, const std::string& user_id, const std::string& nick,
                                        int slot) const;
  static constexpr std::chrono::seconds kGuestTokenLifetime{15 * 60};
  [[nodiscard]] const TokenSigner& signer() const { return signer_; }

 private:
  const TokenSigner& signer_;
  std::string admin_token_;
};

}  // namespace server
