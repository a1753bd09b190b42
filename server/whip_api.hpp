#pragma once
// WHIP ingest over HTTP (RFC 9725, without trickle ICE): POST /whip/{room} with a bearer token
// takes an SDP offer and answers 201 with the SDP answer and the session's resource in Location;
// DELETE on /whip/{room}/{session} ends it; PATCH answers 405; OPTIONS answers CORS preflights.
//
// Who may publish: the room's host key (or the admin token, or the room's stream key, which is
// what OBS's WHIP output sends as its bearer token) publishes the room's stream; a mic-link
// guest's token (slot > 0, for this room only) publishes that guest's picture into the mix, while
// the guest holds the slot. It parses, checks and adapts; media::WhipSessions does the rest.
#include <functional>
#include <memory>
#include <string>

#include "media/mic_link_mixer.hpp"
#include "media/stream_hubs.hpp"
#include "media/whip_sessions.hpp"
#include "server/access.hpp"
#include "server/http_types.hpp"
#include "server/room_directory.hpp"
#include "server/target.hpp"

namespace server {

class WhipApi {
 public:
  // Where a mic-link guest's stream goes: the hub of `room`'s guest in `slot`, or nullptr with
  // `reason` set when `user_id` does not hold that slot now.
  using GuestHub = std::function<std::shared_ptr<media::StreamHub>(const std::string& room, int slot,
                                                                   const std::string& user_id, std::string& reason)>;
  // Told when a guest's session ends by itself or by the guest's DELETE (any thread): the
  // guest's browser left or dropped. The room, the slot, the guest's user id and why.
  using GuestEnded =
      std::function<void(const std::string& room, int slot, const std::string& user, const std::string& why)>;

  WhipApi(const RoomDirectory& rooms, const Access& access, media::StreamHubs& streams,
          media::WhipSessions& sessions);

  GuestHub guest_hub;      // empty: guests are refused
  GuestEnded guest_ended;  // may be empty

  // Answers /whip/…; false when the path is not one of its (nothing answered).
  bool handle(const Request& req, const Target& target, const Respond& respond) const;
  // Prometheus text for /metrics.
  [[nodiscard]] std::string metrics() const;

 private:
  void offer(const Request& req, const std::string& room, const Respond& respond) const;

  const RoomDirectory& rooms_;
  const Access& access_;
  media::StreamHubs& streams_;
  media::WhipSessions& sessions_;
};

// Prometheus text for the mic-link mixer.
[[nodiscard]] std::string mixer_metrics(const media::MixerStats& stats);

}  // namespace server
