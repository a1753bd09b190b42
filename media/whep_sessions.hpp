#pragma once
// Every WHEP viewer on this node (RFC 9725 playback). A session is a StreamSink of its room's
// StreamHub feeding its own GStreamer pipeline, whatever the ingest:
//
//   appsrc (FLV) ! flvdemux ─ video ─ h264parse ! rtph264pay (H.264 passed through) ─┐
//                           └ audio ─ avdec_aac ! opusenc ! rtpopuspay ───────────────┴ webrtcbin
//
// open() returns at once; the answer (non-trickle: every candidate in it) is made on GStreamer's
// threads and handed to `done`. Pipelines are built and stopped on this object's control thread,
// never on an I/O thread or a streaming thread. A session ends on close() (the viewer's DELETE),
// when ICE fails or the viewer leaves (RTCP BYE or timeout), when it does not connect in time,
// or when the stream ends. Thread-safe.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
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

struct WhepStats {
  std::atomic<std::int64_t> sessions{0};    // open now (negotiating or playing)
  std::atomic<std::uint64_t> answered{0};   // answers sent
  std::atomic<std::uint64_t> connected{0};  // sessions whose ICE connected
  std::atomic<std::uint64_t> refused{0};    // offers refused: over the limit
  std::atomic<std::uint64_t> failed{0};     // negotiation failed or timed out, ICE failed (logged)
};

using WhepError = WebRtcError;

struct WhepAnswer {
  WhepError error = WhepError::none;
  std::string message;  // for people, when error is set
  std::string session;  // the session's id (its resource is /whep/{room}/{session})
  std::string sdp;      // the answer
};

class WhepSession;

class WhepSessions {
 public:
  using Answered = std::function<void(WhepAnswer)>;

  explicit WhepSessions(WebRtcConfig config);
  ~WhepSessions();  // stop()
  WhepSessions(const WhepSessions&) = delete;
  WhepSessions& operator=(const WhepSessions&) = delete;

  // Starts a viewer of `hub` (a live stream) for `offer`. `done` runs exactly once, on the
  // calling thread for an offer refused at once, otherwise on a GStreamer or control thread.
  void open(std::shared_ptr<StreamHub> hub, std::string offer, Answered done);
  // Ends `room`'s session `id`; false when there is none. Any thread; returns at once.
  bool close(const std::string& room, const std::string& id);
  // Ends every session and joins the control thread.
  void stop();

  [[nodiscard]] const WebRtcConfig& config() const { return config_; }
  [[nodiscard]] const WhepStats& stats() const { return stats_; }

 private:
  friend class WhepSession;
  void forget(const WhepSession& session);  // the session was torn down

  WebRtcConfig config_;
  WhepStats stats_;
  boost::asio::io_context control_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<WhepSession>> sessions_;  // by id
  bool stopped_ = false;
};

}  // namespace media
