#pragma once
// redis://[[user]:password@]host[:port][/db] — what --redis takes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redis {

struct Url {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string user;      // Redis 6 ACL user; empty: the default user
  std::string password;  // empty: no AUTH
  int db = 0;
  // host:port/db, never the password (for logs and /healthz).
  [[nodiscard]] std::string display() const;
};

// nullopt and `error` set when `text` is not such a URL.
std::optional<Url> parse_url(std::string_view text, std::string& error);

}  // namespace redis
