#pragma once
// How this node's WebRTC peers (WHEP viewers, WHIP publishers and mic-link guests) reach
// browsers: ICE servers, the UDP ports ICE may use, the address a NAT maps to this host, and
// the limits of the WHEP path. Filled once from the command line (server/config).
#include <chrono>
#include <cstdint>
#include <string>

namespace media {

struct WebRtcConfig {
  // Added as a host candidate twin of every local one (same port): the public address of a
  // server behind a 1:1 NAT (a cloud VM's elastic IP). Empty: host candidates only.
  std::string public_address;
  std::uint16_t udp_port_min = 0;  // 0 and 0: any port the OS gives
  std::uint16_t udp_port_max = 0;
  std::string stun_server;              // stun://host:port, used by the server and told to browsers
  std::string turn_server;              // turn(s)://user:password@host:port, likewise
  std::size_t max_whep_sessions = 200;  // WHEP viewers at once on this node
  std::chrono::milliseconds answer_timeout{
      10000};  // offer in to answer out (ICE gathering included)
  std::chrono::milliseconds connect_timeout{20000};  // answer out to ICE connected
  unsigned opus_bitrate = 64000;                     // AAC turned into Opus at this rate
  std::size_t max_whip_sessions = 20;                // WHIP publishers at once on this node
  unsigned aac_bitrate = 128000;                     // a WHIP publisher's Opus turned into AAC
  // A WHIP publisher is asked for a keyframe this often (browsers send one only when asked; HLS
  // segments and a joining viewer's start need one every second or so).
  std::chrono::milliseconds keyframe_interval{1000};
  // A WHIP publisher may take over a room whose publisher has sent nothing for this long.
  std::chrono::milliseconds stale_after{3000};
};

// Why a WHEP or WHIP offer was not answered.
enum class WebRtcError {
  none,
  bad_offer,          // not a WebRTC SDP offer (WHIP: or it sends no video)
  no_common_codec,    // no H.264 with packetization-mode=1 to receive (WHEP) or send (WHIP)
  too_many_sessions,  // max_whep_sessions / max_whip_sessions reached
  offline,            // WHEP: the stream ended before the answer
  busy,               // WHIP: another encoder is publishing to the room
  failed,             // webrtcbin could not answer in time
};

}  // namespace media
