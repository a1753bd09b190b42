#pragma once
// Small GStreamer helpers the media pipelines share (WHEP viewers, WHIP publishers, the mic-link
// mixer). Internal to media/: includes GStreamer.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace media::gst {

// Connects `callback` to `signal` with a weak_ptr to `T` as its user data (freed with the handler),
// so that a signal arriving after the object is gone does nothing. Read it with lock_weak<T>.
template <class T>
gulong connect_weak(gpointer instance, const char* signal, GCallback callback, std::weak_ptr<T> weak) {
  return g_signal_connect_data(
      instance, signal, callback, new std::weak_ptr<T>(std::move(weak)),
      [](gpointer data, GClosure*) { delete static_cast<std::weak_ptr<T>*>(data); }, GConnectFlags{});
}

template <class T>
std::shared_ptr<T> lock_weak(gpointer data) {
  return static_cast<std::weak_ptr<T>*>(data)->lock();
}

inline std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Hands each sample of the appsink named `name` in `pipeline` to `on_sample` (on the appsink's
// streaming thread) while `owner` lives; the sample is released after. False when the pipeline
// has no such element.
template <class T>
bool on_samples(GstElement* pipeline, const char* name, std::weak_ptr<T> owner, void (*on_sample)(T&, GstSample*)) {
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
  if (!sink) return false;
  struct Target {
    std::weak_ptr<T> owner;
    void (*on_sample)(T&, GstSample*);
  };
  GstAppSinkCallbacks callbacks{};
  callbacks.new_sample = [](GstAppSink* appsink, gpointer data) {
    GstSample* sample = gst_app_sink_pull_sample(appsink);
    if (!sample) return GST_FLOW_EOS;
    auto* target = static_cast<Target*>(data);
    if (auto o = target->owner.lock()) target->on_sample(*o, sample);
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  };
  gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, new Target{std::move(owner), on_sample},
                             [](gpointer data) { delete static_cast<Target*>(data); });
  gst_object_unref(sink);
  return true;
}

// Logs an ERROR or WARNING bus message as "`kind` `room` `id`: text from element (debug)". Returns
// the text of an ERROR ("text from element"), empty for anything else.
std::string log_bus_message(GstMessage* msg, std::string_view kind, std::string_view room, std::string_view id);

// Stops `pipeline` and drops it: the bus's sync handler is removed, the state set to NULL (which
// joins the streaming threads: never call this on one of them), the bus flushed. Null is ignored.
void stop_pipeline(GstElement*& pipeline);

// Wraps `bytes` in a read-only GstBuffer that frees them when GStreamer is done with them.
GstBuffer* wrap(std::vector<std::uint8_t>&& bytes);

// The AAC encoder element to use: Fraunhofer's (fdkaacenc) where the system has it, else
// VisualOn's (voaacenc, Debian's default), else FFmpeg's (avenc_aac).
const char* aac_encoder();

// 128 random bits as hex: a WebRTC session's id is all a DELETE needs, so it must not be guessable.
std::string random_session_id();

}  // namespace media::gst
