// Fuzz target for the wire parsers that read untrusted bytes: client WebSocket messages,
// request targets and access tokens. Built for libFuzzer with clang (-DLIVECART_FUZZ=ON), and
// always as a ctest that replays seeds and deterministic mutations (standalone_main.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "chat/client_message.hpp"
#include "server/target.hpp"
#include "server/token_signer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const chat::ChatConfig config;
  static const server::TokenSigner signer("fuzzing-secret-0123456789abcdef");
  std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parsed = chat::parse_client_message(input, config);
  if (auto* error = std::get_if<chat::ParseError>(&parsed)) {
    if (error->code.empty() || error->message.empty()) __builtin_trap();  // every error explains itself
  }
  (void)server::parse_target(input);
  (void)signer.verify(input, 0);
  (void)server::base64url_decode(input);
  return 0;
}
