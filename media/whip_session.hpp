#pragma once
// One WHIP publisher: a webrtcbin receiving a browser's H.264 and Opus, whose frames enter a
// StreamHub as FLV tags (see whip_sessions.hpp for the picture). Internal to media/ (it includes
// GStreamer).
//
// Threads: build, teardown and the timers run on the owner's control thread; the answer, ICE
// notifications and new pads on GStreamer's threads, which only post to the control thread; the
// appsink callbacks on the streaming threads, where the tags are made and pushed to the hub
// (StreamHub::push is thread-safe).
#include <gst/gst.h>

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/gst_flv.hpp"
#include "media/sdp.hpp"
#include "media/webrtc_answer.hpp"
#include "media/whip_sessions.hpp"

namespace media {

class WhipSession : public std::enable_shared_from_this<WhipSession> {
 public:
  WhipSession(WhipSessions& owner, std::string id, std::uint64_t publisher,
              std::shared_ptr<StreamHub> hub, sdp::Offer offer, std::string offer_text,
              WhipSessions::Answered done, WhipEnded ended);

  // Claims the hub, then builds the pipeline and answers. Any thread.
  void start();
  // Ends the session: posts the teardown to the control thread. Any thread. `tell` false: the
  // `ended` callback is not called (whoever closes it knows).
  void close(std::string why, WhipError unanswered = WhipError::failed, bool tell = true);

  // A sample from the video or audio appsink (streaming threads): made into FLV tags for the hub.
  void on_video_sample(GstSample* sample);
  void on_audio_sample(GstSample* sample);

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] const std::string& room() const { return hub_->room(); }

 private:
  void build();  // control thread
  void on_pad(GstPad* pad);  // GStreamer thread: webrtcbin has a stream for us
  void on_answer(std::string sdp, std::string error);  // GStreamer thread
  void on_connection_state(GstElement* webrtc);        // GStreamer thread
  void watch();  // control thread: every second, a keyframe request and a check that media comes
  static GstBusSyncReply bus_handler(GstBus*, GstMessage* msg, gpointer self);
  void teardown(const std::string& why, WhipError unanswered = WhipError::failed);  // control thread
  void answer(WhipAnswer a);  // calls done_ once (any thread)

  WhipSessions& owner_;
  const std::string id_;
  const std::uint64_t publisher_;  // the hub's publisher id of this session
  const std::shared_ptr<StreamHub> hub_;
  const sdp::Offer offer_;
  const std::string offer_text_;
  WhipEnded ended_;

  std::mutex mutex_;
  WhipSessions::Answered done_;  // emptied once answered
  bool claimed_ = false;  // the hub is ours: release it at the end
  bool finished_ = false;
  SampleToFlv flv_;  // the appsinks' samples as tags for the hub

  std::atomic<std::int64_t> last_media_ns_{0};  // steady clock: the last frame from the browser
  std::atomic<bool> connected_flag_{false};
  std::atomic<bool> tell_ended_{true};

  // Control thread only.
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::shared_ptr<WebRtcAnswer> answerer_;
  std::optional<boost::asio::steady_timer> deadline_;  // answer, then connected, then the watch
  std::chrono::steady_clock::time_point last_keyframe_request_{};
  bool connected_ = false;
  bool torn_down_ = false;
  bool answered_ = false;
};

}  // namespace media
