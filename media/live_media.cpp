#include "media/live_media.hpp"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <ctime>
#include <optional>
#include <system_error>

#include "media/flv.hpp"
#include "media/gst_util.hpp"

namespace media {
namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPartSuffix = ".part";

// UTC start time of a broadcast, e.g. 20261202-031500-123: names its files, sorts by time.
std::string broadcast_name() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  char out[40];
  std::snprintf(out, sizeof out, "%s-%03lld", buf, static_cast<long long>(ms));
  return out;
}

std::string quoted(const fs::path& p) { return "\"" + p.string() + "\""; }

}  // namespace

// One broadcast's pipeline. on_tag/on_end run on the hub's strand; build, end, on_message and
// teardown on the control thread; the snapshot callbacks on GStreamer's streaming threads.
class LiveMedia::Pipeline : public StreamSink, public std::enable_shared_from_this<Pipeline> {
 public:
  Pipeline(LiveMedia& owner, std::string room)
      : owner_(owner), room_(std::move(room)), broadcast_(broadcast_name()) {}

  void on_tag(const Tag& tag) override;
  void on_end() override;
  // Stream over: end-of-stream into the pipeline, torn down when it reaches the sinks.
  void end();
  void teardown(const char* why);

 private:
  void build(bool has_audio);
  void on_message(GstMessage* msg);
  void append(const Tag& tag, std::uint32_t timestamp, std::vector<std::uint8_t>& out);
  void push(std::vector<std::uint8_t>&& bytes);  // mutex_ held
  static GstBusSyncReply bus_handler(GstBus*, GstMessage* msg, gpointer self);
  static GstPadProbeReturn timestamp_probe(GstPad*, GstPadProbeInfo* info, gpointer);
  static GstPadProbeReturn keyframe_probe(GstPad*, GstPadProbeInfo* info, gpointer self);
  struct FirstCaps {
    GstCaps* caps = nullptr;
    ~FirstCaps() {
      if (caps) gst_caps_unref(caps);
    }
  };
  static GstPadProbeReturn first_caps_probe(GstPad*, GstPadProbeInfo* info, gpointer first);
  static GstFlowReturn on_snapshot(GstAppSink* sink, gpointer self);

  LiveMedia& owner_;
  const std::string room_;
  const std::string broadcast_;
  // Only while finishing, so that no timer outlives the control thread's io_context.
  std::optional<asio::steady_timer> eos_timer_;

  std::mutex mutex_;  // between the hub's strand and the control thread
  GstElement* appsrc_ = nullptr;
  std::vector<std::uint8_t> pending_;  // FLV waiting for the pipeline to be built
  bool ended_ = false;

  // The hub's strand only.
  std::optional<Tag> metadata_, video_header_, audio_header_;
  bool started_ = false;  // the first keyframe went in
  bool has_audio_ = false;
  bool skipping_ = false;  // fell behind: waiting for a keyframe
  flv::Rebaser rebase_;

  // The control thread only.
  GstElement* pipeline_ = nullptr;
  bool torn_down_ = false;

  // The snapshot branch's streaming thread only.
  GstClockTime last_snapshot_ = GST_CLOCK_TIME_NONE;
};

void LiveMedia::Pipeline::append(const Tag& tag, std::uint32_t timestamp, std::vector<std::uint8_t>& out) {
  static const std::vector<std::uint8_t> empty;
  flv::append_tag(tag.type, timestamp, tag.body ? *tag.body : empty, out);
}

void LiveMedia::Pipeline::on_tag(const Tag& tag) {
  static const std::vector<std::uint8_t> empty;
  std::span<const std::uint8_t> body = tag.body ? *tag.body : empty;
  std::vector<std::uint8_t> out;
  if (!started_) {
    // Until the first keyframe: keep what a decoder needs, then start the file with it.
    if (tag.type == flv::TagType::script) metadata_ = tag;
    if (flv::is_sequence_header(tag.type, body)) (tag.type == flv::TagType::video ? video_header_ : audio_header_) = tag;
    if (tag.type != flv::TagType::video || !flv::is_keyframe(tag.type, body) || flv::is_sequence_header(tag.type, body))
      return;
    started_ = true;
    has_audio_ = audio_header_.has_value();
    rebase_.start(tag.timestamp);
    out = flv::file_header(has_audio_, true);
    for (const auto* header : {&metadata_, &video_header_, &audio_header_})
      if (*header) append(**header, 0, out);
    append(tag, rebase_(tag.timestamp), out);
    metadata_.reset();
    {
      std::lock_guard lock(mutex_);
      if (ended_) return;
      pending_ = std::move(out);
    }
    asio::post(owner_.control_, [self = shared_from_this(), audio = has_audio_] { self->build(audio); });
    return;
  }
  // A stream that started without audio has no audio branch: flvdemux must not see any.
  if (tag.type == flv::TagType::audio && !has_audio_) return;
  // Metadata went in first; GStreamer's flvmux repeats it every few tags, and flvdemux, fed
  // those mid-stream, now and then hands the muxers a buffer without a timestamp.
  if (tag.type == flv::TagType::script) return;
  bool keyframe = tag.type == flv::TagType::video && flv::is_keyframe(tag.type, body);
  if (skipping_ && !keyframe) {
    owner_.stats_.skipped_bytes.fetch_add(body.size(), std::memory_order_relaxed);
    return;
  }
  skipping_ = false;
  append(tag, rebase_(tag.timestamp), out);
  std::lock_guard lock(mutex_);
  if (ended_) return;
  std::size_t waiting = appsrc_ ? gst_app_src_get_current_level_bytes(GST_APP_SRC(appsrc_)) : pending_.size();
  if (waiting + out.size() > owner_.config_.max_buffered_bytes) {
    // The pipeline cannot keep up (a slow disk): drop this GOP rather than grow without bound.
    skipping_ = true;
    owner_.stats_.skipped_bytes.fetch_add(body.size(), std::memory_order_relaxed);
    return;
  }
  if (!appsrc_) {
    pending_.insert(pending_.end(), out.begin(), out.end());
    return;
  }
  push(std::move(out));
}

void LiveMedia::Pipeline::push(std::vector<std::uint8_t>&& bytes) {
  if (bytes.empty()) return;
  auto* holder = new std::vector<std::uint8_t>(std::move(bytes));
  GstBuffer* buffer = gst_buffer_new_wrapped_full(
      GST_MEMORY_FLAG_READONLY, holder->data(), holder->size(), 0, holder->size(), holder,
      [](gpointer p) { delete static_cast<std::vector<std::uint8_t>*>(p); });
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer);  // takes the buffer
}

void LiveMedia::Pipeline::on_end() {
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
  }
  asio::post(owner_.control_, [self = shared_from_this()] { self->end(); });
}

void LiveMedia::Pipeline::end() {
  if (torn_down_) return;
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    if (appsrc_) gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
  }
  if (!pipeline_) return teardown("ended before its first keyframe");
  eos_timer_.emplace(owner_.control_, owner_.config_.eos_timeout);
  eos_timer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->teardown("end of stream timed out: the last files may be incomplete");
  });
}

void LiveMedia::Pipeline::build(bool has_audio) {
  if (torn_down_) return;
  const auto& config = owner_.config_;
  std::error_code ec;
  if (!config.hls_root.empty()) {
    // Segments of earlier broadcasts go: a player must not mix two broadcasts' segments.
    auto dir = owner_.hls_dir(room_);
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
  }
  if (!config.recordings_root.empty()) fs::create_directories(owner_.recordings_dir(room_), ec);

  std::string description = owner_.pipeline_description(room_, broadcast_, has_audio);
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(description.c_str(), &error);
  if (!pipeline_) {
    spdlog::error("live media {}: cannot build the pipeline: {}", room_, error ? error->message : "unknown error");
    if (error) g_error_free(error);
    owner_.stats_.errors.fetch_add(1, std::memory_order_relaxed);
    return teardown("failed to build");
  }
  if (error) g_error_free(error);  // a recoverable warning
  owner_.stats_.started.fetch_add(1, std::memory_order_relaxed);

  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, &Pipeline::bus_handler, this, nullptr);
  gst_object_unref(bus);

  if (GstElement* snap = gst_bin_get_by_name(GST_BIN(pipeline_), "snap")) {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = &Pipeline::on_snapshot;
    gst_app_sink_set_callbacks(GST_APP_SINK(snap), &callbacks, this, nullptr);
    gst_object_unref(snap);
  }
  if (GstElement* queue = gst_bin_get_by_name(GST_BIN(pipeline_), "snapq")) {
    GstPad* pad = gst_element_get_static_pad(queue, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Pipeline::keyframe_probe, this, nullptr);
    gst_object_unref(pad);
    gst_object_unref(queue);
  }

  if (GstElement* parse = gst_bin_get_by_name(GST_BIN(pipeline_), "recparse")) {
    GstPad* pad = gst_element_get_static_pad(parse, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &Pipeline::first_caps_probe, new FirstCaps,
                      [](gpointer data) { delete static_cast<FirstCaps*>(data); });
    gst_object_unref(pad);
    gst_object_unref(parse);
  }

  // Muxers refuse a buffer without a presentation time, which flvdemux now and then hands out
  // (seen with GStreamer's own flvmux as the publisher): give it its decoding time, or drop it.
  for (const char* name : {"hls", "rec"}) {
    if (GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), name)) {
      gst_element_foreach_sink_pad(
          sink,
          [](GstElement*, GstPad* pad, gpointer) -> gboolean {
            gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &Pipeline::timestamp_probe, nullptr, nullptr);
            return TRUE;
          },
          nullptr);
      gst_object_unref(sink);
    }
  }

  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    if (src) gst_object_unref(src);
    owner_.stats_.errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("live media {}: the pipeline does not start", room_);
    return teardown("failed to start");
  }
  spdlog::info("live media {}: broadcast {} started (hls: {}, recording: {}, snapshots: {}, audio: {})", room_,
               broadcast_, !config.hls_root.empty(), !config.recordings_root.empty(), config.snapshots, has_audio);
  bool ended;
  {
    std::lock_guard lock(mutex_);
    appsrc_ = src;
    push(std::move(pending_));
    pending_.clear();
    ended = ended_;
  }
  if (ended) end();  // the stream stopped while the pipeline was being built
}

GstBusSyncReply LiveMedia::Pipeline::bus_handler(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<Pipeline*>(data);
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS:
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING:
    case GST_MESSAGE_ELEMENT:
      // Handled on the control thread: a streaming thread must not stop its own pipeline.
      asio::post(self->owner_.control_, [weak = self->weak_from_this(), msg = gst_message_ref(msg)] {
        if (auto p = weak.lock()) p->on_message(msg);
        gst_message_unref(msg);
      });
      break;
    default:
      break;
  }
  gst_message_unref(msg);  // a sync handler that drops a message owns it
  return GST_BUS_DROP;
}

void LiveMedia::Pipeline::on_message(GstMessage* msg) {
  if (torn_down_) return;
  switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_EOS:
      return teardown("stream ended");
    case GST_MESSAGE_ERROR:
    case GST_MESSAGE_WARNING: {
      GError* err = nullptr;
      gchar* debug = nullptr;
      bool error = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
      if (error)
        gst_message_parse_error(msg, &err, &debug);
      else
        gst_message_parse_warning(msg, &err, &debug);
      spdlog::log(error ? spdlog::level::err : spdlog::level::warn, "live media {}: {} from {} ({})", room_,
                  err ? err->message : "?", GST_OBJECT_NAME(GST_MESSAGE_SRC(msg)), debug ? debug : "");
      if (err) g_error_free(err);
      g_free(debug);
      if (error) {
        owner_.stats_.errors.fetch_add(1, std::memory_order_relaxed);
        teardown("error");
      }
      return;
    }
    case GST_MESSAGE_ELEMENT: {
      // A recording file is finished (the muxer wrote its index): "x.mp4.part" becomes "x.mp4".
      const GstStructure* s = gst_message_get_structure(msg);
      if (!s || !gst_structure_has_name(s, "splitmuxsink-fragment-closed")) return;
      const gchar* location = gst_structure_get_string(s, "location");
      if (!location) return;
      std::string part = location;
      if (!part.ends_with(".mp4.part")) return;  // hlssink2's own segments
      std::error_code ec;
      fs::rename(part, part.substr(0, part.size() - kPartSuffix.size()), ec);
      if (ec) {
        spdlog::error("live media {}: cannot finish recording {}: {}", room_, part, ec.message());
        return;
      }
      owner_.stats_.recordings.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("live media {}: recording {} finished", room_, part.substr(0, part.size() - kPartSuffix.size()));
      return;
    }
    default:
      return;
  }
}

void LiveMedia::Pipeline::teardown(const char* why) {
  if (torn_down_) return;
  torn_down_ = true;
  eos_timer_.reset();  // cancels the wait
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    if (appsrc_) gst_object_unref(appsrc_);
    appsrc_ = nullptr;
    pending_.clear();
  }
  if (pipeline_) {
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
    gst_element_set_state(pipeline_, GST_STATE_NULL);  // joins the streaming threads
    gst_bus_set_flushing(bus, TRUE);  // drops anything queued once the handler was gone
    gst_object_unref(bus);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
    spdlog::info("live media {}: broadcast {} stopped ({})", room_, broadcast_, why);
  }
  owner_.forget(this);
}

GstPadProbeReturn LiveMedia::Pipeline::timestamp_probe(GstPad*, GstPadProbeInfo* info, gpointer) {
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer || GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
  if (!GST_BUFFER_DTS_IS_VALID(buffer)) return GST_PAD_PROBE_DROP;
  buffer = gst_buffer_make_writable(buffer);
  GST_BUFFER_PTS(buffer) = GST_BUFFER_DTS(buffer);
  GST_PAD_PROBE_INFO_DATA(info) = buffer;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn LiveMedia::Pipeline::first_caps_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  // The muxer sees the first caps throughout; the parameter sets of later ones travel in-band (avc3).
  auto& first = static_cast<FirstCaps*>(data)->caps;
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  if (!first) {
    first = gst_caps_ref(caps);
  } else if (!gst_caps_is_equal(caps, first)) {
    GST_PAD_PROBE_INFO_DATA(info) = gst_event_new_caps(first);
    gst_event_unref(event);
  }
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn LiveMedia::Pipeline::keyframe_probe(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<Pipeline*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer || GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) return GST_PAD_PROBE_DROP;
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  auto every = static_cast<GstClockTime>(std::chrono::nanoseconds(self->owner_.config_.snapshot_every).count());
  if (GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(self->last_snapshot_) &&
      pts < self->last_snapshot_ + every && pts >= self->last_snapshot_)
    return GST_PAD_PROBE_DROP;
  self->last_snapshot_ = pts;
  return GST_PAD_PROBE_OK;
}

GstFlowReturn LiveMedia::Pipeline::on_snapshot(GstAppSink* sink, gpointer data) {
  auto* self = static_cast<Pipeline*>(data);
  GstSample* sample = gst_app_sink_pull_sample(sink);
  if (!sample) return GST_FLOW_OK;
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  GstMapInfo map;
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    auto jpeg = std::make_shared<const std::string>(reinterpret_cast<const char*>(map.data), map.size);
    gst_buffer_unmap(buffer, &map);
    self->owner_.store_snapshot(self->room_, std::move(jpeg));
  }
  gst_sample_unref(sample);
  return GST_FLOW_OK;
}

LiveMedia::LiveMedia(LiveMediaConfig config)
    : config_(std::move(config)), work_(asio::make_work_guard(control_)) {
  gst_init(nullptr, nullptr);
  thread_ = std::thread([this] { control_.run(); });
}

LiveMedia::~LiveMedia() { stop(); }

std::string LiveMedia::pipeline_description(const std::string& room, const std::string& broadcast,
                                            bool has_audio) const {
  const auto& c = config_;
  bool hls = !c.hls_root.empty();
  bool rec = !c.recordings_root.empty();
  std::string d = "appsrc name=src is-live=true format=bytes block=false caps=video/x-flv max-bytes=" +
                  std::to_string(c.max_buffered_bytes * 2) + " ! flvdemux name=demux ";
  d += "demux.video ! queue ! tee name=vt ";
  // SPS and PPS before every keyframe: a player may join the live playlist at any segment.
  if (hls) d += "vt. ! queue ! h264parse config-interval=-1 ! hls.video ";
  // The recording is avc3, SPS and PPS in every keyframe, and keeps its first caps: a mic-link
  // mix (another encoder) changes the parameter sets mid-file, and mp4mux would start a second
  // sample description one frame late (the frame it holds back goes under the new one).
  if (rec)
    d += "vt. ! queue ! h264parse name=recparse config-interval=-1 ! "
         "video/x-h264,stream-format=avc3,alignment=au ! rec.video ";
  if (c.snapshots)
    d += "vt. ! queue name=snapq max-size-buffers=2 leaky=downstream ! h264parse ! avdec_h264 max-threads=1 ! "
         "videoconvert ! videoscale ! video/x-raw,width=" + std::to_string(c.snapshot_width) +
         ",pixel-aspect-ratio=1/1 ! jpegenc quality=80 ! appsink name=snap sync=false max-buffers=1 drop=true ";
  if (has_audio) {
    d += "demux.audio ! queue ! tee name=at ";
    if (hls) d += "at. ! queue ! aacparse ! hls.audio ";
    // The recording's audio is encoded again at one fixed format: mp4mux refuses a new audio
    // format mid-file (a mic-link mix's AAC after the host's), while a new video format makes
    // splitmuxsink start the next file.
    if (rec)
      d += std::string("at. ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample ! "
                       "audio/x-raw,rate=48000,channels=2 ! ") +
           gst::aac_encoder() + " bitrate=128000 ! rec.audio_%u ";
    if (!hls && !rec) d += "at. ! fakesink ";
  }
  if (hls)
    d += "hlssink2 name=hls send-keyframe-requests=false location=" + quoted(hls_dir(room) / (broadcast + "-%05d.ts")) +
         " playlist-location=" + quoted(hls_dir(room) / "index.m3u8") +
         " target-duration=" + std::to_string(c.hls_segment_seconds) +
         " playlist-length=" + std::to_string(c.hls_playlist_length) + " max-files=" + std::to_string(c.hls_max_files) +
         " ";
  if (rec)
    d += "splitmuxsink name=rec muxer-factory=mp4mux location=" +
         quoted(recordings_dir(room) / (broadcast + "-%03d.mp4.part")) + " max-size-time=" +
         std::to_string(std::chrono::nanoseconds(c.recording_split).count()) + " ";
  return d;
}

std::shared_ptr<StreamSink> LiveMedia::start(const std::string& room) {
  if (config_.hls_root.empty() && config_.recordings_root.empty() && !config_.snapshots) return nullptr;
  std::lock_guard lock(mutex_);
  if (stopped_) return nullptr;
  auto pipeline = std::make_shared<Pipeline>(*this, room);
  pipelines_.push_back(pipeline);
  stats_.running.fetch_add(1, std::memory_order_relaxed);
  return pipeline;
}

std::shared_ptr<const std::string> LiveMedia::snapshot(const std::string& room) const {
  std::lock_guard lock(mutex_);
  auto it = snapshots_.find(room);
  return it == snapshots_.end() ? nullptr : it->second;
}

void LiveMedia::store_snapshot(const std::string& room, std::shared_ptr<const std::string> jpeg) {
  stats_.snapshots.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  snapshots_[room] = std::move(jpeg);
}

void LiveMedia::forget(const Pipeline* pipeline) {
  std::lock_guard lock(mutex_);
  auto before = pipelines_.size();
  std::erase_if(pipelines_, [&](const auto& p) { return p.get() == pipeline; });
  if (pipelines_.size() != before) stats_.running.fetch_sub(1, std::memory_order_relaxed);
}

void LiveMedia::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  asio::post(control_, [this] {
    std::vector<std::shared_ptr<Pipeline>> all;
    {
      std::lock_guard lock(mutex_);
      all = pipelines_;
    }
    for (auto& p : all) p->end();
  });
  work_.reset();  // run() returns once every pipeline is torn down
  if (thread_.joinable()) thread_.join();
}

}  // namespace media
