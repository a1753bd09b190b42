#pragma once
// How a room makes its bans durable: server/ stores them (RoomDirectory's disk thread) and loads
// them back at start, so a banned viewer stays out after a restart. chat/ does no I/O itself.
#include <cstdint>
#include <functional>
#include <string>

namespace chat {

struct Ban {
  std::string user_id;
  std::string nick;          // as the user was last seen in the room; empty when not seen
  std::int64_t at_ms = 0;    // when banned, Unix milliseconds
};

// Stores the ban (`banned`) or deletes it; `done(stored)` may run on any thread and must return
// at once. Called on the room's strand.
using BanStore = std::function<void(const Ban& ban, bool banned, std::function<void(bool stored)> done)>;

}  // namespace chat
