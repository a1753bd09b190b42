#include "media/demo_source.hpp"

#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace media {
namespace {

constexpr GstClockTime kBusPoll = 100 * GST_MSECOND;  // how soon a stop request is noticed
constexpr auto kRetryAfter = std::chrono::seconds(2);

}  // namespace

std::string DemoSource::pipeline_description(const std::string& rtmp_url) {
  // 1280x720 at 30 fps, a keyframe every second and 2.5 Mbit/s: what a phone-sized show sends.
  return "videotestsrc is-live=true pattern=smpte ! video/x-raw,width=1280,height=720,framerate=30/1 ! "
         "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=2500 ! "
         "video/x-h264,profile=constrained-baseline ! h264parse ! queue ! flvmux name=mux streamable=true ! "
         "rtmp2sink location=\"" + rtmp_url + "\" "
         "audiotestsrc is-live=true wave=sine freq=440 volume=0.2 ! audioconvert ! audioresample ! "
         "audio/x-raw,rate=44100,channels=2 ! avenc_aac bitrate=128000 ! aacparse ! queue ! mux.";
}

DemoSource::DemoSource(UrlSource rtmp_url) : rtmp_url_(std::move(rtmp_url)) {
  gst_init(nullptr, nullptr);
  thread_ = std::thread([this] { run(); });
}

DemoSource::~DemoSource() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void DemoSource::run() {
  while (!stopping_) {
    GError* error = nullptr;
    GstElement* pipeline = gst_parse_launch(pipeline_description(rtmp_url_()).c_str(), &error);
    if (!pipeline) {
      spdlog::error("demo stream: cannot build the pipeline: {}", error ? error->message : "unknown error");
      if (error) g_error_free(error);
      return;  // a missing plugin does not heal by retrying
    }
    if (error) g_error_free(error);  // a warning about a recoverable problem
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    bool failed = false;
    while (!stopping_ && !failed) {
      GstMessage* msg = gst_bus_timed_pop_filtered(bus, kBusPoll,
                                                   static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_EOS));
      if (!msg) continue;
      if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
        GError* err = nullptr;
        gst_message_parse_error(msg, &err, nullptr);
        spdlog::warn("demo stream: {}; starting again in {} s", err ? err->message : "error", kRetryAfter.count());
        if (err) g_error_free(err);
      }
      failed = true;  // an error or an end of stream: rebuild the pipeline
      gst_message_unref(msg);
    }
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(bus);
    gst_object_unref(pipeline);
    for (auto waited = std::chrono::milliseconds(0); failed && !stopping_ && waited < kRetryAfter;
         waited += std::chrono::milliseconds(100))
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace media
