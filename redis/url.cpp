#include "redis/url.hpp"

#include <charconv>

namespace redis {
namespace {

bool parse_int(std::string_view s, long long lo, long long hi, long long& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= lo && out <= hi;
}

// %XX escapes in the user and password (a password may hold '@' or ':').
bool unescape(std::string_view s, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int v = 0;
    if (i + 2 >= s.size()) return false;
    std::string_view hex = s.substr(i + 1, 2);
    auto [p, ec] = std::from_chars(hex.data(), hex.data() + 2, v, 16);
    if (ec != std::errc{} || p != hex.data() + 2) return false;
    out += static_cast<char>(v);
    i += 2;
  }
  return true;
}

}  // namespace

std::string Url::display() const {
  return host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
  constexpr std::string_view scheme = "redis://";
  if (!text.starts_with(scheme)) {
    error = "must start with redis://";
    return std::nullopt;
  }
  text.remove_prefix(scheme.size());
  Url url;
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = text.substr(0, at);
    text.remove_prefix(at + 1);
    auto colon = userinfo.find(':');
    std::string_view user =
        colon == std::string_view::npos ? std::string_view{} : userinfo.substr(0, colon);
    std::string_view password =
        colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1);
    if (!unescape(user, url.user) || !unescape(password, url.password)) {
      error = "bad %-escape in the user or password";
      return std::nullopt;
    }
  }
  std::string_view hostport = text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    hostport = text.substr(0, slash);
    std::string_view db = text.substr(slash + 1);
    long long n = 0;
    if (!db.empty() && !parse_int(db, 0, 1'000'000, n)) {
      error = "the database must be a number";
      return std::nullopt;
    }
    url.db = static_cast<int>(n);
  }
  std::string_view host = hostport;
  if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
    host = hostport.substr(0, colon);
    long long port = 0;
    if (!parse_int(hostport.substr(colon + 1), 1, 65535, port)) {
      error = "the port must be 1-65535";
      return std::nullopt;
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  if (host.empty()) {
    error = "no host";
    return std::nullopt;
  }
  url.host = std::string(host);
  return url;
}

}  // namespace redis
