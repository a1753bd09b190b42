#pragma once
// Signed access tokens: P "." base64url(HMAC-SHA256(secret, P)), where P = base64url(JSON claims).
// Room keys (host, operator) and viewer tokens are all of this form. Thread-safe (immutable).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chat/identity.hpp"

namespace server {

struct Claims {
  std::string room;     // the room the token is for
  chat::Role role = chat::Role::viewer;
  std::string user_id;
  std::string nick;
  std::int64_t expires_at = 0;  // Unix seconds; 0: never
  int slot = 0;                 // a mic-link guest's slot (1..3); 0: not a guest token
};

class TokenSigner {
 public:
  explicit TokenSigner(std::string secret);

  [[nodiscard]] std::string sign(const Claims& claims) const;
  // nullopt when the token is malformed, forged or expired at `now_unix`.
  [[nodiscard]] std::optional<Claims> verify(std::string_view token, std::int64_t now_unix) const;
  // A secret derived for one purpose (e.g. a room's stream key): base64url(HMAC(secret, purpose)).
  [[nodiscard]] std::string derive(std::string_view purpose) const { return mac(purpose); }

 private:
  [[nodiscard]] std::string mac(std::string_view data) const;
  std::string secret_;
};

[[nodiscard]] std::string base64url_encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> base64url_decode(std::string_view text);
// Cryptographically random bytes, base64url-encoded (OpenSSL RAND_bytes).
[[nodiscard]] std::string random_token(std::size_t bytes);
// Compares secrets in constant time.
[[nodiscard]] bool secrets_equal(std::string_view a, std::string_view b);

}  // namespace server
