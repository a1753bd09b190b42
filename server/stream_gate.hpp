#pragma once
// Admits RTMP publishers for media/: the room must exist and be open, and the key must be
// the room's stream key. Thread-safe (reads the directory; hubs are thread-safe).
#include "media/rtmp_gate.hpp"
#include "media/stream_hubs.hpp"
#include "server/access.hpp"
#include "server/room_directory.hpp"

namespace server {

class StreamGate : public media::RtmpGate {
 public:
  StreamGate(const RoomDirectory& rooms, const Access& access, media::StreamHubs& hubs)
      : rooms_(rooms), access_(access), hubs_(hubs) {}

  std::shared_ptr<media::StreamHub> admit_publisher(const media::PublishRequest& request,
                                                    std::string& reason) override;
  std::shared_ptr<media::StreamHub> find_live_stream(const std::string& room) override;

 private:
  const RoomDirectory& rooms_;
  const Access& access_;
  media::StreamHubs& hubs_;
};

}  // namespace server
