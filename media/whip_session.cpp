#include "media/whip_session.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "media/gst_util.hpp"

namespace media {
namespace asio = boost::asio;
using gst::steady_now_ns;

namespace {

// A connected publisher that sends no frame for this long has gone (a closed tab, a lost network).
constexpr std::chrono::seconds kPublisherSilence{5};
// Publisher ids of WHIP sessions: apart from the RTMP sessions' ids (a counter from 1) in the
// same hubs.
constexpr std::uint64_t kPublisherBase = std::uint64_t{1} << 62;

// The first section of `kind` in use that sends to us.
const sdp::MediaSection* sending_section(const sdp::Offer& offer, std::string_view kind) {
  for (const auto& m : offer.media)
    if (m.kind == kind && !m.rejected && (m.direction == "sendonly" || m.direction == "sendrecv"))
      return &m;
  return nullptr;
}

}  // namespace

WhipSession::WhipSession(WhipSessions& owner, std::string id, std::uint64_t publisher,
                         std::shared_ptr<StreamHub> hub, sdp::Offer offer, std::string offer_text,
                         WhipSessions::Answered done, WhipEnded ended)
    : owner_(owner),
      id_(std::move(id)),
      publisher_(kPublisherBase | publisher),
      hub_(std::move(hub)),
      offer_(std::move(offer)),
      offer_text_(std::move(offer_text)),
      ended_(std::move(ended)),
      done_(std::move(done)),
      flv_([this](Tag tag) { hub_->push(publisher_, std::move(tag)); }, "livecart whip",
           sending_section(offer_, "audio") != nullptr) {}

void WhipSession::start() {
  asio::post(owner_.control_, [self = shared_from_this()] {
    if (self->torn_down_) return;
    self->deadline_.emplace(self->owner_.control_, self->owner_.config_.answer_timeout);
    self->deadline_->async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      if (auto s = weak.lock(); s && !ec) s->teardown("no answer in time (webrtcbin or ICE gathering)");
    });
  });
  hub_->claim(publisher_, owner_.config_.stale_after, [self = shared_from_this()](bool granted) {
    if (!granted) return self->close("another encoder is publishing to this room", WhipError::busy);
    {
      std::unique_lock lock(self->mutex_);
      if (self->finished_) {  // closed meanwhile
        lock.unlock();
        return self->hub_->release(self->publisher_);
      }
      self->claimed_ = true;
    }
    asio::post(self->owner_.control_, [self] { self->build(); });
  });
}

void WhipSession::close(std::string why, WhipError unanswered, bool tell) {
  if (!tell) tell_ended_.store(false);
  asio::post(owner_.control_, [self = shared_from_this(), why = std::move(why), unanswered] {
    self->teardown(why, unanswered);
  });
}

void WhipSession::answer(WhipAnswer a) {
  WhipSessions::Answered done;
  {
    std::lock_guard lock(mutex_);
    done = std::move(done_);
    done_ = nullptr;
  }
  if (!done) return;
  if (a.error == WhipError::none)
    owner_.stats_.answered.fetch_add(1, std::memory_order_relaxed);
  else if (a.error == WhipError::busy)
    owner_.stats_.refused.fetch_add(1, std::memory_order_relaxed);
  else
    owner_.stats_.failed.fetch_add(1, std::memory_order_relaxed);
  done(std::move(a));
}

void WhipSession::build() {
  if (torn_down_) return;
  const bool audio = sending_section(offer_, "audio") != nullptr;
  std::string description =
      "webrtcbin name=webrtc "
      "rtph264depay name=vdepay ! h264parse ! video/x-h264,stream-format=avc,alignment=au ! "
      "appsink name=vsink sync=false async=false ";
  if (audio)
    description += std::string("rtpopusdepay name=adepay ! opusdec ! audioconvert ! audioresample ! "
                               "audio/x-raw,rate=48000,channels=2 ! ") +
                   gst::aac_encoder() + " bitrate=" + std::to_string(owner_.config_.aac_bitrate) +
                   " ! audio/mpeg,mpegversion=4,stream-format=raw ! appsink name=asink sync=false async=false ";
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(description.c_str(), &error);
  if (!pipeline_) {
    std::string why = std::string("cannot build the pipeline: ") + (error ? error->message : "unknown error");
    if (error) g_error_free(error);
    return teardown(why);
  }
  if (error) g_error_free(error);
  GstBus* bus = gst_element_get_bus(pipeline_);
  gst_bus_set_sync_handler(bus, &WhipSession::bus_handler, this, nullptr);
  gst_object_unref(bus);

  webrtc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "webrtc");
  g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_COMPAT, nullptr);
  configure_ice(webrtc_, owner_.config_);
  // Receive-only transceivers with what we take: H.264 (packetization-mode 1, with PLI so that
  // keyframes can be asked for) and Opus. Without them webrtcbin matches whatever the offer
  // lists first (Chromium: VP8).
  auto add_transceiver = [this](const char* caps_text) {
    GstCaps* caps = gst_caps_from_string(caps_text);
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps,
                          &transceiver);
    gst_caps_unref(caps);
    if (transceiver) gst_object_unref(transceiver);
  };
  add_transceiver(
      "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,packetization-mode=(string)1,"
      "rtcp-fb-nack-pli=(boolean)true");
  if (audio) add_transceiver("application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000");

  auto weak = weak_from_this();
  auto on_state = G_CALLBACK(+[](GstElement* webrtc, GParamSpec*, gpointer data) {
    if (auto s = gst::lock_weak<WhipSession>(data)) s->on_connection_state(webrtc);
  });
  gst::connect_weak(webrtc_, "notify::connection-state", on_state, weak);
  gst::connect_weak(webrtc_, "notify::ice-connection-state", on_state, weak);
  gst::connect_weak(webrtc_, "pad-added", G_CALLBACK(+[](GstElement*, GstPad* pad, gpointer data) {
                      if (auto s = gst::lock_weak<WhipSession>(data)) s->on_pad(pad);
                    }),
                    weak);
  gst::on_samples<WhipSession>(pipeline_, "vsink", weak,
                               [](WhipSession& s, GstSample* sample) { s.on_video_sample(sample); });
  gst::on_samples<WhipSession>(pipeline_, "asink", weak,
                               [](WhipSession& s, GstSample* sample) { s.on_audio_sample(sample); });
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    return teardown("the pipeline does not start");
  answerer_ = WebRtcAnswer::start(webrtc_, offer_text_, [weak](std::string sdp, std::string error) {
    if (auto s = weak.lock()) s->on_answer(std::move(sdp), std::move(error));
  });
}

void WhipSession::on_pad(GstPad* pad) {
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* media = s ? gst_structure_get_string(s, "media") : nullptr;
  std::string kind = media ? media : "";
  gst_caps_unref(caps);
  GstElement* depay = nullptr;
  if (pipeline_ && (kind == "video" || kind == "audio"))
    depay = gst_bin_get_by_name(GST_BIN(pipeline_), kind == "video" ? "vdepay" : "adepay");
  if (!depay) {
    // Nothing takes it (a stream we did not ask for): a fakesink keeps webrtcbin flowing.
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "async", FALSE, "sync", FALSE, nullptr);
    gst_bin_add(GST_BIN(pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
    return;
  }
  GstPad* sinkpad = gst_element_get_static_pad(depay, "sink");
  if (gst_pad_is_linked(sinkpad) || gst_pad_link(pad, sinkpad) != GST_PAD_LINK_OK)
    close("cannot take the publisher's " + kind);
  gst_object_unref(sinkpad);
  gst_object_unref(depay);
}

void WhipSession::on_answer(std::string answer_sdp, std::string error) {
  if (!error.empty()) return close("no answer: " + error);
  // The answer must take the video as H.264: webrtcbin answers a section it cannot take with a
  // port of 0 or with no payload type of ours.
  if (answer_sdp.find(" H264/90000") == std::string::npos)
    return close("webrtcbin's answer does not take the video as H.264", WhipError::no_common_codec);
  answer(WhipAnswer{WhipError::none, {}, id_,
                    sdp::edit_answer(answer_sdp, -1, {}, owner_.config_.public_address)});
  asio::post(owner_.control_, [self = shared_from_this()] {
    if (self->torn_down_ || self->connected_) return;
    self->answered_ = true;
    self->deadline_.emplace(self->owner_.control_, self->owner_.config_.connect_timeout);
    self->deadline_->async_wait([weak = self->weak_from_this()](boost::system::error_code ec) {
      if (auto s = weak.lock(); s && !ec) s->teardown("the publisher did not connect in time");
    });
  });
}

void WhipSession::on_connection_state(GstElement* webrtc) {
  GstWebRTCPeerConnectionState pc = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
  GstWebRTCICEConnectionState ice = GST_WEBRTC_ICE_CONNECTION_STATE_NEW;
  g_object_get(webrtc, "connection-state", &pc, "ice-connection-state", &ice, nullptr);
  if (pc == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && !connected_flag_.exchange(true)) {
    asio::post(owner_.control_, [self = shared_from_this()] {
      if (self->torn_down_) return;
      self->connected_ = true;
      self->answered_ = true;
      self->last_media_ns_.store(steady_now_ns(), std::memory_order_relaxed);
      self->owner_.stats_.connected.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("whip {} {}: connected", self->room(), self->id_);
      self->watch();
    });
  }
  if (pc == GST_WEBRTC_PEER_CONNECTION_STATE_FAILED || pc == GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED ||
      ice == GST_WEBRTC_ICE_CONNECTION_STATE_FAILED || ice == GST_WEBRTC_ICE_CONNECTION_STATE_CLOSED)
    close("the connection failed or closed");
}

// Every second: a keyframe request when the last one is `keyframe_interval` old (an RTCP PLI from
// the RTP session), and the publisher's silence checked.
void WhipSession::watch() {
  deadline_.emplace(owner_.control_, std::chrono::seconds(1));
  deadline_->async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto s = weak.lock();
    if (!s || ec || s->torn_down_) return;
    auto silent = std::chrono::nanoseconds(steady_now_ns() - s->last_media_ns_.load(std::memory_order_relaxed));
    if (silent > kPublisherSilence) return s->teardown("no media from the publisher for 5 s: it left");
    auto now = std::chrono::steady_clock::now();
    if (now - s->last_keyframe_request_ >= s->owner_.config_.keyframe_interval) {
      s->last_keyframe_request_ = now;
      // An upstream event sent to the sink element travels up through its sink pad to the RTP
      // session, which sends the PLI.
      if (GstElement* sink = gst_bin_get_by_name(GST_BIN(s->pipeline_), "vsink")) {
        gst_element_send_event(sink, gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
        gst_object_unref(sink);
      }
    }
    s->watch();
  });
}

void WhipSession::on_video_sample(GstSample* sample) {
  last_media_ns_.store(steady_now_ns(), std::memory_order_relaxed);
  auto before = flv_.frames();
  flv_.video(sample);
  if (flv_.frames() != before) owner_.stats_.frames.fetch_add(1, std::memory_order_relaxed);
}

void WhipSession::on_audio_sample(GstSample* sample) { flv_.audio(sample); }

GstBusSyncReply WhipSession::bus_handler(GstBus*, GstMessage* msg, gpointer data) {
  auto* self = static_cast<WhipSession*>(data);
  std::string error = gst::log_bus_message(msg, "whip", self->room(), self->id_);
  if (!error.empty()) self->close("pipeline error: " + error);  // on the control thread
  gst_message_unref(msg);
  return GST_BUS_DROP;
}

void WhipSession::teardown(const std::string& why, WhipError unanswered) {
  if (torn_down_) return;
  torn_down_ = true;
  deadline_.reset();
  if (answerer_) answerer_->cancel();
  answer(WhipAnswer{unanswered, why, {}, {}});  // nothing when the answer went out already
  if (webrtc_) gst_object_unref(webrtc_);
  webrtc_ = nullptr;
  gst::stop_pipeline(pipeline_);  // joins the streaming threads: no sample comes after this
  answerer_.reset();
  flv_.stop();
  bool claimed;
  {
    std::lock_guard lock(mutex_);
    finished_ = true;
    claimed = claimed_;
  }
  if (claimed) hub_->release(publisher_);
  spdlog::info("whip {} {}: ended ({})", room(), id_, why);
  owner_.forget(*this);
  if (answered_ && ended_ && tell_ended_.load()) ended_(room(), id_, why);
}

}  // namespace media
