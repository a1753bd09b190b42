#pragma once
// What a room tells the media side about its mic-link (连麦) guests: who was let on camera (and
// what they publish with), and when a link ended and why. The server implements it
// (server::MicLink). Called on the room's strand; must return at once.
#include <string>
#include <string_view>

#include "chat/identity.hpp"

namespace chat {

// What an accepted guest publishes with: a short-lived token and the WHIP URL.
struct GuestPass {
  std::string token;
  std::string whip_url;
};

enum class MicLinkEnd {
  host_ended,    // the host (or an operator) took the guest off camera
  left,          // the guest left (mic_leave)
  disconnected,  // the guest's room connection closed
  media_ended,   // the guest's media session ended by itself (browser closed, network dropped)
  stream_ended,  // the host's stream ended
  room_closed,   // the room ended
};

[[nodiscard]] std::string_view to_string(MicLinkEnd reason);

class MicLinkListener {
 public:
  virtual ~MicLinkListener() = default;
  virtual GuestPass on_guest_accepted(const std::string& room, const Identity& guest, int slot) = 0;
  virtual void on_guest_ended(const std::string& room, const Identity& guest, int slot,
                              MicLinkEnd reason) = 0;
};

}  // namespace chat
