// Fuzz target for the wire parsers that read untrusted bytes: client WebSocket messages,
// request targets and access tokens. Built for libFuzzer with clang (-DLIVECART_FUZZ=ON), and
// always as a ctest that replays seeds and deterministic mutations (standalone_main.cpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

std::vector<std::string> fuzz_seeds() {
  return {
    R"({"type":"chat","text":"这个酱油多少钱？","ref":"c1"})",
    R"({"type":"like","count":5})",
    R"({"type":"mute","user":"v_abc","seconds":600})",
    R"({"type":"unmute","user":"v_abc"})",
    R"({"type":"ban","user":"v_abc"})",
    R"({"type":"delete","id":17})",
    R"({"type":"slow_mode","seconds":10})",
    R"({"type":"mic_request"})",
    R"({"type":"mic_accept","user":"v_abc"})",
    R"({"type":"mic_end","slot":1})",
    R"({"type":"chat","text":"\u4f60\u597d \ud83d\ude00 \ud800"})",
    "/ws/rooms/demo?nick=%E5%B0%8F%E7%8E%8B&token=abc.def",
    "/api/rooms/r1/close?x=1&y=%zz",
    "eyJyb29tIjoiZGVtbyIsInJvbGUiOiJob3N0Iiwic3ViIjoiaF9kZW1vIiwibmljayI6IuS4u-aSrSJ9.oU8f_iPHue12TFiYM2Kg2hRJ69_G6fvR7MFSG3RBaj8",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "",
  };
}

