#pragma once
// HTTP message types used across server/, and the JSON response helpers every handler uses.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace server {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// Completes a request; may be called from any thread, exactly once.
using Respond = std::function<void(Response)>;

[[nodiscard]] Response json_response(const Request& req, http::status status, std::string body);
// For answers completed after the request is gone: only its version and keep-alive matter.
[[nodiscard]] Response json_response(unsigned version, bool keep_alive, http::status status, std::string body);
// {"error":{"code":"...","message":"..."}}
[[nodiscard]] Response error_response(const Request& req, http::status status, std::string_view code,
                                      std::string_view message);
[[nodiscard]] Response error_response(unsigned version, bool keep_alive, http::status status,
                                      std::string_view code, std::string_view message);

}  // namespace server
