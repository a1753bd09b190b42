#include "server/routing.hpp"

#include <boost/beast/http/field.hpp>

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

}  // namespace server
