#include "server/mic_link.hpp"

#include <spdlog/spdlog.h>

namespace server {

MicLink::MicLink(const RoomDirectory& rooms, const Access& access)
    : rooms_(rooms), access_(access) {}

bool MicLink::guest_may_publish(const std::string& room, int slot,
                                const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto it = guests_.find({room, slot});
  return it != guests_.end() && it->second == user_id;
}

void MicLink::guest_media_ended(const std::string& room, int slot, const std::string& why) {
  {
    std::lock_guard lock(mutex_);
    guests_.erase({room, slot});  // no publishing on it from now, before the room hears
  }
  if (auto r = rooms_.find(room)) r->guest_media_ended(slot, why);
}

chat::GuestPass MicLink::on_guest_accepted(const std::string& room, const chat::Identity& guest,
                                           int slot) {
  {
    std::lock_guard lock(mutex_);
    guests_[{room, slot}] = guest.user_id;
  }
  spdlog::info("room {}: mic-link guest {} in slot {}", room, guest.user_id, slot);
  return {access_.guest_token(room, guest.user_id, guest.nick, slot), "/whip/" + room};
}

void MicLink::on_guest_ended(const std::string& room, const chat::Identity& guest, int slot,
                             chat::MicLinkEnd reason) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = guests_.find({room, slot}); it != guests_.end() && it->second == guest.user_id)
      guests_.erase(it);
  }
  spdlog::info("room {}: mic-link guest {} in slot {} ended ({})", room, guest.user_id, slot,
               chat::to_string(reason));
  if (reason != chat::MicLinkEnd::media_ended && end_media) end_media(room, slot);
}

}  // namespace server
