#pragma once
// What every HTTP handler table shares: matching a path against a route pattern, and checking
// the caller's token for a room (answering 401/403 itself when it fails).
#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/access.hpp"
#include "server/http_types.hpp"

namespace server {

// `pattern` segments are literal, or ":" for a parameter (appended to `params`).
[[nodiscard]] bool match_route(const std::vector<std::string>& pattern, const std::vector<std::string>& segments,
                               std::vector<std::string>& params);

// The caller when its bearer token holds one of `roles` in `room`; otherwise answers 401
// (no or bad token) or 403 and returns nullopt.
std::optional<Principal> authorize(const Access& access, const Request& req, const Respond& respond,
                                   std::string_view room, std::initializer_list<chat::Role> roles);

// The request's body as a JSON object, or nullopt after answering 400 bad_json.
std::optional<boost::json::object> json_body(const Request& req, const Respond& respond);

}  // namespace server
