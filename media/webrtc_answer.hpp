#pragma once
// Answers a browser's offer on a webrtcbin without trickle ICE (WHEP now, WHIP later):
// set-remote-description, create-answer, set-local-description, then the answer once ICE
// gathering is complete, so that it carries every candidate. Every step runs on GStreamer's
// threads (webrtcbin's promise callbacks and notify signals); nothing here blocks a caller.
// Internal to media/: the public headers stay free of GStreamer.
#include <gst/gst.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "media/webrtc_config.hpp"

namespace media {

// Applies ICE settings to a webrtcbin: STUN/TURN servers, the UDP port range, UDP only.
void configure_ice(GstElement* webrtcbin, const WebRtcConfig& config);

class WebRtcAnswer : public std::enable_shared_from_this<WebRtcAnswer> {
 public:
  // `sdp` is the local description with its candidates, or empty with `error` set.
  using Done = std::function<void(std::string sdp, std::string error)>;

  // Starts answering `offer` on `webrtcbin` (its pipeline playing or about to). `done` runs once,
  // on a GStreamer thread, unless cancel() comes first.
  static std::shared_ptr<WebRtcAnswer> start(GstElement* webrtcbin, const std::string& offer,
                                             Done done);
  // No `done` after this returns; call before the webrtcbin is stopped. Any thread.
  void cancel();

  WebRtcAnswer(GstElement* webrtcbin, Done done);
  ~WebRtcAnswer();

 private:
  void on_remote_set(GstPromise* promise);
  void on_answer(GstPromise* promise);
  void on_local_set(GstPromise* promise);
  void on_gathering();
  void finish_if_ready();
  void fail(std::string error);
  // A promise whose reply calls `step` on this object (kept alive until then).
  GstPromise* promise_for(void (WebRtcAnswer::*step)(GstPromise*));

  GstElement* webrtc_;  // a reference of ours
  gulong gathering_handler_ = 0;
  std::mutex mutex_;
  Done done_;  // emptied once called or cancelled
  bool local_set_ = false;
};

}  // namespace media
