#include "media/whep_session.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/app/gstappsrc.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "media/flv.hpp"
#include "media/gst_util.hpp"

namespace media {
namespace asio = boost::asio;
using gst::steady_now_ns;

namespace {

// A connected viewer that sends no RTCP for this long has gone (closed tab, lost network).
// Browsers send transport-cc feedback several times a second, but a plain RTP stack sends its
// receiver reports every 5 s, randomised to 7.5 s (RFC 3550; GStreamer's default): well past that.
constexpr std::chrono::seconds kViewerSilence{10};

// FLV sound format 10: AAC.
bool is_aac(const Tag& tag) {
  return tag.body && !tag.body->empty() && ((*tag.body)[0] >> 4) == 10;
}

std::span<const std::uint8_t> body_of(const Tag& tag) {
  static const std::vector<std::uint8_t> empty;
  return tag.body ? std::span<const std::uint8_t>(*tag.body) : std::span<const std::uint8_t>(empty);
}

// The first section of `kind` that is in use and may receive from us.
const sdp::MediaSection* receiving_section(const sdp::Offer& offer, std::string_view kind) {
  for (const auto& m : offer.media)
    if (m.kind == kind && !m.rejected && (m.direction == "recvonly" || m.direction == "sendrecv"))
      return &m;
  return nullptr;
}

}  // namespace

WhepSession::WhepSession(WhepSessions& owner, std::string id, std::uint64_t sink_id,
                         std::shared_ptr<StreamHub> hub, sdp::Offer offer, std::string offer_text,
                         WhepSessions::Answered done)
    : owner_(owner),
      id_(std::move(id)),
      sink_id_(sink_id),
      hub_(std::move(hub)),
      offer_(std::move(offer)),
      offer_text_(std::move(offer_text)),
      done_(std::move(done)) {}

void WhepSession::start() {
  asio::post(owner_.control_, [self = shared_from_this()] {
    if (self->torn_down_) return;
    self->deadline_.emplace(self->owner_.control_, self->owner_.config_.answer_timeout);
    self->deadline_->async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      if (auto s = weak.lock(); s && !ec)
        s->teardown("no answer in time (webrtcbin or ICE gathering)");
    });
  });
  hub_->add_sink(sink_id_, weak_from_this());
}

void WhepSession::close(std::string why, WhepError unanswered) {
  asio::post(owner_.control_, [self = shared_from_this(), why = std::move(why), unanswered] {
    self->teardown(why, unanswered);
  });
}

void WhepSession::answer(WhepAnswer a) {
  WhepSessions::Answered done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(done_);
    done_ = nullptr;
  }
  if (!done) return;
  if (a.error == WhepError::none)
    owner_.stats_.answered.fetch_add(1, std::memory_order_relaxed);
  else
    owner_.stats_.failed.fetch_add(1, std::memory_order_relaxed);
  done(std::move(a));
}

// The hub's start tags hold the latest GOP; it is not sent. WebRTC plays what arrives as soon as
// it can decode it, so a GOP sent in one burst would put the viewer a GOP behind for good (the
// browser paces the burst out at its timestamps). The viewer starts at the first keyframe after
// it is connected, with the cached sequence headers: the first picture comes within a GOP of
// connecting, and the delay stays that of the relay.
void WhepSession::on_tags(const TagRun& tags) {
  for (const auto& tag : *tags) {
    if (planned_) {
      take(tag);
      continue;
    }
    auto body = body_of(tag);
    if (tag.type == flv::TagType::script) metadata_ = tag;
    if (flv::is_sequence_header(tag.type, body))
      (tag.type == flv::TagType::video ? video_header_ : audio_header_) = tag;
  }
  if (!planned_ && video_header_) plan_answer();
}

void WhepSession::on_tag(const Tag& tag) {
  on_tags(std::make_shared<const std::vector<Tag>>(1, tag));
}

void WhepSession::on_end() { close("the stream ended", WhepError::offline); }

void WhepSession::plan_answer() {
  planned_ = true;
  auto format = sdp::h264_format_of_flv(body_of(*video_header_));
  if (!format) return close("the stream's video is not H.264", WhepError::no_common_codec);
  Plan plan;
  plan.profile_level_id = format->profile_level_id();
  const sdp::MediaSection* video = receiving_section(offer_, "video");
  const sdp::Codec* h264 =
      video ? sdp::choose_h264(*video, sdp::h264_profile(format->profile_idc, format->profile_iop))
            : nullptr;
  if (!h264 && video && (h264 = sdp::any_h264(*video))) {
    // Not offered in the stream's profile (Chromium offers no High profile, what OBS sends by
    // default): its decoder takes any profile, so the stream goes out under a payload type it
    // offered, with that payload type's own profile-level-id (an answer naming another profile
    // for it could be refused).
    std::string offered = sdp::fmtp_value(h264->fmtp, "profile-level-id");
    spdlog::warn(
        "whep {} {}: the stream is H.264 {} and the offer has not that profile; sent as {}", room(),
        id_, plan.profile_level_id, offered);
    plan.profile_level_id = offered.empty() ? "42000a" : offered;
  }
  if (!h264)
    return close("the offer has no H.264 with packetization-mode=1", WhepError::no_common_codec);
  plan.video_pt = h264->payload_type;
  plan.stream_has_audio = audio_header_ && is_aac(*audio_header_);
  // An offer that receives audio gets it even from a stream without any (silence): answered
  // inactive, the audio section left Chromium receiving no video either on the bundled transport.
  if (const sdp::MediaSection* audio = receiving_section(offer_, "audio"))
    if (const sdp::Codec* opus = sdp::choose_opus(*audio)) plan.audio_pt = opus->payload_type;
  const bool aac = plan.audio_pt >= 0 && plan.stream_has_audio;

  // The decoder's configuration first, at time 0; frames follow from the first keyframe.
  std::vector<std::uint8_t> prefix = flv::file_header(aac, true);
  for (const auto* header :
       {&metadata_, &video_header_, aac ? &audio_header_ : nullptr})
    if (header && *header) flv::append_tag((*header)->type, 0, body_of(**header), prefix);
  metadata_.reset();
  {
    std::lock_guard lock(mutex_);
    if (ended_) return;
    pending_ = std::move(prefix);
    plan_ = plan;
  }
  asio::post(owner_.control_, [self = shared_from_this(), plan] { self->build(plan); });
}

void WhepSession::take(const Tag& tag) {
  if (tag.type == flv::TagType::script) return;
  if (tag.type == flv::TagType::audio && (plan_.audio_pt < 0 || !plan_.stream_has_audio)) return;
  auto body = body_of(tag);
  bool header = flv::is_sequence_header(tag.type, body);
  bool keyframe = tag.type == flv::TagType::video && !header && flv::is_keyframe(tag.type, body);
  if (!started_) {
    // Nothing is sent before the viewer is connected: it would be lost, and a lost keyframe
    // leaves the browser waiting for the next one.
    if (!keyframe || !flowing_.load(std::memory_order_acquire)) return;
    started_ = true;
    rebase_.start(tag.timestamp);
  }
  if (skipping_ && !keyframe && !header) return;
  skipping_ = false;
  std::vector<std::uint8_t> out;
  flv::append_tag(tag.type, rebase_(tag.timestamp), body, out);
  std::lock_guard lock(mutex_);
  if (ended_) return;
  std::size_t waiting =
      appsrc_ ? gst_app_src_get_current_level_bytes(GST_APP_SRC(appsrc_)) : pending_.size();
  if (waiting + out.size() > kMaxBufferedBytes) {
    skipping_ = true;  // the pipeline fell behind: resume at the next keyframe
    return;
  }
  if (!appsrc_) {
    pending_.insert(pending_.end(), out.begin(), out.end());
    return;
  }
  push(std::move(out));
}

void WhepSession::push(std::vector<std::uint8_t>&& bytes) {
  if (bytes.empty()) return;
  GstBuffer* buffer = gst::wrap(std::move(bytes));
  gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer);  // takes the buffer
}

std::string WhepSession::pipeline_description(const Plan& plan) const {
  const auto& c = owner_.config_;
  std::string vpt = std::to_string(plan.video_pt);
  std::string d =
      "webrtcbin name=webrtc appsrc name=src is-live=true format=bytes block=false "
      "caps=video/x-flv "
      "max-bytes=" +
      std::to_string(2 * kMaxBufferedBytes) +
      " ! flvdemux name=demux "
      "demux.video ! queue ! h264parse ! rtph264pay config-interval=-1 aggregate-mode=zero-latency "
      "mtu=1200 pt=" +
      vpt +
      " ! capsfilter name=vout caps=application/x-rtp,media=video,"
      "encoding-name=H264,clock-rate=90000,payload=" +
      vpt + " ";
  if (plan.audio_pt >= 0) {
    std::string apt = std::to_string(plan.audio_pt);
    d += std::string(plan.stream_has_audio ? "demux.audio ! queue ! aacparse ! avdec_aac ! audioconvert ! audioresample ! "
                                             : "audiotestsrc is-live=true wave=silence ! ") +
         "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=" +
         std::to_string(c.opus_bitrate) + " ! rtpopuspay pt=" + apt +
         " ! capsfilter name=aout caps=application/x-rtp,media=audio,"
         "encoding-name=OPUS,clock-rate=48000,payload=" +
         apt + " ";
  }
  return d;
}

void WhepSession::build(Plan plan) {
  if (torn_down_) return;
  std::string description = pipeline_description(plan);
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(description.c_str(), &error);
  if (!pipeline_) {
    std::string why =
        std::string("cannot build the pipeline: ") + (error ? error->message : "unknown error");
    if (error) g_error_free(error);
    return teardown(why);
  }
  if (error) g_error_free(error);  // a recoverable warning
  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, &WhepSession::bus_handler, this, nullptr);
  gst_object_unref(bus);

  webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "webrtc");
  // With the default policy (none) webrtcbin ignores the offer's BUNDLE group and answers one
  // transport per section: two ports and two DTLS handshakes per viewer. max-compat bundles
  // what the offer bundles (max-bundle, as answerer, makes create-answer fail in 1.22).
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_COMPAT, nullptr);
  configure_ice(webrtc_, owner_.config_);
  if (!link_to_webrtc("vout", plan.video_pt, true) ||
      (plan.audio_pt >= 0 && !link_to_webrtc("aout", plan.audio_pt, false)))
    return teardown("cannot link the payloaders to webrtcbin");
  auto weak = weak_from_this();
  auto on_state = G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
    if (auto s = gst::lock_weak<WhepSession>(data)) s->on_connection_state(webrtc);
  });
  gst::connect_weak(webrtc_, "notify::connection-state", on_state, weak);
  gst::connect_weak(webrtc_, "notify::ice-connection-state", on_state, weak);
  // The viewer left without a DELETE: its RTCP says goodbye, or stops (a closed tab, a lost
  // network).
  if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc_), "rtpbin")) {
    auto on_gone = G_CALLBACK(+[](GstElement*, guint, guint, gpointer data) {
      if (auto s = gst::lock_weak<WhepSession>(data)) s->close("the viewer left (RTCP BYE or timeout)");
    });
    gst::connect_weak(rtpbin, "on-bye-ssrc", on_gone, weak);
    gst::connect_weak(rtpbin, "on-timeout", on_gone, weak);
    // Every RTCP packet from the viewer (transport-cc feedback comes several times a second):
    // its silence is how a closed tab shows, sooner than the RTP source's own timeout (~30 s).
    gst::connect_weak(rtpbin, "on-ssrc-active",
                 G_CALLBACK(+[](GstElement*, guint, guint, gpointer data) {
                   if (auto s = gst::lock_weak<WhepSession>(data))
                     s->last_rtcp_ns_.store(steady_now_ns(), std::memory_order_relaxed);
                 }),
                 weak);
    gst_object_unref(rtpbin);
  }
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return teardown("the pipeline does not start");
  answerer_ = WebRtcAnswer::start(webrtc_, offer_text_, [weak](std::string sdp, std::string error) {
    if (auto s = weak.lock()) s->on_answer(std::move(sdp), std::move(error));
  });
  GstElement* src = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
  bool ended;
  {
    std::lock_guard lock(mutex_);
    appsrc_ = src;
    push(std::move(pending_));
    pending_.clear();
    ended = ended_;
  }
  if (ended) teardown("the stream ended", WhepError::offline);
}

bool WhepSession::link_to_webrtc(const char* branch, int payload_type, bool video) {
  GstElement* out = gst_bin_get_by_name(GST_BIN(pipeline_), branch);
  if (!out) return false;
  // The caps name the offer's payload type: webrtcbin answers with the intersection of these
  // and the offer's, so the answer's payload type is the one the payloader writes.
  GstCaps* caps = gst_caps_from_string(
      video ? ("application/"
               "x-rtp,media=video,encoding-name=H264,clock-rate=90000,packetization-mode=(string)1,"
               "payload=" +
               std::to_string(payload_type))
                  .c_str()
            : ("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=" +
               std::to_string(payload_type))
                  .c_str());
  GstPadTemplate* templ = gst_element_get_pad_template(webrtc_, "sink_%u");
  GstPad* sink = gst_element_request_pad(webrtc_, templ, nullptr, caps);
  GstPad* src = gst_element_get_static_pad(out, "src");
  bool linked = sink && src && gst_pad_link(src, sink) == GST_PAD_LINK_OK;
  if (sink) {
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_object_get(sink, "transceiver", &transceiver, nullptr);
    if (transceiver) {
      g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY,
                   "codec-preferences", caps, nullptr);
      gst_object_unref(transceiver);
    } else {
      linked = false;
    }
    gst_object_unref(sink);  // webrtcbin keeps its pad; released with the element
  }
  if (src) gst_object_unref(src);
  gst_caps_unref(caps);
  gst_object_unref(out);
  return linked;
}

void WhepSession::on_answer(std::string answer_sdp, std::string error) {
  if (!error.empty()) return close("no answer: " + error);
  Plan plan;
  {
    std::lock_guard lock(mutex_);
    plan = plan_;
  }
  // webrtcbin answers a section it cannot send to with a port of 0 or without our payload type.
  if (answer_sdp.find("a=rtpmap:" + std::to_string(plan.video_pt) + " H264/90000") ==
      std::string::npos)
    return close("webrtcbin's answer does not send the video");
  answer(WhepAnswer{WhepError::none,
                    {},
                    id_,
                    sdp::edit_answer(answer_sdp, plan.video_pt, plan.profile_level_id,
                                     owner_.config_.public_address)});
  asio::post(owner_.control_, [self = shared_from_this()] {
    if (self->torn_down_ || self->connected_) return;
    self->deadline_.emplace(self->owner_.control_, self->owner_.config_.connect_timeout);
    self->deadline_->async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      if (auto s = weak.lock(); s && !ec) s->teardown("the viewer did not connect in time");
    });
  });
}

void WhepSession::on_connection_state(GstElement* webrtc) {
  GstWebRTCPeerConnectionState pc = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  GstWebRTCICEConnectionState ice = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &pc, "ice-connection-state", &ice, nullptr);
  if (pc == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !flowing_.exchange(true)) {
    asio::post(owner_.control_, [self = shared_from_this()] {
      if (self->torn_down_) return;
      self->connected_ = true;
      self->deadline_.reset();
      self->last_rtcp_ns_.store(steady_now_ns(), std::memory_order_relaxed);
      self->watch_viewer();
      self->owner_.stats_.connected.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("whep {} {}: connected", self->room(), self->id_);
    });
  }
  if (pc == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED ||
      pc == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED ||
      ice == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED ||
      ice == GST_WEBRTC_ICE_CONNECTION_STATE_DISCONNECTED ||
      ice == GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED)
    close("the connection failed or closed");
}

void WhepSession::watch_viewer() {
  deadline_.emplace(owner_.control_, std::chrono::seconds(1));
  deadline_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto s = weak.lock();
    if (!s || ec || s->torn_down_) return;
    auto silent =
        std::chrono::nanoseconds(steady_now_ns() - s->last_rtcp_ns_.load(std::memory_order_relaxed));
    if (silent > kViewerSilence) return s->teardown("no RTCP from the viewer for 10 s: it left");
    s->watch_viewer();
  });
}

GstBusSyncReply WhepSession::bus_handler(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<WhepSession*>(data);
  std::string error = gst::log_bus_message(msg, "whep", self->room(), self->id_);
  // Handled on the control thread: a streaming thread must not stop its own pipeline.
  if (!error.empty()) self->close("pipeline error: " + error);
  gst_message_unref(msg);  // a sync handler that drops a message owns it
  return GST_BUS_DROP;
}

void WhepSession::teardown(const std::string& why, WhepError unanswered) {
  if (torn_down_) return;
  torn_down_ = true;
  deadline_.reset();
  if (answerer_) answerer_->cancel();
  answer(WhepAnswer{unanswered, why, {}, {}});  // nothing when the answer went out already
  hub_->remove_sink(sink_id_);
  {
    std::lock_guard lock(mutex_);
    ended_ = true;
    if (appsrc_) gst_object_unref(appsrc_);
    appsrc_ = nullptr;
    pending_.clear();
  }
  if (webrtc_) gst_object_unref(webrtc_);
  webrtc_ = nullptr;
  gst::stop_pipeline(pipeline_);  // joins the streaming threads
  answerer_.reset();
  spdlog::info("whep {} {}: ended ({})", room(), id_, why);
  owner_.forget(*this);
}

}  // namespace media
