#pragma once
// What a room needs from a connected client: a way to hand it frames and to close it.
// The server's WebSocket session implements it; the room holds only weak references.
#include <memory>
#include <string>

namespace chat {

using Frame = std::shared_ptr<const std::string>;

enum class CloseReason { banned, room_closed, shutting_down };

class Member {
 public:
  virtual ~Member() = default;
  // Called on the room's strand; must return at once. A `droppable` frame (a batch) may be
  // skipped by a consumer that cannot keep up; replies and notices addressed to it are not.
  virtual void send(Frame frame, bool droppable) = 0;
  virtual void kick(CloseReason reason) = 0;
};

}  // namespace chat
