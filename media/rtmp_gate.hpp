#pragma once
// What the RTMP server asks its owner: may this publisher (room and stream key) go live, and
// where is a room's stream. Implemented by server/, which knows rooms and keys; media/ does not.
#include <memory>
#include <string>
#include <string_view>

#include "media/stream_hub.hpp"

namespace media {

struct PublishRequest {
  std::string app;   // "live"
  std::string room;  // the stream name before '?'
  std::string key;   // the "key" query parameter
};

class RtmpGate {
 public:
  virtual ~RtmpGate() = default;
  // The room's hub when the key is right; nullptr and a reason (logged, and sent to the
  // encoder in onStatus) when the room is unknown or closed or the key is wrong.
  virtual std::shared_ptr<StreamHub> admit_publisher(const PublishRequest& request, std::string& reason) = 0;
  // The room's stream for a player, or nullptr when the room is not live.
  virtual std::shared_ptr<StreamHub> find_live_stream(const std::string& room) = 0;
};

}  // namespace media
