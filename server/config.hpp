#pragma once
// The process configuration: one struct with defaults, filled once at start from flags and
// LIVECART_* environment variables (a flag wins over the environment), passed by reference.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "chat/chat_config.hpp"
#include "media/rtmp_session.hpp"
#include "media/webrtc_config.hpp"

namespace server {

struct SessionLimits {
  std::size_t max_frame_bytes = 4096;          // inbound WebSocket message limit
  std::size_t max_queued_frames = 64;          // outbound frames waiting per session
  std::size_t max_queued_bytes = 1 << 20;      // outbound bytes waiting per session
  std::chrono::seconds stall_timeout{10};      // a write pending this long: the reader is gone
  double inbound_per_second = 20;              // frames a client may send per second...
  double inbound_burst = 40;                   // ...and at once
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{60};       // no traffic at all (pings are sent at half)
};

struct HttpLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds request_timeout{30};
};

struct Config {
  std::string bind_address = "0.0.0.0";
  std::uint16_t http_port = 8080;
  std::uint16_t rtmp_port = 1935;
  // The host name or address encoders reach this node by (it goes into the RTMP URL that the
  // room keys answer gives the host console); empty: not known (the console uses its own).
  std::string public_host;
  std::string data_dir = "data";
  std::string admin_token;  // random and printed when empty
  std::string log_level = "info";
  std::string web_dir;      // static files; defaults to the source tree's web/
  unsigned threads = 0;     // io_context threads; 0: one per core
  bool demo = false;        // create the demo room "demo" at start
  bool demo_stream = false; // and put a GStreamer test source live in it
  bool hls = true;          // live rooms also as HLS (DATA/live/{room}/index.m3u8)
  bool record = true;       // each broadcast also as MP4 (DATA/recordings/{room}/)
  bool snapshots = true;    // a JPEG of the picture every snapshot_every
  std::chrono::seconds snapshot_every{3};
  std::chrono::seconds shutdown_grace{5};
  std::string webhook_ca_file;  // PEM CAs trusted for https:// webhooks beside the system's
  std::string redis;            // cluster mode: redis://[:PASSWORD@]HOST[:PORT][/DB]; empty: embedded
  chat::ChatConfig chat;
  SessionLimits session;
  media::RtmpLimits rtmp;
  HttpLimits http;
  media::WebRtcConfig webrtc;  // WHEP playback: ICE, UDP ports, NAT address, session limit
};

// Parses flags and environment. Prints help and returns nullopt for --help; throws
// std::runtime_error with a readable message for invalid values.
[[nodiscard]] std::optional<Config> parse_config(int argc, const char* const argv[]);

}  // namespace server
