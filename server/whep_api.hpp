#pragma once
// WHEP playback over HTTP (RFC 9725, without trickle ICE): POST /whep/{room} takes an SDP offer
// and answers 201 with the SDP answer and the session's resource in Location; DELETE on
// /whep/{room}/{session} ends it; PATCH (trickle, ICE restart) answers 405; OPTIONS answers CORS
// preflights. Like HTTP-FLV and HLS it needs no token: anyone may watch a live room. It parses,
// checks and adapts; media::WhepSessions does the rest, and its answer completes the request from
// a GStreamer thread (Respond may be called from any thread).
#include <string>

#include "media/stream_hubs.hpp"
#include "media/whep_sessions.hpp"
#include "server/http_types.hpp"
#include "server/room_directory.hpp"
#include "server/target.hpp"

namespace server {

class WhepApi {
 public:
  WhepApi(const RoomDirectory& rooms, const media::StreamHubs& streams,
          media::WhepSessions& sessions);

  // Answers /whep/…; false when the path is not one of its (nothing answered).
  bool handle(const Request& req, const Target& target, const Respond& respond) const;
  // Prometheus text for /metrics.
  [[nodiscard]] std::string metrics() const;

 private:
  void offer(const Request& req, const std::string& room, const Respond& respond) const;
  void end(const Request& req, const std::string& room, const std::string& session,
           const Respond& respond) const;

  const RoomDirectory& rooms_;
  const media::StreamHubs& streams_;
  media::WhepSessions& sessions_;
};

// What WHEP and WHIP answers share: CORS headers (a player or publisher on another origin reads
// Location and Link), JSON errors with them, OPTIONS preflights and 405s for the endpoint
// (`resource` false) or a session's resource.
void webrtc_cors(Response& res);
// The status and error code of a refusal.
[[nodiscard]] std::pair<http::status, std::string_view> webrtc_status(media::WebRtcError error);
// The answer to an offer: 201 with the SDP, `location` and the ICE server `links`, or the refusal
// (`message` for people; Retry-After for too_many_sessions).
[[nodiscard]] Response webrtc_answer(unsigned version, bool keep_alive, media::WebRtcError error,
                                     const std::string& message, const std::string& location,
                                     const std::vector<std::string>& links, std::string sdp);
[[nodiscard]] Response webrtc_error(unsigned version, bool keep_alive, http::status status, std::string_view code,
                                    std::string_view message);
[[nodiscard]] Response webrtc_options(const Request& req, bool resource);
[[nodiscard]] Response webrtc_method_not_allowed(const Request& req, bool resource);

// The media type of a Content-Type value, lower case, without parameters ("application/sdp").
[[nodiscard]] std::string media_type(std::string_view content_type);
// RFC 9725 §4.6 Link header values for the configured STUN and TURN servers (none when unset).
[[nodiscard]] std::vector<std::string> ice_server_links(const media::WebRtcConfig& config);

}  // namespace server
