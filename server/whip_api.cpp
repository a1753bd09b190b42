#include "server/whip_api.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "server/metrics.hpp"
#include "server/whep_api.hpp"
#include "server/token_signer.hpp"

namespace server {
namespace json = boost::json;

namespace {

constexpr std::string_view kSdp = "application/sdp";

}  // namespace

WhipApi::WhipApi(const RoomDirectory& rooms, const Access& access, media::StreamHubs& streams,
                 media::WhipSessions& sessions)
    : rooms_(rooms), access_(access), streams_(streams), sessions_(sessions) {}

bool WhipApi::handle(const Request& req, const Target& target, const Respond& respond) const {
  const auto& s = target.segments;
  if (s.empty() || s[0] != "whip" || s.size() < 2 || s.size() > 3) return false;
  bool resource = s.size() == 3;
  if (req.method() == http::verb::post && !resource) {
    offer(req, s[1], respond);
  } else if (req.method() == http::verb::delete_ && resource) {
    if (!sessions_.close(s[1], s[2]))
      return respond(webrtc_error(req.version(), req.keep_alive(), http::status::not_found, "not_found",
                                  "no such WHIP session")),
             true;
    auto res = json_response(req, http::status::ok,
                             json::serialize(json::object{{"session", s[2]}, {"status", "ended"}}));
    webrtc_cors(res);
    respond(std::move(res));
  } else if (req.method() == http::verb::options) {
    respond(webrtc_options(req, resource));
  } else {
    respond(webrtc_method_not_allowed(req, resource));
  }
  return true;
}

void WhipApi::offer(const Request& req, const std::string& room, const Respond& respond) const {
  unsigned version = req.version();
  bool keep_alive = req.keep_alive();
  auto refuse = [&](http::status status, std::string_view code, std::string_view message) {
    auto res = webrtc_error(version, keep_alive, status, code, message);
    if (status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer");
    respond(std::move(res));
  };
  if (media_type(req[http::field::content_type]) != kSdp)
    return refuse(http::status::unsupported_media_type, "unsupported_media_type",
                  "the offer must be sent as Content-Type: application/sdp");
  std::string_view token = Access::bearer(req[http::field::authorization]);
  if (token.empty())
    return refuse(http::status::unauthorized, "unauthorized",
                  "publishing needs the room's host key (or stream key) as a bearer token");
  auto view = rooms_.view(room);
  if (!view) return refuse(http::status::not_found, "not_found", "no such room");
  if (view->closed()) return refuse(http::status::conflict, "room_closed", "this room has ended");

  std::shared_ptr<media::StreamHub> hub;
  int slot = 0;
  auto who = access_.authenticate(token);
  if (who && who->slot > 0) {
    if (who->room != room)
      return refuse(http::status::forbidden, "wrong_room", "this mic-link token is for another room");
    std::string reason;
    hub = guest_hub ? guest_hub(room, who->slot, who->user_id, reason) : nullptr;
    if (!hub)
      return refuse(http::status::forbidden, "not_on_mic",
                    reason.empty() ? "this guest is not on the mic-link now" : reason);
    slot = who->slot;
  } else if ((who && Access::allows(*who, room, {chat::Role::host})) ||
             secrets_equal(token, access_.stream_key(room, view->record.stream_key_generation))) {
    hub = streams_.get_or_create(room);
  } else if (who) {
    return refuse(http::status::forbidden, "forbidden", "only the room's host may publish its stream");
  } else {
    return refuse(http::status::unauthorized, "unauthorized", "the token is not valid (forged, expired or rotated)");
  }

  media::WhipEnded ended;
  if (slot > 0 && guest_ended)
    ended = [room, slot, user = who->user_id, on_end = guest_ended](const std::string&, const std::string&,
                                                                    const std::string& why) {
      on_end(room, slot, user, why);
    };
  sessions_.open(
      std::move(hub), req.body(),
      [version, keep_alive, room, respond, links = ice_server_links(sessions_.config())](media::WhipAnswer a) {
        respond(webrtc_answer(version, keep_alive, a.error, a.message, "/whip/" + room + "/" + a.session, links,
                              std::move(a.sdp)));
      },
      std::move(ended));
}

namespace {
void sample(std::string& out, const char* name, const char* type, const char* help, std::uint64_t v) {
  append_metric(out, name, type, help, v);
}
std::uint64_t gauge(const std::atomic<std::int64_t>& v) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, v.load()));
}
}  // namespace

std::string mixer_metrics(const media::MixerStats& s) {
  std::string out;
  sample(out, "livecart_miclink_mixes", "gauge", "Rooms whose program is a mic-link mix now.", gauge(s.mixes));
  sample(out, "livecart_miclink_guests", "gauge", "Mic-link guests in a mix now.", gauge(s.guests));
  sample(out, "livecart_miclink_mixes_total", "counter", "Mic-link mixes started.", s.started.load());
  sample(out, "livecart_miclink_errors_total", "counter", "Mic-link mixes that failed (logged).", s.errors.load());
  sample(out, "livecart_miclink_frames_total", "counter", "Program frames the mixes made.", s.frames.load());
  return out;
}

std::string WhipApi::metrics() const {
  const auto& s = sessions_.stats();
  std::string out;
  auto sample = [&out](const char* name, const char* type, const char* help, std::uint64_t v) {
    append_metric(out, name, type, help, v);
  };
  sample("livecart_whip_sessions", "gauge", "WHIP publishers open (negotiating or publishing).",
         static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.sessions.load())));
  sample("livecart_whip_answers_total", "counter", "WHIP offers answered.", s.answered.load());
  sample("livecart_whip_connected_total", "counter", "WHIP publishers whose connection was established.",
         s.connected.load());
  sample("livecart_whip_refused_total", "counter",
         "WHIP offers refused: the session limit was reached or the room was busy.", s.refused.load());
  sample("livecart_whip_failed_total", "counter",
         "WHIP offers that could not be answered (webrtcbin error, timeout).", s.failed.load());
  sample("livecart_whip_frames_total", "counter", "Video frames WHIP publishers brought in.", s.frames.load());
  return out;
}

}  // namespace server
