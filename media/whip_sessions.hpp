#pragma once
// Every WHIP publisher on this node (RFC 9725 ingest): a browser's camera and microphone enter a
// StreamHub as FLV tags, exactly like an RTMP encoder's, so HTTP-FLV, RTMP, HLS, the recording
// and WHEP viewers all see them. One GStreamer pipeline per publisher:
//
//   webrtcbin ─ H.264 ─ rtph264depay ! h264parse (AVC, whole frames) ──────────── appsink ─┐
//             └ Opus ── rtpopusdepay ! opusdec ! AAC encoder (fdkaacenc) ─────────── appsink ─┴ FLV tags → hub
//
// H.264 is passed through; Opus becomes AAC for FLV and HLS. Browsers send a keyframe only when
// asked, so the session asks (an RTCP PLI) every `keyframe_interval`: HLS segments and the GOP
// cache need one every second or so. The hub is claimed before the answer: a room another
// encoder publishes to is refused (a stale one is taken over, as for RTMP). A session ends on
// close() (the publisher's DELETE), when ICE fails, when no media comes for a while (a closed
// tab), or when it does not connect in time; its hub is then released. Thread-safe.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "media/stream_hub.hpp"
#include "media/webrtc_config.hpp"

namespace media {

struct WhipStats {
  std::atomic<std::int64_t> sessions{0};    // open now (negotiating or publishing)
  std::atomic<std::uint64_t> answered{0};   // answers sent
  std::atomic<std::uint64_t> connected{0};  // sessions whose ICE connected
  std::atomic<std::uint64_t> refused{0};    // offers refused: over the limit, or the room is busy
  std::atomic<std::uint64_t> failed{0};     // negotiation failed or timed out, ICE failed (logged)
  std::atomic<std::uint64_t> frames{0};     // video frames that entered a hub
};

using WhipError = WebRtcError;

struct WhipAnswer {
  WhipError error = WhipError::none;
  std::string message;  // for people, when error is set
  std::string session;  // the session's id (its resource is /whip/{room}/{session})
  std::string sdp;      // the answer
};

// Told when an answered session ends: by itself (ICE failed, no media, not connected in time), or
// on the publisher's DELETE; not when close_publishers() ended it. The hub's room, the session's
// id, and why. Any thread; must return at once.
using WhipEnded = std::function<void(const std::string& hub, const std::string& id, const std::string& why)>;

class WhipSession;

class WhipSessions {
 public:
  using Answered = std::function<void(WhipAnswer)>;

  explicit WhipSessions(WebRtcConfig config);
  ~WhipSessions();  // stop()
  WhipSessions(const WhipSessions&) = delete;
  WhipSessions& operator=(const WhipSessions&) = delete;

  // Publishes `offer`'s media into `hub`. `done` runs exactly once: on the calling thread for an
  // offer refused at once, otherwise on a GStreamer or control thread. `ended` (may be empty) is
  // told when the session ends, once it was answered.
  void open(std::shared_ptr<StreamHub> hub, std::string offer, Answered done,
            WhipEnded ended = {});
  // Ends `room`'s session `id` (a mic-link guest's session belongs to the room its guest hub,
  // "ROOM~gN", mixes into); false when there is none. Any thread; returns at once.
  bool close(const std::string& room, const std::string& id);
  // Ends every session publishing into the hub named `hub` (a guest taken off the mic-link).
  // Returns how many. Any thread.
  std::size_t close_publishers(const std::string& hub, const std::string& why);
  // Ends every session and joins the control thread.
  void stop();

  [[nodiscard]] const WebRtcConfig& config() const { return config_; }
  [[nodiscard]] const WhipStats& stats() const { return stats_; }

 private:
  friend class WhipSession;
  void forget(const WhipSession& session);  // the session was torn down

  WebRtcConfig config_;
  WhipStats stats_;
  boost::asio::io_context control_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<WhipSession>> sessions_;  // by id
  std::atomic<std::uint64_t> next_publisher_{0};
  bool stopped_ = false;
};

}  // namespace media
