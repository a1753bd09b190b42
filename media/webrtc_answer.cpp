#include "media/webrtc_answer.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

namespace media {

namespace {

// The error a promise was answered with, or empty.
std::string promise_error(GstPromise* promise, const char* step) {
  if (gst_promise_wait(promise) != GST_PROMISE_RESULT_REPLIED)
    return std::string(step) + ": no reply";
  const GstStructure* reply = gst_promise_get_reply(promise);
  if (!reply || !gst_structure_has_field(reply, "error")) return {};
  GError* error = nullptr;
  gst_structure_get(reply, "error", G_TYPE_ERROR, &error, nullptr);
  std::string message = std::string(step) + ": " + (error ? error->message : "failed");
  if (error) g_error_free(error);
  return message;
}

struct PromiseStep {
  std::shared_ptr<WebRtcAnswer> self;
  void (WebRtcAnswer::*step)(GstPromise*);
};

}  // namespace

void configure_ice(GstElement* webrtcbin, const WebRtcConfig& config) {
  if (!config.stun_server.empty())
    g_object_set(webrtcbin, "stun-server", config.stun_server.c_str(), nullptr);
  if (!config.turn_server.empty())
    g_object_set(webrtcbin, "turn-server", config.turn_server.c_str(), nullptr);
  GObject* ice = nullptr;
  g_object_get(webrtcbin, "ice-agent", &ice, nullptr);
  if (!ice) return;
  // TCP candidates only add checks that never win against UDP here.
  g_object_set(ice, "ice-tcp", FALSE, nullptr);
  if (config.udp_port_min || config.udp_port_max)
    g_object_set(ice, "min-rtp-port", static_cast<guint>(config.udp_port_min), "max-rtp-port",
                 static_cast<guint>(config.udp_port_max ? config.udp_port_max : 65535), nullptr);
  g_object_unref(ice);
}

WebRtcAnswer::WebRtcAnswer(GstElement* webrtcbin, Done done)
    : webrtc_(GST_ELEMENT(gst_object_ref(webrtcbin))), done_(std::move(done)) {}

WebRtcAnswer::~WebRtcAnswer() { gst_object_unref(webrtc_); }

std::shared_ptr<WebRtcAnswer> WebRtcAnswer::start(GstElement* webrtcbin, const std::string& offer,
                                                  Done done) {
  auto self = std::make_shared<WebRtcAnswer>(webrtcbin, std::move(done));
  GstSDPMessage* sdp = nullptr;
  gst_sdp_message_new(&sdp);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(offer.data()),
                                   static_cast<guint>(offer.size()), sdp) != GST_SDP_OK) {
    gst_sdp_message_free(sdp);
    self->fail("the offer cannot be parsed");
    return self;
  }
  // The notify handler holds only a weak reference: a cancelled answer is gone at once.
  self->gathering_handler_ = g_signal_connect_data(
      webrtcbin, "notify::ice-gathering-state",
      G_CALLBACK(+[](GstElement*, GParamSpec*, gpointer data) {
        if (auto s = static_cast<std::weak_ptr<WebRtcAnswer>*>(data)->lock()) s->on_gathering();
      }),
      new std::weak_ptr<WebRtcAnswer>(self),
      [](gpointer data, GClosure*) { delete static_cast<std::weak_ptr<WebRtcAnswer>*>(data); },
      GConnectFlags{});
  GstWebRTCSessionDescription* description =
      gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name(webrtcbin, "set-remote-description", description,
                        self->promise_for(&WebRtcAnswer::on_remote_set));
  gst_webrtc_session_description_free(description);
  return self;
}

GstPromise* WebRtcAnswer::promise_for(void (WebRtcAnswer::*step)(GstPromise*)) {
  return gst_promise_new_with_change_func(
      [](GstPromise* promise, gpointer data) {
        auto* s = static_cast<PromiseStep*>(data);
        (s->self.get()->*(s->step))(promise);
      },
      new PromiseStep{shared_from_this(), step},
      [](gpointer data) { delete static_cast<PromiseStep*>(data); });
}

void WebRtcAnswer::on_remote_set(GstPromise* promise) {
  std::string error = promise_error(promise, "set-remote-description");
  gst_promise_unref(promise);
  if (!error.empty()) return fail(std::move(error));
  {
    std::lock_guard lock(mutex_);
    if (!done_) return;  // cancelled
  }
  g_signal_emit_by_name(webrtc_, "create-answer", nullptr, promise_for(&WebRtcAnswer::on_answer));
}

void WebRtcAnswer::on_answer(GstPromise* promise) {
  std::string error = promise_error(promise, "create-answer");
  GstWebRTCSessionDescription* answer = nullptr;
  if (error.empty()) {
    gst_structure_get(gst_promise_get_reply(promise), "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION,
                      &answer, nullptr);
    if (!answer || !answer->sdp) error = "create-answer: no SDP in the answer";
  }
  gst_promise_unref(promise);
  if (!error.empty()) {
    if (answer) gst_webrtc_session_description_free(answer);
    return fail(std::move(error));
  }
  g_signal_emit_by_name(webrtc_, "set-local-description", answer,
                        promise_for(&WebRtcAnswer::on_local_set));
  gst_webrtc_session_description_free(answer);
}

void WebRtcAnswer::on_local_set(GstPromise* promise) {
  std::string error = promise_error(promise, "set-local-description");
  gst_promise_unref(promise);
  if (!error.empty()) return fail(std::move(error));
  {
    std::lock_guard lock(mutex_);
    local_set_ = true;
  }
  finish_if_ready();
}

void WebRtcAnswer::on_gathering() { finish_if_ready(); }

void WebRtcAnswer::finish_if_ready() {
  GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
  Done done;
  {
    std::lock_guard lock(mutex_);
    if (!local_set_ || state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || !done_) return;
    done = std::move(done_);
    done_ = nullptr;
  }
  GstWebRTCSessionDescription* local = nullptr;
  g_object_get(webrtc_, "local-description", &local, nullptr);
  if (!local || !local->sdp) {
    if (local) gst_webrtc_session_description_free(local);
    return done({}, "no local description after ICE gathering");
  }
  gchar* text = gst_sdp_message_as_text(local->sdp);
  std::string sdp = text ? text : "";
  g_free(text);
  gst_webrtc_session_description_free(local);
  done(std::move(sdp), {});
}

void WebRtcAnswer::fail(std::string error) {
  Done done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(done_);
    done_ = nullptr;
  }
  if (done) done({}, std::move(error));
}

void WebRtcAnswer::cancel() {
  {
    std::lock_guard lock(mutex_);
    done_ = nullptr;
  }
  if (gathering_handler_) {
    g_signal_handler_disconnect(webrtc_, gathering_handler_);
    gathering_handler_ = 0;
  }
}

}  // namespace media
