#include "media/mic_link_mixer.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/app/gstappsrc.h>
#include <gst/codecparsers/gsth264parser.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <map>
#include <optional>
#include <vector>

#include "media/amf0.hpp"
#include "media/flv.hpp"
#include "media/gst_flv.hpp"
#include "media/gst_util.hpp"

namespace media {
namespace asio = boost::asio;

namespace {

// FLV waiting in an input's appsrc past this: the input skips to its next keyframe.
constexpr std::size_t kMaxInputBytes = 8u << 20;
constexpr const char* kRawAudio = "audio/x-raw,format=S16LE,rate=48000,channels=2,layout=interleaved";
constexpr int kDefaultFps = 30;  // when the host's metadata does not say

// The frame rate a stream's onMetaData announces (OBS and ffmpeg send one), 1…60, or none.
std::optional<int> metadata_fps(const std::optional<Tag>& metadata) {
  if (!metadata || !metadata->body) return std::nullopt;
  auto values = amf0::decode_all(*metadata->body);
  if (!values) return std::nullopt;
  for (const auto& v : *values)
    if (auto fps = v.find_number("framerate"); fps && *fps >= 1 && *fps <= 60)
      return static_cast<int>(*fps + 0.5);
  return std::nullopt;
}

std::span<const std::uint8_t> body_of(const Tag& tag) {
  static const std::vector<std::uint8_t> empty;
  return tag.body ? std::span<const std::uint8_t>(*tag.body) : std::span<const std::uint8_t>(empty);
}

bool is_video_keyframe(const Tag& tag) {
  auto body = body_of(tag);
  return tag.type == flv::TagType::video && flv::is_keyframe(tag.type, body) && !flv::is_sequence_header(tag.type, body);
}

// The picture size an FLV AVC sequence header announces (its first SPS, cropping applied).
std::optional<std::pair<int, int>> h264_size(const Tag& header) {
  auto body = body_of(header);
  if (body.size() <= 5) return std::nullopt;
  GstH264NalParser* parser = gst_h264_nal_parser_new();
  GstH264DecoderConfigRecord* config = nullptr;
  std::optional<std::pair<int, int>> size;
  if (gst_h264_parser_parse_decoder_config_record(parser, body.data() + 5, body.size() - 5, &config) ==
          GST_H264_PARSER_OK &&
      config && config->sps && config->sps->len > 0) {
    GstH264NalUnit* nalu = &g_array_index(config->sps, GstH264NalUnit, 0);
    GstH264SPS sps;
    if (gst_h264_parser_parse_sps(parser, nalu, &sps) == GST_H264_PARSER_OK) {
      int w = sps.frame_cropping_flag ? sps.crop_rect_width : sps.width;
      int h = sps.frame_cropping_flag ? sps.crop_rect_height : sps.height;
      if (w > 0 && h > 0) size = std::make_pair(w, h);
      gst_h264_sps_clear(&sps);
    }
  }
  if (config) gst_h264_decoder_config_record_free(config);
  gst_h264_nal_parser_free(parser);
  return size;
}

std::int64_t running_ms(GstElement* pipeline) {
  GstClock* clock = gst_pipeline_get_clock(GST_PIPELINE(pipeline));
  if (!clock) return 0;
  GstClockTime now = gst_clock_get_time(clock);
  gst_object_unref(clock);
  GstClockTime base = gst_element_get_base_time(pipeline);
  return now > base ? static_cast<std::int64_t>((now - base) / GST_MSECOND) : 0;
}

}  // namespace

// One input of a mix: a StreamSink (the room hub's program tap, or a guest hub's viewer) whose
// tags go into an appsrc of the mix, their timestamps mapped onto the mix's running time so that
// the newest tag is "now". Until it is attached it keeps the headers and the tags since the
// last keyframe. on_tags runs on a hub's strand; attach/detach on the control thread.
class MicLinkMixer::Input : public StreamSink, public std::enable_shared_from_this<Input> {
 public:
  std::function<void(const Tag&)> on_video_header;  // the first AVC sequence header (hub strand)
  std::function<void()> on_stream_end;              // the hub's stream ended (hub strand)

  void on_tag(const Tag& tag) override { on_tags(std::make_shared<const std::vector<Tag>>(1, tag)); }
  void on_tags(const TagRun& tags) override {
    std::function<void(const Tag&)> told;
    std::optional<Tag> header;
    {
      std::lock_guard lock(mutex_);
      if (detached_) return;
      for (const auto& tag : *tags) {
        auto body = body_of(tag);
        if (tag.type == flv::TagType::script) {
          metadata_ = tag;
          continue;
        }
        if (flv::is_sequence_header(tag.type, body)) {
          (tag.type == flv::TagType::video ? video_header_ : audio_header_) = tag;
          if (tag.type == flv::TagType::video && !header_told_) {
            header_told_ = true;
            header = tag;
            told = on_video_header;
          }
        }
        if (!appsrc_) {
          if (is_video_keyframe(tag)) pending_.clear();
          if (!flv::is_sequence_header(tag.type, body) && (!pending_.empty() || is_video_keyframe(tag)))
            pending_.push_back(tag);
        }
      }
      if (appsrc_) feed(*tags);
    }
    if (told && header) told(*header);
  }
  void on_end() override {
    if (on_stream_end) on_stream_end();
  }

  void attach(GstElement* pipeline, GstElement* appsrc) {
    std::lock_guard lock(mutex_);
    if (detached_) return;
    pipeline_ = pipeline;
    appsrc_ = GST_ELEMENT(gst_object_ref(appsrc));
    std::vector<std::uint8_t> head = flv::file_header(true, true);
    push(std::move(head));
    std::vector<Tag> start;
    for (auto* h : {&metadata_, &video_header_, &audio_header_})
      if (*h) start.push_back(**h);
    start.insert(start.end(), pending_.begin(), pending_.end());
    pending_.clear();
    feed(start);
  }
  [[nodiscard]] std::optional<Tag> metadata() const {
    std::lock_guard lock(mutex_);
    return metadata_;
  }

  void detach() {
    std::lock_guard lock(mutex_);
    detached_ = true;
    if (appsrc_) gst_object_unref(appsrc_);
    appsrc_ = nullptr;
    pipeline_ = nullptr;
    pending_.clear();
  }

 private:
  // mutex_ held, appsrc_ set.
  void feed(const std::vector<Tag>& tags) {
    if (tags.empty()) return;
    std::vector<std::uint8_t> out;
    std::vector<std::int64_t> times;
    times.reserve(tags.size());
    if (!anchored_) rebase_.start(tags.front().timestamp);
    for (const auto& tag : tags) times.push_back(rebase_(tag.timestamp));
    if (!anchored_) {
      anchored_ = true;
      offset_ms_ = running_ms(pipeline_) - times.back();  // the newest tag is now
    }
    std::size_t waiting = gst_app_src_get_current_level_bytes(GST_APP_SRC(appsrc_));
    for (std::size_t i = 0; i < tags.size(); ++i) {
      const Tag& tag = tags[i];
      auto body = body_of(tag);
      bool header = tag.type == flv::TagType::script || flv::is_sequence_header(tag.type, body);
      if (skipping_ && !header && !is_video_keyframe(tag)) continue;
      skipping_ = false;
      if (waiting + out.size() > kMaxInputBytes) {
        skipping_ = true;  // the mix fell behind this input: go on from its next keyframe
        continue;
      }
      auto ts = static_cast<std::uint32_t>(std::max<std::int64_t>(0, times[i] + offset_ms_));
      flv::append_tag(tag.type, ts, body, out);
    }
    push(std::move(out));
  }
  void push(std::vector<std::uint8_t>&& bytes) {
    if (!bytes.empty()) gst_app_src_push_buffer(GST_APP_SRC(appsrc_), gst::wrap(std::move(bytes)));
  }

  mutable std::mutex mutex_;
  GstElement* pipeline_ = nullptr;  // the mix's (not a reference of ours: the mix outlives it)
  GstElement* appsrc_ = nullptr;
  bool detached_ = false;
  bool header_told_ = false;
  std::optional<Tag> metadata_, video_header_, audio_header_;
  std::vector<Tag> pending_;
  flv::Rebaser rebase_;
  bool anchored_ = false;
  std::int64_t offset_ms_ = 0;
  bool skipping_ = false;
};

// A room being mixed: its pipeline, the host's input and its guests'. Control thread only, but
// for the appsink callbacks (streaming threads), which only push program tags to the room hub.
class MicLinkMixer::Mix : public std::enable_shared_from_this<Mix> {
 public:
  Mix(MicLinkMixer& owner, std::shared_ptr<StreamHub> room_hub, std::uint64_t program)
      : owner_(owner),
        room_hub_(std::move(room_hub)),
        program_(program),
        host_(std::make_shared<Input>()),
        flv_([hub = room_hub_, program](Tag tag) { hub->push_program(program, std::move(tag)); }, "livecart mix",
             true) {}

  [[nodiscard]] const std::string& room() const { return room_hub_->room(); }
  [[nodiscard]] bool returning() const { return returning_; }

  void start() {
    auto weak = weak_from_this();
    host_->on_video_header = [weak, &control = owner_.control_](const Tag& header) {
      asio::post(control, [weak, header] {
        if (auto m = weak.lock()) m->build(header);
      });
    };
    host_->on_stream_end = [weak, &control = owner_.control_] {
      asio::post(control, [weak] {
        if (auto m = weak.lock()) m->teardown("the host's stream ended");
      });
    };
    room_hub_->set_program(program_, host_);
    owner_.stats_.mixes.fetch_add(1, std::memory_order_relaxed);
    owner_.stats_.started.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("mic-link {}: mixing (program {})", room(), program_);
  }

  void add_guest(int slot, std::shared_ptr<StreamHub> hub) {
    if (torn_down_ || guests_.count(slot)) return;
    Guest& g = guests_[slot];
    g.hub = std::move(hub);
    g.input = std::make_shared<Input>();
    g.sink_id = g.hub->new_sink_id();
    g.hub->add_sink(g.sink_id, g.input);
    owner_.stats_.guests.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("mic-link {}: guest {} joins the mix", room(), slot);
    if (pipeline_) attach_guest(slot);
  }

  void remove_guest(int slot) {
    auto it = guests_.find(slot);
    if (it == guests_.end()) return;
    detach_guest(it->second);
    guests_.erase(it);
    owner_.stats_.guests.fetch_sub(1, std::memory_order_relaxed);
    spdlog::info("mic-link {}: guest {} leaves the mix", room(), slot);
    if (!guests_.empty() || returning_ || torn_down_) return;
    // Host alone: the room hub goes back to the host's own stream at its next keyframe; the mix
    // (host only by now) runs until then.
    returning_ = true;
    room_hub_->clear_program(program_, [weak = weak_from_this(), &control = owner_.control_] {
      asio::post(control, [weak] {
        if (auto m = weak.lock()) m->teardown("the last guest left");
      });
    });
  }

  void teardown(const std::string& why) {
    if (torn_down_) return;
    torn_down_ = true;
    flv_.stop();
    host_->detach();
    for (auto& [slot, g] : guests_) {
      g.input->detach();
      g.hub->remove_sink(g.sink_id);
      owner_.stats_.guests.fetch_sub(1, std::memory_order_relaxed);
    }
    guests_.clear();
    if (!returning_) room_hub_->clear_program(program_);  // at once if the program never went out
    if (comp_) gst_object_unref(comp_);
    if (mixer_) gst_object_unref(mixer_);
    comp_ = mixer_ = nullptr;
    gst::stop_pipeline(pipeline_);
    owner_.stats_.mixes.fetch_sub(1, std::memory_order_relaxed);
    spdlog::info("mic-link {}: mix ended ({})", room(), why);
    owner_.forget(this);
  }

 private:
  struct Guest {
    std::shared_ptr<StreamHub> hub;
    std::shared_ptr<Input> input;
    std::uint64_t sink_id = 0;
    GstElement* bin = nullptr;
    GstPad* video_pad = nullptr;  // the compositor's request pad
    GstPad* audio_pad = nullptr;  // the audiomixer's
  };

  // The host's size is known: the pipeline is built at it (and at the host's frame rate), so the
  // program has the host's format but for its codec.
  void build(const Tag& video_header) {
    if (torn_down_ || pipeline_) return;
    auto size = h264_size(video_header);
    if (!size) return fail("the host's video header cannot be read");
    width_ = size->first & ~1;
    height_ = size->second & ~1;
    const int fps = metadata_fps(host_->metadata()).value_or(kDefaultFps);
    const auto& c = owner_.config_;
    auto latency_ns = std::to_string(std::chrono::nanoseconds(c.latency).count());
    std::string video = "video/x-raw,format=I420,width=" + std::to_string(width_) +
                        ",height=" + std::to_string(height_) + ",framerate=" + std::to_string(fps) + "/1";
    unsigned kbps = std::clamp<unsigned>(static_cast<unsigned>(width_) * height_ / 400, 400, 6000);
    std::string d =
        "appsrc name=host is-live=true format=bytes block=false caps=video/x-flv max-bytes=" +
        std::to_string(2 * kMaxInputBytes) +
        " ! flvdemux name=hd "
        "hd.video ! queue ! h264parse ! avdec_h264 ! videoconvert ! video/x-raw,format=I420 ! "
        "queue name=hostv "
        "hd.audio ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample ! " + std::string(kRawAudio) +
        " ! mix. "
        "videotestsrc is-live=true pattern=black ! " + video + " ! queue name=fillv "
        "audiotestsrc is-live=true wave=silence ! " + std::string(kRawAudio) + " ! mix. "
        "compositor name=comp background=black latency=" + latency_ns + " ! " + video +
        " ! queue ! x264enc tune=zerolatency speed-preset=veryfast bframes=0 key-int-max=" + std::to_string(fps) +
        " bitrate=" + std::to_string(kbps) +
        " ! video/x-h264,profile=constrained-baseline ! h264parse ! "
        "video/x-h264,stream-format=avc,alignment=au ! appsink name=vout sync=false async=false "
        "audiomixer name=mix latency=" + latency_ns + " ! audioconvert ! " + gst::aac_encoder() + " bitrate=" +
        std::to_string(c.audio_bitrate) +
        " ! audio/mpeg,mpegversion=4,stream-format=raw ! appsink name=aout sync=false async=false";
    GError* error = nullptr;
    pipeline_ = gst_parse_launch(d.c_str(), &error);
    if (!pipeline_) {
      std::string why = std::string("cannot build the mix: ") + (error ? error->message : "unknown error");
      if (error) g_error_free(error);
      return fail(why);
    }
    if (error) g_error_free(error);
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_set_sync_handler(bus, &Mix::bus_handler, this, nullptr);
    gst_object_unref(bus);
    comp_ = gst_bin_get_by_name(GST_BIN(pipeline_), "comp");
    mixer_ = gst_bin_get_by_name(GST_BIN(pipeline_), "mix");
    // The black filler under everything keeps the mix ticking at the host's size; the host over it.
    link_to_compositor("fillv", 0, 0, 0);
    link_to_compositor("hostv", 1, 0, 0);
    auto weak = weak_from_this();
    gst::on_samples<Mix>(pipeline_, "vout", weak, [](Mix& m, GstSample* sample) {
      if (m.flv_.video(sample)) m.owner_.stats_.frames.fetch_add(1, std::memory_order_relaxed);
    });
    gst::on_samples<Mix>(pipeline_, "aout", weak, [](Mix& m, GstSample* sample) { m.flv_.audio(sample); });
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      return fail("the mix does not start");
    GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline_), "host");
    host_->attach(pipeline_, src);
    gst_object_unref(src);
    for (auto& [slot, g] : guests_) attach_guest(slot);
    spdlog::info("mic-link {}: mix built at {}x{} {} fps, {} kbit/s", room(), width_, height_, fps, kbps);
  }

  // Links the src pad of element `name` to a new compositor pad at (x, y), stacked at `zorder`.
  void link_to_compositor(const char* name, unsigned zorder, int x, int y) {
    GstElement* e = gst_bin_get_by_name(GST_BIN(pipeline_), name);
    GstPad* src = gst_element_get_static_pad(e, "src");
    GstPad* pad = gst_element_request_pad_simple(comp_, "sink_%u");
    g_object_set(pad, "zorder", zorder, "xpos", x, "ypos", y, nullptr);
    gst_pad_link(src, pad);
    gst_object_unref(pad);  // the compositor keeps it
    gst_object_unref(src);
    gst_object_unref(e);
  }

  // Picture in picture: each guest a quarter of the host's size, stacked up from the bottom right.
  void attach_guest(int slot) {
    Guest& g = guests_.at(slot);
    if (g.bin) return;
    int w = (width_ / 4) & ~1;
    int h = (height_ / 4) & ~1;
    int margin = (width_ / 40) & ~1;
    int x = width_ - w - margin;
    int y = height_ - slot * (h + margin);
    std::string d =
        "appsrc name=src is-live=true format=bytes block=false caps=video/x-flv max-bytes=" +
        std::to_string(2 * kMaxInputBytes) +
        " ! flvdemux name=d "
        "d.video ! queue ! h264parse ! avdec_h264 ! videoconvert ! videoscale ! "
        "video/x-raw,format=I420,pixel-aspect-ratio=1/1,width=" + std::to_string(w) + ",height=" + std::to_string(h) +
        " ! queue name=vq "
        "d.audio ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample ! " + std::string(kRawAudio) +
        " ! queue name=aq";
    GError* error = nullptr;
    GstElement* bin = gst_parse_bin_from_description(d.c_str(), FALSE, &error);
    if (!bin) {
      spdlog::error("mic-link {}: guest {}: {}", room(), slot, error ? error->message : "cannot build its input");
      if (error) g_error_free(error);
      return;
    }
    if (error) g_error_free(error);
    for (auto [queue, ghost] : {std::pair{"vq", "video"}, std::pair{"aq", "audio"}}) {
      GstElement* q = gst_bin_get_by_name(GST_BIN(bin), queue);
      GstPad* src = gst_element_get_static_pad(q, "src");
      gst_element_add_pad(bin, gst_ghost_pad_new(ghost, src));
      gst_object_unref(src);
      gst_object_unref(q);
    }
    gst_bin_add(GST_BIN(pipeline_), bin);
    g.bin = bin;
    g.video_pad = gst_element_request_pad_simple(comp_, "sink_%u");
    g_object_set(g.video_pad, "zorder", static_cast<unsigned>(1 + slot), "xpos", x, "ypos", y, nullptr);
    g.audio_pad = gst_element_request_pad_simple(mixer_, "sink_%u");
    GstPad* vsrc = gst_element_get_static_pad(bin, "video");
    GstPad* asrc = gst_element_get_static_pad(bin, "audio");
    gst_pad_link(vsrc, g.video_pad);
    gst_pad_link(asrc, g.audio_pad);
    gst_object_unref(vsrc);
    gst_object_unref(asrc);
    gst_element_sync_state_with_parent(bin);
    GstElement* src = gst_bin_get_by_name(GST_BIN(bin), "src");
    g.input->attach(pipeline_, src);
    gst_object_unref(src);
  }

  // Stops the guest's branch first (its threads joined, nothing flows), then unlinks it and
  // gives its pads back: the mix goes on without it.
  void detach_guest(Guest& g) {
    g.input->detach();
    g.hub->remove_sink(g.sink_id);
    if (!g.bin) return;
    gst_element_set_state(g.bin, GST_STATE_NULL);
    for (auto [ghost, pad, owner] : {std::tuple{"video", g.video_pad, comp_}, std::tuple{"audio", g.audio_pad, mixer_}}) {
      GstPad* src = gst_element_get_static_pad(g.bin, ghost);
      gst_pad_unlink(src, pad);
      gst_object_unref(src);
      gst_element_release_request_pad(owner, pad);
      gst_object_unref(pad);
    }
    gst_bin_remove(GST_BIN(pipeline_), g.bin);  // drops the bin
    g.bin = nullptr;
  }

  static GstBusSyncReply bus_handler(GstBus*, GstMessage* msg, gpointer data) {
    auto* self = static_cast<Mix*>(data);
    std::string error = gst::log_bus_message(msg, "mic-link", self->room(), "mix");
    if (!error.empty())
      asio::post(self->owner_.control_, [weak = self->weak_from_this(), error] {
        if (auto m = weak.lock()) m->fail("pipeline error: " + error);
      });
    gst_message_unref(msg);
    return GST_BUS_DROP;
  }

  void fail(const std::string& why) {
    owner_.stats_.errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("mic-link {}: {}", room(), why);
    teardown(why);
  }

  MicLinkMixer& owner_;
  const std::shared_ptr<StreamHub> room_hub_;
  const std::uint64_t program_;
  std::shared_ptr<Input> host_;
  SampleToFlv flv_;
  std::map<int, Guest> guests_;
  GstElement* pipeline_ = nullptr;
  GstElement* comp_ = nullptr;
  GstElement* mixer_ = nullptr;
  int width_ = 0, height_ = 0;
  bool returning_ = false;
  bool torn_down_ = false;
};

MicLinkMixer::MicLinkMixer(asio::any_io_executor executor, RoomHub rooms, MixerConfig config)
    : executor_(std::move(executor)),
      rooms_(std::move(rooms)),
      config_(config),
      work_(asio::make_work_guard(control_)) {
  gst_init(nullptr, nullptr);
  thread_ = std::thread([this] { control_.run(); });
}

MicLinkMixer::~MicLinkMixer() { stop(); }

std::string MicLinkMixer::guest_hub_name(const std::string& room, int slot) {
  return room + "~g" + std::to_string(slot);
}

std::shared_ptr<StreamHub> MicLinkMixer::guest_hub(const std::string& room, int slot) {
  if (slot < 1 || slot > config_.max_slots) return nullptr;
  std::string name = guest_hub_name(room, slot);
  std::lock_guard lock(mutex_);
  if (stopped_) return nullptr;
  auto& hub = guest_hubs_[name];
  if (!hub)
    hub = std::make_shared<StreamHub>(executor_, name, OutputsFactory{},
                                      [this, room, slot](const std::string&, bool live) {
                                        asio::post(control_, [this, room, slot, live] { guest_live(room, slot, live); });
                                      });
  return hub;
}

void MicLinkMixer::guest_live(const std::string& room, int slot, bool live) {
  std::shared_ptr<StreamHub> guest;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    auto it = guest_hubs_.find(guest_hub_name(room, slot));
    if (it != guest_hubs_.end()) guest = it->second;
  }
  auto it = mixes_.find(room);
  if (!live) {
    if (it != mixes_.end()) it->second->remove_guest(slot);
    return;
  }
  if (!guest || !guest->live()) return;
  if (it != mixes_.end() && it->second->returning()) {
    // The mix is on its way out: this guest joins the next one, made once it is gone.
    waiting_[room].push_back(slot);
    return;
  }
  if (it == mixes_.end()) {
    auto hub = rooms_ ? rooms_(room) : nullptr;
    if (!hub || !hub->live()) {
      spdlog::warn("mic-link {}: guest {} is live but the host is not: nothing to mix", room, slot);
      return;
    }
    auto mix = std::make_shared<Mix>(*this, std::move(hub), ++next_program_);
    it = mixes_.emplace(room, mix).first;
    mix->start();
  }
  it->second->add_guest(slot, std::move(guest));
}

void MicLinkMixer::forget(const Mix* mix) {
  auto it = mixes_.find(mix->room());
  if (it == mixes_.end() || it->second.get() != mix) return;
  std::string room = it->first;
  mixes_.erase(it);
  auto waiting = waiting_.find(room);
  if (waiting == waiting_.end()) return;
  auto slots = std::move(waiting->second);
  waiting_.erase(waiting);
  for (int slot : slots) guest_live(room, slot, true);
}

void MicLinkMixer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  asio::post(control_, [this] {
    std::vector<std::shared_ptr<Mix>> all;
    for (auto& [room, mix] : mixes_) all.push_back(mix);
    for (auto& mix : all) mix->teardown("the server is stopping");
    waiting_.clear();
  });
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

}  // namespace media
