#include "server/config.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include "redis/url.hpp"

#include "chat/banned_words.hpp"
#include "chat/mic_link_queue.hpp"

#ifndef LIVECART_DEFAULT_WEB_DIR
#define LIVECART_DEFAULT_WEB_DIR "web"
#endif

namespace server {
namespace po = boost::program_options;

namespace {

// Maps LIVECART_HTTP_PORT to "http-port" for the options that may come from the environment.
std::string env_name_to_option(const std::string& env, const po::options_description& desc) {
  const std::string prefix = "LIVECART_";
  if (env.rfind(prefix, 0) != 0) return {};
  std::string name = env.substr(prefix.size());
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return desc.find_nothrow(name, false) ? name : std::string{};
}

std::vector<std::string> read_banned_words(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read banned words file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return chat::parse_word_lines(text.str());
}

std::vector<std::string> default_banned_words() {
  // A small starting list; operators replace it with --banned-words-file.
  return {"傻逼", "操你妈", "草泥马", "加微信", "vx私聊", "fuck", "shit", "刷单"};
}

// A DNS name, an IPv4 address or an IPv6 address (bracketed or not): no scheme, port or path.
bool valid_public_host(const std::string& host) {
  constexpr std::size_t kMaxHostBytes = 253;
  if (host.empty() || host.size() > kMaxHostBytes) return false;
  std::string_view h = host;
  if (h.front() == '[' && h.back() == ']' && h.size() > 2) h = h.substr(1, h.size() - 2);
  if (std::count(h.begin(), h.end(), ':') >= 2)  // IPv6: hex digits, colons, maybe an IPv4 tail
    return std::all_of(h.begin(), h.end(), [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.'; });
  for (char ch : h) {
    bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!(alnum || ch == '.' || ch == '-')) return false;
  }
  return h.front() != '.' && h.front() != '-';
}

}  // namespace

std::optional<Config> parse_config(int argc, const char* const argv[]) {
  Config c;
  // Counts are read as signed numbers and range-checked: Boost would wrap "-1" into a huge unsigned.
  long long port = c.http_port;
  long long rtmp_port = c.rtmp_port;
  long long threads = c.threads;
  long long max_chars = static_cast<long long>(c.chat.max_message_chars);
  long long history = static_cast<long long>(c.chat.history_size);
  long long max_frame = static_cast<long long>(c.session.max_frame_bytes);
  long long queue_frames = static_cast<long long>(c.session.max_queued_frames);
  long tick_ms = c.chat.tick.count();
  long stall_s = c.session.stall_timeout.count();
  long grace_s = c.shutdown_grace.count();
  long snapshot_s = c.snapshot_every.count();
  bool no_hls = false, no_record = false, no_snapshots = false;
  long long udp_min = c.webrtc.udp_port_min, udp_max = c.webrtc.udp_port_max;
  long long whep_max = static_cast<long long>(c.webrtc.max_whep_sessions);
  long long whip_max = static_cast<long long>(c.webrtc.max_whip_sessions);
  long long mic_guests = c.chat.mic_link_max_guests;
  std::string banned_file;

  po::options_description desc("livecart options (environment: LIVECART_<OPTION>, e.g. LIVECART_HTTP_PORT)");
  desc.add_options()
      ("help,h", "show this help")
      ("http-port", po::value(&port)->default_value(port), "HTTP/WebSocket port; 0 picks a free port")
      ("rtmp-port", po::value(&rtmp_port)->default_value(rtmp_port), "RTMP ingest port; 0 picks a free port")
      ("public-host", po::value(&c.public_host), "host name encoders reach this node by (for the RTMP URL shown to hosts)")
      ("bind", po::value(&c.bind_address)->default_value(c.bind_address), "address to listen on")
      ("data-dir", po::value(&c.data_dir)->default_value(c.data_dir), "where data files live")
      ("admin-token", po::value(&c.admin_token), "admin bearer token (random and printed when absent)")
      ("log-level", po::value(&c.log_level)->default_value(c.log_level), "trace|debug|info|warn|error|off")
      ("web-dir", po::value(&c.web_dir)->default_value(LIVECART_DEFAULT_WEB_DIR), "static files folder")
      ("threads", po::value(&threads)->default_value(threads), "I/O threads; 0: one per core")
      ("demo", po::bool_switch(&c.demo), "create the demo room 'demo' at start")
      ("demo-stream", po::bool_switch(&c.demo_stream), "with --demo: go live in it with a test pattern (GStreamer)")
      ("no-hls", po::bool_switch(&no_hls), "do not make HLS of live rooms")
      ("no-record", po::bool_switch(&no_record), "do not record broadcasts to MP4")
      ("no-snapshots", po::bool_switch(&no_snapshots), "do not take JPEG snapshots of live rooms")
      ("snapshot-interval", po::value(&snapshot_s)->default_value(snapshot_s), "seconds between snapshots, 1..3600")
      ("shutdown-grace", po::value(&grace_s)->default_value(grace_s), "seconds to let sessions close on SIGTERM")
      ("chat-max-chars", po::value(&max_chars)->default_value(max_chars), "characters per chat message")
      ("chat-rate", po::value(&c.chat.rate_per_second)->default_value(c.chat.rate_per_second), "chat messages per second per viewer")
      ("chat-burst", po::value(&c.chat.rate_burst)->default_value(c.chat.rate_burst), "chat messages a viewer may send at once")
      ("chat-tick-ms", po::value(&tick_ms)->default_value(tick_ms), "fan-out batching period, 1..100 ms")
      ("chat-history", po::value(&history)->default_value(history), "messages a joiner receives")
      ("banned-words-file", po::value(&banned_file), "banned words, one per line (replaces the built-in list)")
      ("webhook-ca-file", po::value(&c.webhook_ca_file), "PEM file of CAs trusted for https:// fulfilment webhooks, beside the system's")
      ("redis", po::value(&c.redis), "cluster mode: share rooms, chat, stock and orders with other nodes through redis://[:PASSWORD@]HOST[:PORT][/DB]")
      ("ws-max-frame", po::value(&max_frame)->default_value(max_frame), "largest inbound WebSocket message, bytes")
      ("ws-queue-frames", po::value(&queue_frames)->default_value(queue_frames), "outbound frames queued per viewer before it skips ahead")
      ("ws-stall-timeout", po::value(&stall_s)->default_value(stall_s), "seconds a write may stall before the viewer is dropped")
      ("ws-inbound-rate", po::value(&c.session.inbound_per_second)->default_value(c.session.inbound_per_second), "frames per second a client may send")
      ("ws-inbound-burst", po::value(&c.session.inbound_burst)->default_value(c.session.inbound_burst), "frames a client may send at once")
      ("webrtc-public-ip", po::value(&c.webrtc.public_address), "address a 1:1 NAT maps to this host, added to WebRTC's host candidates")
      ("webrtc-udp-min", po::value(&udp_min)->default_value(udp_min), "lowest UDP port for WebRTC (ICE); 0 with --webrtc-udp-max 0: any")
      ("webrtc-udp-max", po::value(&udp_max)->default_value(udp_max), "highest UDP port for WebRTC (ICE)")
      ("webrtc-stun", po::value(&c.webrtc.stun_server), "STUN server, stun://HOST:PORT (used by the server, told to browsers)")
      ("webrtc-turn", po::value(&c.webrtc.turn_server), "TURN server, turn://USER:PASSWORD@HOST:PORT or turns://… (likewise)")
      ("whep-max-sessions", po::value(&whep_max)->default_value(whep_max), "WHEP (WebRTC) viewers at once; 0 turns WHEP off")
      ("whip-max-sessions", po::value(&whip_max)->default_value(whip_max), "WHIP (browser) publishers at once; 0 turns WHIP off")
      ("mic-link-max-guests", po::value(&mic_guests)->default_value(mic_guests), "mic-link (连麦) guests on camera with the host at once, 1..3");

  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::store(po::parse_environment(desc, [&](const std::string& env) { return env_name_to_option(env, desc); }), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::runtime_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }

  auto in_range = [](long long v, long long lo, long long hi, const char* flag) {
    if (v < lo || v > hi)
      throw std::runtime_error(std::string("--") + flag + " must be " + std::to_string(lo) + ".." + std::to_string(hi));
    return v;
  };
  c.http_port = static_cast<std::uint16_t>(in_range(port, 0, 65535, "http-port"));
  c.rtmp_port = static_cast<std::uint16_t>(in_range(rtmp_port, 0, 65535, "rtmp-port"));
  c.threads = static_cast<unsigned>(in_range(threads, 0, 256, "threads"));
  c.chat.max_message_chars = static_cast<std::size_t>(in_range(max_chars, 1, 10000, "chat-max-chars"));
  c.chat.history_size = static_cast<std::size_t>(in_range(history, 0, 1000, "chat-history"));
  c.session.max_frame_bytes = static_cast<std::size_t>(in_range(max_frame, 256, 1 << 20, "ws-max-frame"));
  c.session.max_queued_frames = static_cast<std::size_t>(in_range(queue_frames, 2, 100000, "ws-queue-frames"));
  c.chat.tick = std::chrono::milliseconds(in_range(tick_ms, 1, 100, "chat-tick-ms"));
  c.session.stall_timeout = std::chrono::seconds(in_range(stall_s, 1, 3600, "ws-stall-timeout"));
  c.shutdown_grace = std::chrono::seconds(in_range(grace_s, 0, 3600, "shutdown-grace"));
  c.snapshot_every = std::chrono::seconds(in_range(snapshot_s, 1, 3600, "snapshot-interval"));
  c.webrtc.udp_port_min = static_cast<std::uint16_t>(in_range(udp_min, 0, 65535, "webrtc-udp-min"));
  c.webrtc.udp_port_max = static_cast<std::uint16_t>(in_range(udp_max, 0, 65535, "webrtc-udp-max"));
  c.webrtc.max_whep_sessions = static_cast<std::size_t>(in_range(whep_max, 0, 100000, "whep-max-sessions"));
  c.webrtc.max_whip_sessions = static_cast<std::size_t>(in_range(whip_max, 0, 10000, "whip-max-sessions"));
  c.chat.mic_link_max_guests = static_cast<int>(in_range(mic_guests, 1, chat::kMaxMicLinkGuests, "mic-link-max-guests"));
  if ((c.webrtc.udp_port_min == 0) != (c.webrtc.udp_port_max == 0) || c.webrtc.udp_port_min > c.webrtc.udp_port_max)
    throw std::runtime_error("--webrtc-udp-min and --webrtc-udp-max must both be 0 (any port) or a range min <= max");
  if (!c.webrtc.public_address.empty()) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(c.webrtc.public_address, ec);
    if (ec) throw std::runtime_error("--webrtc-public-ip must be an IP address");
  }
  if (!c.webrtc.stun_server.empty() && !c.webrtc.stun_server.starts_with("stun://"))
    throw std::runtime_error("--webrtc-stun must be stun://HOST:PORT");
  if (!c.webrtc.turn_server.empty() && !c.webrtc.turn_server.starts_with("turn://") &&
      !c.webrtc.turn_server.starts_with("turns://"))
    throw std::runtime_error("--webrtc-turn must be turn://USER:PASSWORD@HOST:PORT or turns://…");
  c.hls = !no_hls;
  c.record = !no_record;
  c.snapshots = !no_snapshots;
  if (c.chat.rate_per_second <= 0 || c.chat.rate_burst < 1)
    throw std::runtime_error("--chat-rate must be > 0 and --chat-burst >= 1");
  if (c.session.inbound_per_second <= 0 || c.session.inbound_burst < 1)
    throw std::runtime_error("--ws-inbound-rate must be > 0 and --ws-inbound-burst >= 1");
  if (!c.public_host.empty() && !valid_public_host(c.public_host))
    throw std::runtime_error("--public-host must be a host name or an IP address, without scheme, port or path");
  if (c.demo_stream && !c.demo) throw std::runtime_error("--demo-stream needs --demo");
  if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
  c.chat.banned_words = banned_file.empty() ? default_banned_words() : read_banned_words(banned_file);
  if (!c.redis.empty()) {
    std::string error;
    if (!redis::parse_url(c.redis, error)) throw std::runtime_error("--redis: " + error);
  }
  if (!c.webhook_ca_file.empty() && !std::ifstream(c.webhook_ca_file))
    throw std::runtime_error("--webhook-ca-file: cannot read " + c.webhook_ca_file);
  return c;
}

}  // namespace server
