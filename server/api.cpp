#include "server/api.hpp"

#include <simdjson.h>

#include <algorithm>

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "chat/utf8.hpp"
#include "server/room_json.hpp"
#include "server/routing.hpp"

namespace server {
namespace json = boost::json;
using chat::Role;

namespace {

constexpr std::size_t kMaxTitleChars = 100;
constexpr std::size_t kMaxRoomIdBytes = 32;

bool valid_room_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRoomIdBytes) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

json::object keys_json(const Access& access, const IngestAddress& ingest, const RoomView& v) {
  const std::string& id = v.record.id;
  json::value url = nullptr;
  if (auto u = ingest.rtmp_url(); !u.empty()) url = u;
  return json::object{{"room", id},
                      {"host_key", access.host_key(id)},
                      {"operator_key", access.operator_key(id)},
                      {"stream_key", access.stream_key(id, v.record.stream_key_generation)},
                      {"stream_key_generation", v.record.stream_key_generation},
                      {"rtmp_port", ingest.rtmp_port},
                      {"rtmp_url", std::move(url)}};
}

json::object bans_json(const RoomView& v) {
  json::array list;
  for (const auto& b : v.record.bans)
    list.push_back(json::object{{"user", b.user_id}, {"nick", b.nick}, {"banned_at_ms", b.at_ms}});
  return json::object{{"room", v.record.id}, {"bans", std::move(list)}};
}

}  // namespace

std::string IngestAddress::rtmp_url() const {
  if (public_host.empty()) return {};
  bool bare_ipv6 = public_host.find(':') != std::string::npos && public_host.front() != '[';
  std::string host = bare_ipv6 ? "[" + public_host + "]" : public_host;
  return "rtmp://" + host + ":" + std::to_string(rtmp_port) + "/live";
}

Api::Api(RoomDirectory& rooms, const Access& access, const ServerMetrics& metrics, const chat::ChatStats& chat_stats,
         const media::RtmpStats& rtmp_stats, const media::StreamHubs& streams, const StaticFiles& files, const MediaFiles& media_files,
         const CommerceApi& shop, const AnalyticsApi& analytics, IngestAddress ingest)
    : rooms_(rooms),
      access_(access),
      metrics_(metrics),
      chat_stats_(chat_stats),
      rtmp_stats_(rtmp_stats),
      streams_(streams),
      files_(files),
      media_files_(media_files),
      shop_(shop),
      analytics_(analytics),
      ingest_(std::move(ingest)) {
  using V = http::verb;
  routes_ = {
      {V::get, {"healthz"}, &Api::healthz},
      {V::get, {"metrics"}, &Api::metrics},
      {V::get, {"api", "rooms"}, &Api::list_rooms},
      {V::post, {"api", "rooms"}, &Api::create_room},
      {V::get, {"api", "rooms", ":"}, &Api::get_room},
      {V::post, {"api", "rooms", ":", "close"}, &Api::close_room},
      {V::get, {"api", "rooms", ":", "keys"}, &Api::room_keys},
      {V::post, {"api", "rooms", ":", "keys", "stream", "rotate"}, &Api::rotate_stream_key},
      {V::get, {"api", "rooms", ":", "recordings"}, &Api::recordings},
      {V::get, {"api", "rooms", ":", "banned-words"}, &Api::banned_words},
      {V::put, {"api", "rooms", ":", "banned-words"}, &Api::set_banned_words},
      {V::get, {"api", "rooms", ":", "bans"}, &Api::bans},
      {V::delete_, {"api", "rooms", ":", "bans", ":"}, &Api::unban},
  };
}

// The pages are one file each, whatever room they show: /r/{room} (viewers), /host/{room} (the
// host console), /dashboard and /dashboard/{room} (operators). They read the room from the address.
std::optional<std::string> Api::page_file(const std::vector<std::string>& segments) {
  if (segments.size() == 2 && segments[0] == "r") return "/viewer.html";
  if (segments.size() == 2 && segments[0] == "host") return "/host.html";
  if ((segments.size() == 1 || segments.size() == 2) && segments[0] == "dashboard") return "/dashboard.html";
  return std::nullopt;
}

void Api::handle(Request req, Respond respond) const {
  auto target = parse_target(req.target());
  if (!target) return respond(error_response(req, http::status::bad_request, "bad_target", "malformed request target"));

  if (shop_.handle(req, *target, respond) || analytics_.handle(req, *target, respond)) return;
  for (const auto& routes : route_sets_)
    if (routes(req, *target, respond)) return;
  bool path_known = false;
  std::vector<std::string> params;
  for (const auto& route : routes_) {
    if (!match_route(route.pattern, target->segments, params)) continue;
    path_known = true;
    bool head_as_get = req.method() == http::verb::head && route.method == http::verb::get;
    if (route.method != req.method() && !head_as_get) continue;
    Call call{req, *target, std::move(params)};
    return (this->*route.handler)(call, respond);
  }
  if (path_known)
    return respond(error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                  "this method is not allowed here"));
  if (req.method() == http::verb::get || req.method() == http::verb::head) {
    if (auto file = files_.serve(req, page_file(target->segments).value_or(target->path))) return respond(std::move(*file));
  }
  respond(error_response(req, http::status::not_found, "not_found", "no such resource"));
}

std::optional<Principal> Api::authorize(const Call& c, Respond& r, std::string_view room,
                                        std::initializer_list<Role> roles) const {
  return server::authorize(access_, c.req, r, room, roles);
}

void Api::healthz(Call& c, Respond& r) const {
  json::object body{{"status", "ok"}};
  bool healthy = true;
  for (const auto& check : health_checks_) healthy = check(body) && healthy;
  if (!healthy) body["status"] = "degraded";
  r(json_response(c.req, http::status::ok, json::serialize(body)));
}

void Api::metrics(Call& c, Respond& r) const {
  std::string text = render_prometheus(metrics_, chat_stats_, rooms_.list(),
                                       MediaView{rtmp_stats_, streams_.all(), media_files_.live() ? &media_files_.live()->stats() : nullptr});
  for (const auto& section : metric_sections_) text += section();
  auto res = json_response(c.req, http::status::ok, std::move(text));
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  r(std::move(res));
}

void Api::list_rooms(Call& c, Respond& r) const {
  json::array rooms;
  for (const auto& v : rooms_.list()) rooms.push_back(room_json(v));
  r(json_response(c.req, http::status::ok, json::serialize(json::object{{"rooms", std::move(rooms)}})));
}

void Api::get_room(Call& c, Respond& r) const {
  auto v = rooms_.view(c.params[0]);
  if (!v) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  json::object o = room_json(*v);
  // Whether /live/{id}/snapshot.jpg has a picture: pages ask before showing it.
  o["snapshot"] = media_files_.live() && media_files_.live()->snapshot(v->record.id) != nullptr;
  r(json_response(c.req, http::status::ok, json::serialize(o)));
}

void Api::create_room(Call& c, Respond& r) const {
  if (!authorize(c, r, "", {Role::admin})) return;
  std::string id, title;
  if (!c.req.body().empty()) {
    simdjson::dom::parser parser;
    simdjson::dom::object body;
    if (parser.parse(c.req.body()).get_object().get(body) != simdjson::SUCCESS)
      return r(error_response(c.req, http::status::bad_request, "bad_json", "the body must be a JSON object"));
    for (auto [key, value] : body) {
      std::string_view s;
      if (key != "id" && key != "title") continue;
      if (value.get_string().get(s) != simdjson::SUCCESS)
        return r(error_response(c.req, http::status::bad_request, "bad_field",
                                "'" + std::string(key) + "' must be a string"));
      (key == "id" ? id : title) = s;
    }
  }
  if (!id.empty() && !valid_room_id(id))
    return r(error_response(c.req, http::status::bad_request, "bad_field",
                            "'id' must be 1-32 characters of a-z, 0-9, '-' or '_'"));
  if (id.empty()) {
    id = random_token(6);  // 8 characters of base64url
    for (char& ch : id) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  if (chat::code_point_count(title) > kMaxTitleChars || chat::has_control_chars(title))
    return r(error_response(c.req, http::status::bad_request, "bad_field",
                            "'title' must be at most 100 characters with no control characters"));
  if (title.empty()) title = "直播间 " + id;

  rooms_.create(RoomRecord{id, title, 0, 0, 0, {}, {}},
                [this, version = c.req.version(), keep_alive = c.req.keep_alive(), r](CreateError err,
                                                                                     std::optional<RoomView> v) {
                  if (err == CreateError::exists)
                    return r(error_response(version, keep_alive, http::status::conflict, "exists",
                                            "a room with this id exists"));
                  if (err != CreateError::none || !v)
                    return r(error_response(version, keep_alive, http::status::internal_server_error, "storage",
                                            "the room could not be stored"));
                  json::object o = room_json(*v);
                  o["host_key"] = access_.host_key(v->record.id);
                  o["operator_key"] = access_.operator_key(v->record.id);
                  o["stream_key"] = access_.stream_key(v->record.id, v->record.stream_key_generation);
                  r(json_response(version, keep_alive, http::status::created, json::serialize(o)));
                });
}

void Api::close_room(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  if (!rooms_.view(id)) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host})) return;
  rooms_.close(id, [version = c.req.version(), keep_alive = c.req.keep_alive(), r](std::optional<RoomView> v) {
    if (!v) return r(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
    r(json_response(version, keep_alive, http::status::ok, json::serialize(room_json(*v))));
  });
}

void Api::room_keys(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  auto v = rooms_.view(id);
  if (!v) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host})) return;
  r(json_response(c.req, http::status::ok, json::serialize(keys_json(access_, ingest_, *v))));
}

void Api::banned_words(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  auto v = rooms_.view(id);
  if (!v) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host, Role::operator_})) return;
  json::array words(v->record.banned_words.begin(), v->record.banned_words.end());
  r(json_response(c.req, http::status::ok, json::serialize(json::object{{"room", id}, {"words", std::move(words)}})));
}

void Api::set_banned_words(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  if (!rooms_.view(id)) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host, Role::operator_})) return;
  auto body = json_body(c.req, r);
  if (!body) return;
  auto* list = body->if_contains("words");
  if (!list || !list->is_array() || list->get_array().size() > kMaxRoomBannedWords)
    return r(error_response(c.req, http::status::bad_request, "bad_field",
                            "'words' must be an array of at most " + std::to_string(kMaxRoomBannedWords) + " words"));
  std::vector<std::string> words;
  for (const auto& w : list->get_array()) {
    bool ok = w.is_string() && chat::is_valid_utf8(w.get_string()) && !chat::has_control_chars(w.get_string()) &&
              !chat::is_blank(w.get_string()) && chat::code_point_count(w.get_string()) <= kMaxBannedWordChars;
    if (!ok)
      return r(error_response(c.req, http::status::bad_request, "bad_field",
                              "each word must be 1-" + std::to_string(kMaxBannedWordChars) + " printable characters"));
    std::string word(w.get_string());
    if (std::find(words.begin(), words.end(), word) == words.end()) words.push_back(std::move(word));
  }
  using E = RoomDirectory::UpdateError;
  rooms_.set_banned_words(id, std::move(words), [version = c.req.version(), keep_alive = c.req.keep_alive(), r](
                                                    E err, std::optional<RoomView> v) {
    if (err == E::not_found) return r(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
    if (err == E::storage)
      return r(error_response(version, keep_alive, http::status::internal_server_error, "storage", "could not store the words"));
    json::array list(v->record.banned_words.begin(), v->record.banned_words.end());
    r(json_response(version, keep_alive, http::status::ok,
                    json::serialize(json::object{{"room", v->record.id}, {"words", std::move(list)}})));
  });
}

void Api::bans(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  auto v = rooms_.view(id);
  if (!v) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host, Role::operator_})) return;
  r(json_response(c.req, http::status::ok, json::serialize(bans_json(*v))));
}

void Api::unban(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  if (!rooms_.view(id)) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host, Role::operator_})) return;
  using E = RoomDirectory::UpdateError;
  rooms_.unban(id, c.params[1], [this, id, version = c.req.version(), keep_alive = c.req.keep_alive(), r](E err) {
    if (err == E::not_found)
      return r(error_response(version, keep_alive, http::status::not_found, "not_found", "this user is not banned here"));
    if (err == E::storage)
      return r(error_response(version, keep_alive, http::status::internal_server_error, "storage",
                              "the ban is lifted until the next restart, but could not be stored"));
    auto v = rooms_.view(id);
    if (!v) return r(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
    r(json_response(version, keep_alive, http::status::ok, json::serialize(bans_json(*v))));
  });
}

void Api::rotate_stream_key(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  if (!rooms_.view(id)) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  if (!authorize(c, r, id, {Role::host})) return;
  using E = RoomDirectory::RotateError;
  rooms_.rotate_stream_key(id, [this, version = c.req.version(), keep_alive = c.req.keep_alive(), r](
                                   E err, std::optional<RoomView> v) {
    switch (err) {
      case E::none:
        return r(json_response(version, keep_alive, http::status::ok, json::serialize(keys_json(access_, ingest_, *v))));
      case E::not_found:
        return r(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
      case E::closed:
        return r(error_response(version, keep_alive, http::status::conflict, "room_closed", "this room has ended"));
      case E::storage:
        break;
    }
    r(error_response(version, keep_alive, http::status::internal_server_error, "storage",
                     "the new key could not be stored; the old key still publishes"));
  });
}

void Api::recordings(Call& c, Respond& r) const {
  const std::string& id = c.params[0];
  if (!rooms_.view(id)) return r(error_response(c.req, http::status::not_found, "not_found", "no such room"));
  json::array list;
  for (const auto& rec : media_files_.recordings(id))
    list.push_back(json::object{{"name", rec.name},
                                {"bytes", rec.bytes},
                                {"started_at_ms", rec.started_at_ms},
                                {"finished_at_ms", rec.finished_at_ms},
                                {"url", "/api/rooms/" + id + "/recordings/" + rec.name}});
  r(json_response(c.req, http::status::ok, json::serialize(json::object{{"recordings", std::move(list)}})));
}

}  // namespace server
