#pragma once
// One WHEP viewer: a StreamSink of its room's hub feeding its own pipeline that ends in a
// webrtcbin (see whep_sessions.hpp for the picture). Internal to media/ (it includes GStreamer).
//
// Threads: on_tags/on_end run on the hub's strand; build, teardown and the timers on the owner's
// control thread; the answer and ICE notifications on GStreamer's threads, which only post to
// the control thread. `mutex_` guards what the hub's strand and the control thread share.
#include <gst/gst.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "media/flv.hpp"
#include "media/sdp.hpp"
#include "media/webrtc_answer.hpp"
#include "media/whep_sessions.hpp"

namespace media {

class WhepSession : public StreamSink, public std::enable_shared_from_this<WhepSession> {
 public:
  // FLV waiting for the pipeline past this: the viewer skips to the next keyframe.
  static constexpr std::size_t kMaxBufferedBytes = 4u << 20;

  WhepSession(WhepSessions& owner, std::string id, std::uint64_t sink_id,
              std::shared_ptr<StreamHub> hub, sdp::Offer offer, std::string offer_text,
              WhepSessions::Answered done);

  // Joins the hub (its headers start the negotiation) and starts the answer deadline.
  void start();
  // Ends the session: posts the teardown to the control thread. Any thread. An offer not yet
  // answered is answered with `unanswered`.
  void close(std::string why, WhepError unanswered = WhepError::failed);

  void on_tags(const TagRun& tags) override;
  void on_tag(const Tag& tag) override;
  void on_end() override;

  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] const std::string& room() const { return hub_->room(); }

 private:
  struct Plan {  // what the answer will hold, decided from the offer and the stream's headers
    int video_pt = -1;
    int audio_pt = -1;  // -1: no audio sent
    bool stream_has_audio = false;
    std::string profile_level_id;
  };

  void take(const Tag& tag);  // hub strand, once negotiating
  void plan_answer();         // hub strand: the headers are known
  [[nodiscard]] std::string pipeline_description(const Plan& plan) const;
  void build(Plan plan);  // control thread
  bool link_to_webrtc(const char* branch, int payload_type, bool video);
  void on_answer(std::string sdp, std::string error);  // GStreamer thread
  void on_connection_state(GstElement* webrtc);        // GStreamer thread
  void watch_viewer();  // control thread: checks every second that the viewer still sends RTCP
  static GstBusSyncReply bus_handler(GstBus*, GstMessage* msg, gpointer self);
  void teardown(const std::string& why,
                WhepError unanswered = WhepError::failed);  // control thread
  void answer(WhepAnswer a);                                // calls done_ once (any thread)
  void push(std::vector<std::uint8_t>&& bytes);             // mutex_ held, appsrc_ set

  WhepSessions& owner_;
  const std::string id_;
  const std::uint64_t sink_id_;
  const std::shared_ptr<StreamHub> hub_;
  const sdp::Offer offer_;
  const std::string offer_text_;

  std::mutex mutex_;
  WhepSessions::Answered done_;  // emptied once answered
  GstElement* appsrc_ = nullptr;
  std::vector<std::uint8_t> pending_;  // FLV for the pipeline being built
  bool ended_ = false;
  std::atomic<bool> flowing_{false};  // connected: frames may go in (from the next keyframe)
  std::atomic<std::int64_t> last_rtcp_ns_{0};  // steady clock, set on a GStreamer thread
  Plan plan_;  // set before the build is posted; read by the control thread after

  // Hub strand only.
  bool first_run_ = true;  // the hub's start tags: their cached GOP is not sent (see on_tags)
  bool planned_ = false;
  bool started_ = false;  // the first live keyframe went in
  bool skipping_ = false;
  std::optional<Tag> metadata_, video_header_, audio_header_;
  flv::Rebaser rebase_;  // the publisher's timestamps, going on forward for the RTP clock

  // Control thread only.
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
  std::shared_ptr<WebRtcAnswer> answerer_;
  std::optional<boost::asio::steady_timer>
      deadline_;  // answer, then connected, then the RTCP watch
  bool connected_ = false;
  bool torn_down_ = false;
};

}  // namespace media
