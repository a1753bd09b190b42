#include "server/routing.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>

namespace server {

bool match_route(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
                 std::vector<std::string>& params) {
  if (pattern.size() != segments.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ":")
      params.push_back(segments[i]);
    else if (pattern[i] != segments[i])
      return false;
  }
  return true;
}

std::optional<Principal> authorize(const Access& access, const Request& req, const Respond& respond,
                                   std::string_view room, std::initializer_list<chat::Role> roles) {
  std::string_view token = Access::bearer(req[http::field::authorization]);
  if (token.empty()) {
    respond(error_response(req, http::status::unauthorized, "unauthorized", "an Authorization: Bearer token is required"));
    return std::nullopt;
  }
  auto who = access.authenticate(token);
  if (!who) {
    respond(error_response(req, http::status::unauthorized, "unauthorized", "the token is not valid"));
    return std::nullopt;
  }
  if (!Access::allows(*who, room, roles)) {
    respond(error_response(req, http::status::forbidden, "forbidden", "this token may not do this"));
    return std::nullopt;
  }
  return who;
}

std::optional<boost::json::object> json_body(const Request& req, const Respond& respond) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(req.body(), ec);
  if (ec || !v.is_object()) {
    respond(error_response(req, http::status::bad_request, "bad_json", "the body must be a JSON object"));
    return std::nullopt;
  }
  return std::move(v.get_object());
}

}  // namespace server
