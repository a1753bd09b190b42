#include "server/token_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <array>
#include <boost/json.hpp>
#include <stdexcept>

#include "chat/mic_link_queue.hpp"
#include "chat/utf8.hpp"

namespace server {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kMaxTokenBytes = 1024;

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char ch : text) {
    int v = decode_char(ch);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Canonical form only: leftover bits must be zero, so each token has one spelling.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string random_token(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return base64url_encode(raw);
}

bool secrets_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

TokenSigner::TokenSigner(std::string secret) : secret_(std::move(secret)) {
  if (secret_.size() < 16) throw std::invalid_argument("token secret must be at least 16 bytes");
}

std::string TokenSigner::mac(std::string_view data) const {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &len);
  return base64url_encode({reinterpret_cast<const char*>(out.data()), len});
}

std::string TokenSigner::sign(const Claims& claims) const {
  boost::json::object o{{"room", claims.room},
                        {"role", chat::to_string(claims.role)},
                        {"sub", claims.user_id},
                        {"nick", claims.nick}};
  if (claims.expires_at > 0) o["exp"] = claims.expires_at;
  if (claims.slot != 0) o["slot"] = claims.slot;
  std::string payload = base64url_encode(boost::json::serialize(o));
  std::string signature = mac(payload);
  return payload + "." + signature;
}

std::optional<Claims> TokenSigner::verify(std::string_view token, std::int64_t now_unix) const {
  if (token.size() > kMaxTokenBytes) return std::nullopt;
  auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view payload = token.substr(0, dot);
  if (!secrets_equal(mac(payload), token.substr(dot + 1))) return std::nullopt;
  auto json = base64url_decode(payload);
  if (!json) return std::nullopt;

  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(*json).get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  std::string_view room, role, sub, nick;
  if (obj["room"].get_string().get(room) || obj["role"].get_string().get(role) ||
      obj["sub"].get_string().get(sub) || obj["nick"].get_string().get(nick))
    return std::nullopt;
  auto parsed_role = chat::role_from_string(role);
  if (!parsed_role) return std::nullopt;
  std::int64_t exp = 0;
  if (auto e = obj["exp"]; e.error() == simdjson::SUCCESS && e.get_int64().get(exp)) return std::nullopt;
  if (exp > 0 && now_unix >= exp) return std::nullopt;
  std::int64_t slot = 0;
  if (auto e = obj["slot"]; e.error() == simdjson::SUCCESS && e.get_int64().get(slot)) return std::nullopt;
  if (slot < 0 || slot > chat::kMaxMicLinkGuests) return std::nullopt;
  return Claims{std::string(room), *parsed_role, std::string(sub), std::string(nick), exp, static_cast<int>(slot)};
}

}  // namespace server
