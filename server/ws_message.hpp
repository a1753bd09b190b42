#pragma once
// A room WebSocket message that is not chat's (a purchase, a coupon claim, an impression):
// parsed once by the session and offered to each module that takes messages.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace server {

struct WsMessage {
  boost::json::object body;
  std::string type;
  std::string ref;  // echoed in the answer; empty when absent or over 64 bytes
};

// nullopt when `text` is not a JSON object with a string "type".
[[nodiscard]] std::optional<WsMessage> parse_ws_message(std::string_view text);

}  // namespace server
