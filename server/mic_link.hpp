#pragma once
// The server's side of mic-link (连麦) for the media side: who may publish as a guest (a mirror,
// under a mutex, of the guests each room keeps on its strand), what a guest publishes with, and
// the two ways a link ends across the boundary — the media side tells it a guest's media ended by
// itself (guest_media_ended), it tells the media side to stop a guest's stream (end_media).
// Rooms call it as their chat::MicLinkListener on their strands; any member may be called from
// any thread.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "chat/mic_link_listener.hpp"
#include "server/access.hpp"
#include "server/room_directory.hpp"

namespace server {

class MicLink : public chat::MicLinkListener {
 public:
  MicLink(const RoomDirectory& rooms, const Access& access);

  // True only while `user_id` holds `slot` in `room` (accepted, and the link not ended).
  [[nodiscard]] bool guest_may_publish(const std::string& room, int slot,
                                       const std::string& user_id) const;
  // The guest's media session in `slot` ended by itself (browser closed, network dropped): the
  // slot is freed at once, the guest, the host and the room are told (reason media_ended, `why`
  // to the guest) and MicLinkEnd is recorded. end_media is not called for it. Not to be called
  // for a stream that end_media stopped: by then the slot may hold the next guest.
  void guest_media_ended(const std::string& room, int slot, const std::string& why);

  // Called whenever a link ends for any other reason (host ended it, the guest left or its room
  // connection closed, the stream ended, the room closed) so that the media side stops that
  // guest's stream. Called on the room's strand: must return at once (post the work). May be
  // empty. Set before the server serves.
  std::function<void(const std::string& room, int slot)> end_media;

  // chat::MicLinkListener, on the room's strand.
  chat::GuestPass on_guest_accepted(const std::string& room, const chat::Identity& guest,
                                    int slot) override;
  void on_guest_ended(const std::string& room, const chat::Identity& guest, int slot,
                      chat::MicLinkEnd reason) override;

 private:
  const RoomDirectory& rooms_;
  const Access& access_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::string> guests_;  // (room, slot) → user id
};

}  // namespace server
