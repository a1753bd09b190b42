// whep_load: a WHEP load generator, in its own process.
//
// Opens N WebRTC viewers of one room: each is a GStreamer pipeline with a receive-only webrtcbin
// (H.264, and Opus with --audio) that POSTs its offer to /whep/{room} without trickle ICE (after
// gathering, as the browser player does), applies the answer and drops what arrives in a
// fakesink, undecoded. A pad probe counts the RTP packets and bytes each viewer is handed (after
// SRTP and the jitter buffer). Once every viewer is connected and receiving, it measures for a
// fixed window the server process's CPU (bench/proc.hpp) and each viewer's received bytes, then
// ends every session with a DELETE. Reports server CPU % of one core, viewers per core (N over
// the cores used), Mbit/s per viewer (min, mean) and viewers that received nothing in the window.
// Driven by bench/run_whep_bench.sh.
#define GST_USE_UNSTABLE_API
#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "proc.hpp"

namespace asio = boost::asio;
namespace po = boost::program_options;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Limits, in one place.
constexpr double kGatherSeconds = 5;    // ICE gathering of one offer
constexpr double kPlayingSeconds = 90;  // all viewers connected and receiving
constexpr std::size_t kMaxHttpResponse = 1 << 20;
// GStreamer's RTP session reports every 5 s (RFC 3550's minimum, randomised 0.5-1.5x), and the
// server ends a viewer it has heard no RTCP from for 5 s (media/whep_session.cpp, kViewerSilence:
// Chromium sends transport-cc feedback several times a second). So the viewers report each second.
constexpr guint64 kRtcpInterval = GST_SECOND;

struct Options {
  std::string url;  // http://HOST:PORT/whep/ROOM
  int viewers = 10;
  double duration = 20;
  double settle = 3;
  int server_pid = 0;
  bool audio = false;
  int concurrency = 4;
  std::string label = "livecart";
  bool show_sdp = false;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1, one request per connection (Connection: close), blocking: a handful of requests per
// viewer, none of them on the measured path.

struct HttpUrl {
  std::string host;
  std::string port = "80";
  std::string target;
};

HttpUrl parse_http_url(const std::string& url) {
  const std::string prefix = "http://";
  if (url.rfind(prefix, 0) != 0) throw std::runtime_error("not an http:// URL: " + url);
  std::string rest = url.substr(prefix.size());
  auto slash = rest.find('/');
  HttpUrl u;
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  u.host = authority.substr(0, colon);
  if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  return u;
}

struct HttpResponse {
  int status = 0;
  std::string location;
  std::string body;
};

HttpResponse http_request(const HttpUrl& url, const std::string& method, const std::string& target,
                          const std::string& body = {}) {
  asio::io_context io;
  tcp::socket socket(io);
  asio::connect(socket, tcp::resolver(io).resolve(url.host, url.port));
  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: " + url.host + "\r\nConnection: close\r\n";
  if (!body.empty())
    request +=
        "Content-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += "\r\n" + body;
  asio::write(socket, asio::buffer(request));
  std::string raw;
  boost::system::error_code ec;
  char buf[16384];
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(buf), ec);
    raw.append(buf, n);
    if (ec || raw.size() > kMaxHttpResponse) break;
    auto end = raw.find("\r\n\r\n");
    if (end == std::string::npos) continue;
    // Stop at Content-Length: the server may keep the connection open.
    std::string head = raw.substr(0, end);
    std::transform(head.begin(), head.end(), head.begin(), ::tolower);
    auto cl = head.find("\r\ncontent-length:");
    if (cl != std::string::npos && raw.size() >= end + 4 + std::stoul(head.substr(cl + 17))) break;
  }
  HttpResponse r;
  auto end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos)
    throw std::runtime_error("no HTTP response to " + method + " " + target);
  r.status = std::stoi(raw.substr(9, 3));
  r.body = raw.substr(end + 4);
  for (std::size_t pos = raw.find("\r\n"); pos < end;) {
    auto next = raw.find("\r\n", pos + 2);
    std::string line = raw.substr(pos + 2, next - pos - 2);
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower.rfind("location:", 0) == 0) {
      r.location = line.substr(9);
      r.location.erase(0, r.location.find_first_not_of(' '));
    }
    pos = next;
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// One viewer: a pipeline of one receive-only webrtcbin; what arrives goes to fakesinks.

class Viewer {
 public:
  explicit Viewer(int index) : index_(index) {}
  Viewer(const Viewer&) = delete;
  Viewer& operator=(const Viewer&) = delete;
  ~Viewer() { stop(); }

  // Offers, POSTs, applies the answer. Throws with the reason on failure.
  void connect(const HttpUrl& url, bool audio, bool show_sdp) {
    setup_started_ = Clock::now();
    pipeline_ = gst_pipeline_new(nullptr);
    webrtc_ = gst_element_factory_make("webrtcbin", nullptr);
    if (!pipeline_ || !webrtc_) throw std::runtime_error("no webrtcbin (gst-plugins-bad)");
    gst_bin_add(GST_BIN(pipeline_), webrtc_);
    // max-compat, not max-bundle: with max-bundle the audio section is offered bundle-only (port
    // 0), which the server (at b515d63) takes for a rejected section and answers inactive.
    g_object_set(webrtc_, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_COMPAT, nullptr);
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_set_sync_handler(bus, &Viewer::on_bus, this, nullptr);
    gst_object_unref(bus);
    add_transceiver(
        "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
        "packetization-mode=(string)1,profile-level-id=(string)42e01f,payload=102");
    if (audio)
      add_transceiver(
          "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=111");
    g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&Viewer::on_pad_added), this);
    g_signal_connect(webrtc_, "notify::connection-state", G_CALLBACK(&Viewer::on_state), this);
    if (GstElement* rtpbin = gst_bin_get_by_name(GST_BIN(webrtc_), "rtpbin")) {
      g_signal_connect(rtpbin, "on-new-ssrc", G_CALLBACK(&Viewer::on_new_ssrc), nullptr);
      gst_object_unref(rtpbin);
    }
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
      throw std::runtime_error("the pipeline does not start");

    GstPromise* promise = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "create-offer", nullptr, promise);
    gst_promise_wait(promise);
    GstWebRTCSessionDescription* offer = nullptr;
    if (const GstStructure* reply = gst_promise_get_reply(promise))
      gst_structure_get(reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, nullptr);
    gst_promise_unref(promise);
    if (!offer) throw std::runtime_error("create-offer gave no offer");
    promise = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-local-description", offer, promise);
    gst_promise_wait(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(offer);
    bool gathered = bench::wait_until(
        [&] {
          GstWebRTCICEGatheringState state = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
          g_object_get(webrtc_, "ice-gathering-state", &state, nullptr);
          return state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
        },
        kGatherSeconds, std::chrono::milliseconds(5));
    if (!gathered) throw std::runtime_error("ICE gathering did not complete");
    GstWebRTCSessionDescription* local = nullptr;
    g_object_get(webrtc_, "local-description", &local, nullptr);
    if (!local) throw std::runtime_error("no local description");
    gchar* text = gst_sdp_message_as_text(local->sdp);
    std::string offer_sdp = text;
    g_free(text);
    gst_webrtc_session_description_free(local);

    auto posted = Clock::now();
    HttpResponse r = http_request(url, "POST", url.target, offer_sdp);
    answer_seconds_ = seconds_since(posted);
    if (show_sdp)
      std::fprintf(stderr, "offer:\n%s\nanswer:\n%s\n", offer_sdp.c_str(), r.body.c_str());
    if (r.status != 201)
      throw std::runtime_error("POST answered " + std::to_string(r.status) + ": " + r.body);
    location_ = r.location;
    GstSDPMessage* sdp = nullptr;
    gst_sdp_message_new_from_text(r.body.c_str(), &sdp);
    if (!sdp) throw std::runtime_error("the answer is not SDP");
    GstWebRTCSessionDescription* answer =
        gst_webrtc_session_description_new(GST_WEBRTC_SDP_TYPE_ANSWER, sdp);  // takes sdp
    promise = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "set-remote-description", answer, promise);
    gst_promise_wait(promise);
    gst_promise_unref(promise);
    gst_webrtc_session_description_free(answer);
  }

  bool connected() {
    if (!webrtc_) return false;
    GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(webrtc_, "connection-state", &state, nullptr);
    return state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED;
  }

  void end(const HttpUrl& url) {
    if (location_.empty()) return;
    try {
      http_request(url, "DELETE", location_);
    } catch (const std::exception&) {
      // the server may have ended it already; the pipeline goes anyway
    }
    location_.clear();
  }

  void stop() {
    if (!pipeline_) return;
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    gst_object_unref(pipeline_);
    pipeline_ = nullptr;
    webrtc_ = nullptr;
  }

  // What webrtcbin's RTP session counted for the incoming streams (before the jitter buffer).
  struct Inbound {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
    std::int64_t lost = 0;
  };
  Inbound inbound() {
    Inbound in;
    if (!webrtc_) return in;
    GstPromise* promise = gst_promise_new();
    g_signal_emit_by_name(webrtc_, "get-stats", nullptr, promise);
    if (gst_promise_wait(promise) == GST_PROMISE_RESULT_REPLIED)
      if (const GstStructure* reply = gst_promise_get_reply(promise))
        gst_structure_foreach(
            reply,
            [](GQuark, const GValue* value, gpointer data) -> gboolean {
              if (!GST_VALUE_HOLDS_STRUCTURE(value)) return TRUE;
              const GstStructure* s = gst_value_get_structure(value);
              GstWebRTCStatsType type;
              if (!gst_structure_get(s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, nullptr) ||
                  type != GST_WEBRTC_STATS_INBOUND_RTP)
                return TRUE;
              auto* in = static_cast<Inbound*>(data);
              guint64 packets = 0, bytes = 0;
              gint64 lost = 0;
              gst_structure_get_uint64(s, "packets-received", &packets);
              gst_structure_get_uint64(s, "bytes-received", &bytes);
              gst_structure_get_int64(s, "packets-lost", &lost);
              in->packets += packets;
              in->bytes += bytes;
              in->lost += lost;
              return TRUE;
            },
            &in);
    gst_promise_unref(promise);
    return in;
  }

  std::uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  std::uint64_t packets() const { return packets_.load(std::memory_order_relaxed); }
  int errors() const { return errors_.load(); }
  std::string first_error() {
    std::lock_guard lock(mutex_);
    return first_error_;
  }
  double answer_seconds() const { return answer_seconds_; }
  double connect_seconds() const { return connect_seconds_.load(); }
  int index() const { return index_; }

 private:
  void add_transceiver(const char* caps_text) {
    GstCaps* caps = gst_caps_from_string(caps_text);
    GstWebRTCRTPTransceiver* transceiver = nullptr;
    g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                          caps, &transceiver);
    gst_caps_unref(caps);
    if (!transceiver) throw std::runtime_error("add-transceiver failed");
    gst_object_unref(transceiver);
  }

  static void on_pad_added(GstElement*, GstPad* pad, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
    GstElement* sink = gst_element_factory_make("fakesink", nullptr);
    g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
    gst_bin_add(GST_BIN(self->pipeline_), sink);
    gst_element_sync_state_with_parent(sink);
    GstPad* sinkpad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad,
                      GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                      &Viewer::on_data, self, nullptr);
    gst_pad_link(pad, sinkpad);
    gst_object_unref(sinkpad);
  }

  static GstPadProbeReturn on_data(GstPad*, GstPadProbeInfo* info, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
      self->bytes_.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)),
                             std::memory_order_relaxed);
      self->packets_.fetch_add(1, std::memory_order_relaxed);
    } else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
      GstBufferList* list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
      guint n = gst_buffer_list_length(list);
      for (guint i = 0; i < n; ++i)
        self->bytes_.fetch_add(gst_buffer_get_size(gst_buffer_list_get(list, i)),
                               std::memory_order_relaxed);
      self->packets_.fetch_add(n, std::memory_order_relaxed);
    }
    return GST_PAD_PROBE_OK;
  }

  static void on_new_ssrc(GstElement* rtpbin, guint session, guint, gpointer) {
    GObject* internal = nullptr;
    g_signal_emit_by_name(rtpbin, "get-internal-session", session, &internal);
    if (!internal) return;
    g_object_set(internal, "rtcp-min-interval", kRtcpInterval, nullptr);
    g_object_unref(internal);
  }

  static void on_state(GstElement* webrtc, GParamSpec*, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    GstWebRTCPeerConnectionState state = GST_WEBRTC_PEER_CONNECTION_STATE_NEW;
    g_object_get(webrtc, "connection-state", &state, nullptr);
    double unset = -1;
    if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED)
      self->connect_seconds_.compare_exchange_strong(unset, seconds_since(self->setup_started_));
  }

  static GstBusSyncReply on_bus(GstBus*, GstMessage* msg, gpointer data) {
    auto* self = static_cast<Viewer*>(data);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR) {
      GError* err = nullptr;
      gst_message_parse_error(msg, &err, nullptr);
      if (self->errors_.fetch_add(1) == 0) {
        std::lock_guard lock(self->mutex_);
        self->first_error_ = err ? err->message : "?";
      }
      if (err) g_error_free(err);
    }
    gst_message_unref(msg);
    return GST_BUS_DROP;
  }

  int index_;
  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;  // owned by pipeline_
  std::string location_;
  Clock::time_point setup_started_;
  double answer_seconds_ = -1;
  std::atomic<double> connect_seconds_{-1};  // set on a webrtcbin thread
  std::atomic<std::uint64_t> bytes_{0};
  std::atomic<std::uint64_t> packets_{0};
  std::atomic<int> errors_{0};
  std::mutex mutex_;
  std::string first_error_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

int run(const Options& o) {
  HttpUrl url = parse_http_url(o.url);
  std::vector<std::unique_ptr<Viewer>> viewers;
  for (int i = 0; i < o.viewers; ++i) viewers.push_back(std::make_unique<Viewer>(i));

  // Connect, a few at a time.
  auto start = Clock::now();
  std::atomic<int> next{0}, failed{0};
  std::mutex print;
  std::vector<std::thread> workers;
  for (int t = 0; t < std::max(1, o.concurrency); ++t)
    workers.emplace_back([&] {
      for (int i; (i = next.fetch_add(1)) < o.viewers;) {
        try {
          viewers[i]->connect(url, o.audio, o.show_sdp && i == 0);
        } catch (const std::exception& e) {
          failed.fetch_add(1);
          std::lock_guard lock(print);
          std::fprintf(stderr, "viewer %d: %s\n", i, e.what());
        }
      }
    });
  for (auto& w : workers) w.join();
  double answered_in = seconds_since(start);
  bool all_playing = bench::wait_until(
      [&] {
        return std::all_of(viewers.begin(), viewers.end(),
                           [](auto& v) { return v->connected() && v->bytes() > 0; });
      },
      kPlayingSeconds, std::chrono::milliseconds(50));
  int connected = 0, receiving = 0;
  std::vector<double> answer_s, connect_s;
  for (auto& v : viewers) {
    if (v->connected()) ++connected;
    if (v->bytes() > 0) ++receiving;
    if (v->answer_seconds() >= 0) answer_s.push_back(v->answer_seconds());
    if (v->connect_seconds() >= 0) connect_s.push_back(v->connect_seconds());
  }
  std::printf("%d viewers: %d answered in %.1f s (%d failed), %d connected, %d receiving%s\n",
              o.viewers, o.viewers - failed.load(), answered_in, failed.load(), connected,
              receiving, all_playing ? "" : " (not all: measuring those that are)");
  if (!answer_s.empty())
    std::printf(
        "POST to answer p50 %.0f ms max %.0f ms; setup to connected p50 %.0f ms max %.0f ms\n",
        1000 * percentile(answer_s, 50), 1000 * percentile(answer_s, 100),
        1000 * percentile(connect_s, 50), 1000 * percentile(connect_s, 100));

  std::this_thread::sleep_for(std::chrono::duration<double>(o.settle));
  std::vector<std::uint64_t> bytes0, packets0;
  std::vector<Viewer::Inbound> inbound0;
  for (auto& v : viewers) {
    bytes0.push_back(v->bytes());
    packets0.push_back(v->packets());
    inbound0.push_back(v->inbound());
  }
  double cpu0 = bench::process_cpu_seconds(o.server_pid);
  double wait0 = bench::run_queue_wait_seconds(o.server_pid);
  double own0 = bench::own_cpu_seconds();
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  double window = seconds_since(t0);
  double cpu = bench::process_cpu_seconds(o.server_pid) - cpu0;
  double wait = bench::run_queue_wait_seconds(o.server_pid) - wait0;
  double own = bench::own_cpu_seconds() - own0;
  Viewer::Inbound inbound;  // over the window, all viewers
  for (std::size_t i = 0; i < viewers.size(); ++i) {
    Viewer::Inbound now = viewers[i]->inbound();
    inbound.packets += now.packets - inbound0[i].packets;
    inbound.bytes += now.bytes - inbound0[i].bytes;
    inbound.lost += now.lost - inbound0[i].lost;
  }

  std::vector<double> mbps;
  std::uint64_t total_bytes = 0, total_packets = 0;
  int silent = 0;
  for (std::size_t i = 0; i < viewers.size(); ++i) {
    std::uint64_t b = viewers[i]->bytes() - bytes0[i];
    total_bytes += b;
    total_packets += viewers[i]->packets() - packets0[i];
    if (b == 0) ++silent;
    mbps.push_back(8.0 * static_cast<double>(b) / window / 1e6);
  }
  int still_connected = static_cast<int>(
      std::count_if(viewers.begin(), viewers.end(), [](auto& v) { return v->connected(); }));
  int errors = 0;
  std::string first_error;
  for (auto& v : viewers) {
    errors += v->errors();
    if (first_error.empty()) first_error = v->first_error();
  }
  double cpu_share = cpu / window;  // cores
  // Threads that end take their wait with them, so the difference can come out negative.
  std::printf(
      "window %.1f s: server CPU %.2f s = %.1f %% of one core (its threads waited for a CPU "
      "%.2f s); client CPU %.1f %% of one core\n",
      window, cpu, 100 * cpu_share, wait, 100 * own / window);
  std::printf(
      "RTP sessions (before the jitter buffer): %.2f Mbit/s, %.0f packets/s in all, %lld "
      "packets lost\n",
      8.0 * static_cast<double>(inbound.bytes) / window / 1e6,
      static_cast<double>(inbound.packets) / window, static_cast<long long>(inbound.lost));
  std::printf("%d of %d viewers still connected at the end of the window\n", still_connected,
              o.viewers);
  std::printf(
      "received: %.2f Mbit/s in all, %.0f RTP packets/s in all; per viewer Mbit/s min %.2f "
      "p50 %.2f max %.2f; %d viewers received nothing in the window; %d pipeline errors%s%s\n",
      8.0 * static_cast<double>(total_bytes) / window / 1e6,
      static_cast<double>(total_packets) / window, percentile(mbps, 0), percentile(mbps, 50),
      percentile(mbps, 100), silent, errors, first_error.empty() ? "" : ": ", first_error.c_str());
  double per_core = cpu_share > 0 ? o.viewers / cpu_share : 0;
  std::printf("ROW | %s | %s | %d | %d | %d | %.2f | %.2f | %.1f %% | %.0f | %.1f %% |\n",
              o.label.c_str(), o.audio ? "H.264 + Opus" : "H.264", o.viewers, receiving - silent,
              silent, percentile(mbps, 0), percentile(mbps, 50), 100 * cpu_share, per_core,
              100 * own / window);

  for (auto& v : viewers) v->end(url);
  for (auto& v : viewers) v->stop();
  bool ok = failed == 0 && silent == 0 && all_playing && still_connected == o.viewers;
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  po::options_description desc("whep_load options");
  desc.add_options()("help", "this help")("url", po::value(&o.url)->required(),
                                          "the room's WHEP endpoint, http://HOST:PORT/whep/ROOM")(
      "viewers", po::value(&o.viewers)->default_value(o.viewers), "WebRTC viewers")(
      "duration", po::value(&o.duration)->default_value(o.duration), "seconds measured")(
      "settle", po::value(&o.settle)->default_value(o.settle),
      "seconds between all playing and the window")(
      "server-pid", po::value(&o.server_pid)->default_value(o.server_pid),
      "the server's pid, for its CPU")("audio", po::bool_switch(&o.audio),
                                       "offer Opus audio too (the server turns AAC into it)")(
      "concurrency", po::value(&o.concurrency)->default_value(o.concurrency),
      "viewers negotiating at once")("label", po::value(&o.label)->default_value(o.label),
                                     "name in the table row")(
      "show-sdp", po::bool_switch(&o.show_sdp), "print the first viewer's offer and answer");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  gst_init(&argc, &argv);
  bench::raise_fd_limit();
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "whep_load: " << e.what() << "\n";
    return 2;
  }
}
