#pragma once
// What a room tells the rest of the server about its audience (analytics listens): who came
// and went, what passed moderation, likes, mic-link guests going on and off camera. Called on
// the room's strand; must return at once.
#include <cstdint>
#include <string>

#include "chat/identity.hpp"

namespace chat {

class RoomObserver {
 public:
  virtual ~RoomObserver() = default;
  virtual void on_enter(const Identity& who) = 0;  // one connection joined
  virtual void on_leave(const Identity& who) = 0;  // one connection left (or was dropped)
  virtual void on_comment(const Identity& who, const std::string& text) = 0;
  virtual void on_likes(std::uint64_t count) = 0;
  virtual void on_mic_link_start(const Identity& guest) = 0;  // the host accepted a guest
  virtual void on_mic_link_end(const Identity& guest) = 0;    // that guest's link ended, for any reason
};

}  // namespace chat
