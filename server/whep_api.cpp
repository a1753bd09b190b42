#include "server/whep_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <cctype>

#include "server/metrics.hpp"

namespace server {
namespace json = boost::json;
using media::WhepError;

namespace {

constexpr std::string_view kSdp = "application/sdp";
constexpr std::string_view kTrickleRefused =
    "trickle ICE and ICE restarts are not supported: put every candidate in the offer (wait for "
    "ICE gathering), "
    "and POST a new offer to restart";

// "stun://host:port" or "turn(s)://user:password@host:port" → {scheme, user, password, host:port}.
struct IceUrl {
  std::string scheme, user, password, address;
};
std::optional<IceUrl> parse_ice_url(std::string_view url) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  IceUrl u{std::string(url.substr(0, sep)), {}, {}, {}};
  std::string_view rest = url.substr(sep + 3);
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    auto colon =
        userinfo.rfind(':');  // a time-limited user name ("timestamp:name") has a colon too
    u.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) u.password = std::string(userinfo.substr(colon + 1));
    rest = rest.substr(at + 1);
  }
  u.address = std::string(rest);
  if (u.address.empty()) return std::nullopt;
  return u;
}

std::string link_quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::pair<http::status, std::string_view> webrtc_status(media::WebRtcError e) {
  using media::WebRtcError;
  switch (e) {
    case WebRtcError::bad_offer:
      return {http::status::bad_request, "bad_sdp"};
    case WebRtcError::no_common_codec:
      return {http::status::bad_request, "no_common_codec"};
    case WebRtcError::too_many_sessions:
      return {http::status::service_unavailable, "too_many_sessions"};
    case WebRtcError::offline:
      return {http::status::not_found, "offline"};
    case WebRtcError::busy:
      return {http::status::conflict, "already_publishing"};
    case WebRtcError::failed:
    case WebRtcError::none:
      break;
  }
  return {http::status::internal_server_error, "webrtc_failed"};
}

Response webrtc_answer(unsigned version, bool keep_alive, media::WebRtcError error, const std::string& message,
                       const std::string& location, const std::vector<std::string>& links, std::string sdp) {
  if (error != media::WebRtcError::none) {
    auto [status, code] = webrtc_status(error);
    auto res = webrtc_error(version, keep_alive, status, code, message);
    if (error == media::WebRtcError::too_many_sessions) res.set(http::field::retry_after, "10");
    return res;
  }
  Response res{http::status::created, version};
  res.set(http::field::server, "livecart");
  res.set(http::field::content_type, kSdp);
  res.set(http::field::cache_control, "no-store");
  res.set(http::field::location, location);
  for (const auto& link : links) res.insert(http::field::link, link);
  webrtc_cors(res);
  res.keep_alive(keep_alive);
  res.body() = std::move(sdp);
  res.prepare_payload();
  return res;
}

void webrtc_cors(Response& res) {
  res.set(http::field::access_control_allow_origin, "*");
  res.set(http::field::access_control_expose_headers, "Location, Link");
}

Response webrtc_error(unsigned version, bool keep_alive, http::status status, std::string_view code,
                      std::string_view message) {
  auto res = error_response(version, keep_alive, status, code, message);
  webrtc_cors(res);
  return res;
}

Response webrtc_options(const Request& req, bool resource) {
  Response res{http::status::no_content, req.version()};
  res.set(http::field::server, "livecart");
  webrtc_cors(res);
  res.set(http::field::access_control_allow_methods, resource ? "DELETE, PATCH, OPTIONS" : "POST, OPTIONS");
  res.set(http::field::access_control_allow_headers, "Content-Type, Authorization, If-Match");
  res.set(http::field::access_control_max_age, "86400");
  if (!resource) res.set("Accept-Post", kSdp);
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  return res;
}

Response webrtc_method_not_allowed(const Request& req, bool resource) {
  auto res = webrtc_error(req.version(), req.keep_alive(), http::status::method_not_allowed, "method_not_allowed",
                          req.method() == http::verb::patch ? kTrickleRefused : "this method is not allowed here");
  res.set(http::field::allow, resource ? "DELETE, PATCH, OPTIONS" : "POST, OPTIONS");
  return res;
}

std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front())))
    type.remove_prefix(1);
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back())))
    type.remove_suffix(1);
  std::string out(type);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> ice_server_links(const media::WebRtcConfig& config) {
  std::vector<std::string> links;
  if (auto stun = parse_ice_url(config.stun_server))
    links.push_back("<stun:" + stun->address + ">; rel=\"ice-server\"");
  if (auto turn = parse_ice_url(config.turn_server)) {
    std::string link = "<" + turn->scheme + ":" + turn->address + ">; rel=\"ice-server\"";
    if (!turn->user.empty())
      link += "; username=" + link_quoted(turn->user) + "; credential=" + link_quoted(turn->password) +
              "; credential-type=\"password\"";
    links.push_back(std::move(link));
  }
  return links;
}

WhepApi::WhepApi(const RoomDirectory& rooms, const media::StreamHubs& streams,
                 media::WhepSessions& sessions)
    : rooms_(rooms), streams_(streams), sessions_(sessions) {}

bool WhepApi::handle(const Request& req, const Target& target, const Respond& respond) const {
  const auto& s = target.segments;
  if (s.empty() || s[0] != "whep" || s.size() < 2 || s.size() > 3) return false;
  bool resource = s.size() == 3;
  switch (req.method()) {
    case http::verb::post:
      if (!resource) {
        offer(req, s[1], respond);
        return true;
      }
      break;
    case http::verb::delete_:
      if (resource) {
        end(req, s[1], s[2], respond);
        return true;
      }
      break;
    case http::verb::options:
      respond(webrtc_options(req, resource));
      return true;
    default:
      break;
  }
  respond(webrtc_method_not_allowed(req, resource));
  return true;
}

void WhepApi::offer(const Request& req, const std::string& room, const Respond& respond) const {
  unsigned version = req.version();
  bool keep_alive = req.keep_alive();
  if (media_type(req[http::field::content_type]) != kSdp)
    return respond(webrtc_error(version, keep_alive, http::status::unsupported_media_type,
                         "unsupported_media_type",
                         "the offer must be sent as Content-Type: application/sdp"));
  if (!rooms_.view(room))
    return respond(
        webrtc_error(version, keep_alive, http::status::not_found, "not_found", "no such room"));
  auto hub = streams_.find(room);
  if (!hub || !hub->live())
    return respond(
        webrtc_error(version, keep_alive, http::status::not_found, "offline", "this room is not live"));
  sessions_.open(std::move(hub), req.body(),
                 [version, keep_alive, room, respond, links = ice_server_links(sessions_.config())](media::WhepAnswer a) {
                   respond(webrtc_answer(version, keep_alive, a.error, a.message, "/whep/" + room + "/" + a.session,
                                         links, std::move(a.sdp)));
                 });
}

void WhepApi::end(const Request& req, const std::string& room, const std::string& session,
                  const Respond& respond) const {
  if (!sessions_.close(room, session))
    return respond(webrtc_error(req.version(), req.keep_alive(), http::status::not_found, "not_found",
                         "no such WHEP session"));
  auto res =
      json_response(req, http::status::ok,
                    json::serialize(json::object{{"session", session}, {"status", "ended"}}));
  webrtc_cors(res);
  respond(std::move(res));
}

std::string WhepApi::metrics() const {
  const auto& s = sessions_.stats();
  std::string out;
  auto sample = [&out](const char* name, const char* type, const char* help, std::uint64_t v) {
    append_metric(out, name, type, help, v);
  };
  sample("livecart_whep_sessions", "gauge", "WHEP viewers open (negotiating or playing).",
         static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.sessions.load())));
  sample("livecart_whep_answers_total", "counter", "WHEP offers answered.", s.answered.load());
  sample("livecart_whep_connected_total", "counter",
         "WHEP viewers whose connection was established.", s.connected.load());
  sample("livecart_whep_refused_total", "counter",
         "WHEP offers refused: the session limit was reached.", s.refused.load());
  sample("livecart_whep_failed_total", "counter",
         "WHEP offers that could not be answered (no common codec, webrtcbin error, timeout, "
         "stream ended).",
         s.failed.load());
  return out;
}

}  // namespace server
