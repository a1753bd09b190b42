#include "server/ws_message.hpp"

#include <boost/json/parse.hpp>

namespace server {

std::optional<WsMessage> parse_ws_message(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& body = v.get_object();
  auto* type = body.if_contains("type");
  if (!type || !type->is_string()) return std::nullopt;
  WsMessage m{{}, std::string(type->get_string()), {}};
  if (auto* r = body.if_contains("ref"); r && r->is_string() && r->get_string().size() <= 64) m.ref = r->get_string();
  m.body = std::move(body);
  return m;
}

}  // namespace server
