#include "server/http_types.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

namespace server {

Response json_response(const Request& req, http::status status, std::string body) {
  return json_response(req.version(), req.keep_alive(), status, std::move(body));
}

Response json_response(unsigned version, bool keep_alive, http::status status, std::string body) {
  Response res{status, version};
  res.set(http::field::server, "livecart");
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response error_response(unsigned version, bool keep_alive, http::status status, std::string_view code,
                        std::string_view message) {
  Response res{status, version};
  res.set(http::field::server, "livecart");
  res.set(http::field::content_type, "application/json; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  if (status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
  res.keep_alive(keep_alive);
  res.body() = boost::json::serialize(
      boost::json::object{{"error", boost::json::object{{"code", code}, {"message", message}}}});
  res.prepare_payload();
  return res;
}

Response error_response(const Request& req, http::status status, std::string_view code, std::string_view message) {
  return error_response(req.version(), req.keep_alive(), status, code, message);
}

}  // namespace server
