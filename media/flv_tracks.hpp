#pragma once
// Which tracks an FLV stream carries, for the audio and video flags of the file header: a
// player told of an audio track waits for it (mpegts.js does), so a video-only stream must not
// announce one. Decided from the tags a viewer starts with. Pure code, no I/O.
#include <span>

#include "media/gop_cache.hpp"

namespace media::flv {

struct Tracks {
  bool audio = true;
  bool video = true;
};

// onMetaData's audiocodecid / videocodecid when it names either; otherwise the tracks whose tags
// are there, once a video keyframe shows the stream has begun; both while nothing tells.
[[nodiscard]] Tracks tracks_of(std::span<const Tag> start);

}  // namespace media::flv
