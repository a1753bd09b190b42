#pragma once
// What the WebRTC paths need to know of an SDP offer and to change in an answer, as text with no
// I/O and no GStreamer: the media sections of an offer with their codecs, the H.264 profile rules
// of RFC 6184 (as libwebrtc applies them), the choice of a payload type for a stream, and the
// edits made to an answer (profile-level-id of the stream, NAT 1:1 candidates).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace media::sdp {

struct Codec {
  int payload_type = -1;
  std::string name;  // upper case: H264, OPUS, VP8, RTX...
  int clock_rate = 0;
  std::string fmtp;  // the a=fmtp parameters as written, e.g.
                     // "level-asymmetry-allowed=1;packetization-mode=1"
};

struct MediaSection {
  std::string kind;       // "video", "audio", "application"
  bool rejected = false;  // port 0
  std::string mid;
  std::string direction = "sendrecv";  // sendrecv | sendonly | recvonly | inactive
  std::vector<Codec> codecs;           // in the offer's order of preference
};

struct Offer {
  std::vector<MediaSection> media;
};

// A WebRTC offer's media sections. nullopt with `error` set when the text is not SDP (no "v=0"
// first, a malformed m= or rtpmap line) or not WebRTC (no ICE credentials, no DTLS fingerprint,
// no audio or video section).
[[nodiscard]] std::optional<Offer> parse_offer(std::string_view text, std::string& error);

// The value of `key` in an fmtp parameter list ("a=1;b=2"), or empty.
[[nodiscard]] std::string fmtp_value(std::string_view fmtp, std::string_view key);

enum class H264Profile { constrained_baseline, baseline, main, constrained_high, high, other };

// The profile named by profile_idc and the constraint-flag byte (profile-iop), per RFC 6184's
// table as libwebrtc reads it (e.g. 42e0 and 42c0 are both constrained baseline).
[[nodiscard]] H264Profile h264_profile(std::uint8_t profile_idc, std::uint8_t profile_iop);
// The profile of a profile-level-id ("42e01f"); nullopt when malformed.
[[nodiscard]] std::optional<H264Profile> h264_profile(std::string_view profile_level_id);

// What a stream's AVCDecoderConfigurationRecord says: profile_idc, constraint flags and level.
struct H264Format {
  std::uint8_t profile_idc = 0;
  std::uint8_t profile_iop = 0;
  std::uint8_t level_idc = 0;
  [[nodiscard]] std::string profile_level_id() const;  // six lower-case hex digits
};
// From an FLV AVC sequence header tag body (codec 7, packet type 0); nullopt when it is not one.
[[nodiscard]] std::optional<H264Format> h264_format_of_flv(std::span<const std::uint8_t> body);

// The offer's H.264 payload type (packetization-mode=1) that best fits a stream of `stream`
// profile: the same profile, else (a baseline stream) constrained baseline or the other way
// round; nullptr when none fits (the caller may still use any_h264).
[[nodiscard]] const Codec* choose_h264(const MediaSection& section, H264Profile stream);
// The offer's first H.264 payload type with packetization-mode=1, whatever its profile.
[[nodiscard]] const Codec* any_h264(const MediaSection& section);
[[nodiscard]] const Codec* choose_opus(const MediaSection& section);

// An answer as sent: `h264_payload_type`'s fmtp carries the stream's profile-level-id (with
// packetization-mode=1), and when `public_address` is set every host candidate gets a twin on
// that address and the same port (NAT 1:1: the server's own address is not reachable from outside).
[[nodiscard]] std::string edit_answer(std::string_view answer, int h264_payload_type,
                                      std::string_view profile_level_id,
                                      std::string_view public_address);

}  // namespace media::sdp
