#include "server/stream_gate.hpp"

namespace server {

std::shared_ptr<media::StreamHub> StreamGate::admit_publisher(const media::PublishRequest& request,
                                                              std::string& reason) {
  auto room = rooms_.view(request.room);
  if (!room) {
    reason = "no such room";
    return nullptr;
  }
  if (room->closed()) {
    reason = "this room has ended";
    return nullptr;
  }
  if (request.key.empty() || !secrets_equal(request.key, access_.stream_key(request.room, room->record.stream_key_generation))) {
    reason = "wrong stream key";
    return nullptr;
  }
  return hubs_.get_or_create(request.room);
}

std::shared_ptr<media::StreamHub> StreamGate::find_live_stream(const std::string& room) {
  auto hub = hubs_.find(room);
  return hub && hub->live() ? hub : nullptr;
}

}  // namespace server
