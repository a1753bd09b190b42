#include "media/sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

namespace media::sdp {

namespace {

// Splits on LF, dropping a CR before it (RFC 8866 says CRLF; some clients send LF alone).
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> words;
  while (!s.empty()) {
    auto start = s.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    s.remove_prefix(start);
    auto end = s.find(' ');
    words.push_back(s.substr(0, end));
    if (end == std::string_view::npos) break;
    s.remove_prefix(end);
  }
  return words;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Codec* codec_of(MediaSection& m, int pt) {
  for (auto& c : m.codecs)
    if (c.payload_type == pt) return &c;
  return nullptr;
}

// "a=NAME:REST" → REST when the line is that attribute.
std::optional<std::string_view> attribute(std::string_view line, std::string_view name) {
  if (!line.starts_with("a=")) return std::nullopt;
  line.remove_prefix(2);
  if (!line.starts_with(name)) return std::nullopt;
  line.remove_prefix(name.size());
  if (line.empty()) return line;
  if (line.front() != ':') return std::nullopt;
  return line.substr(1);
}

bool matches(std::uint8_t value,
             std::string_view pattern) {  // pattern: 8 of '0', '1', 'x', MSB first
  for (int bit = 0; bit < 8; ++bit) {
    char p = pattern[static_cast<std::size_t>(bit)];
    bool set = value & (0x80 >> bit);
    if ((p == '1' && !set) || (p == '0' && set)) return false;
  }
  return true;
}

}  // namespace

std::optional<Offer> parse_offer(std::string_view text, std::string& error) {
  auto lines = lines_of(text);
  if (lines.empty() || lines.front() != "v=0") {
    error = "not SDP: the body must start with v=0";
    return std::nullopt;
  }
  Offer offer;
  bool ice = false, fingerprint = false;
  MediaSection* current = nullptr;
  for (auto line : lines) {
    if (line.size() < 2 || line[1] != '=') {
      if (line.empty()) continue;
      error = "not SDP: a line is not TYPE=VALUE";
      return std::nullopt;
    }
    if (line.starts_with("m=")) {
      // m=<media> <port> <proto> <fmt> ...
      auto words = words_of(line.substr(2));
      auto port = words.size() >= 3 ? to_int(words[1].substr(0, words[1].find('/'))) : std::nullopt;
      if (words.size() < 4 || !port) {
        error = "malformed m= line";
        return std::nullopt;
      }
      MediaSection m;
      m.kind = std::string(words[0]);
      m.rejected = *port == 0;
      if (m.kind == "video" || m.kind == "audio") {
        for (std::size_t i = 3; i < words.size(); ++i) {
          auto pt = to_int(words[i]);
          if (!pt || *pt < 0 || *pt > 127) {
            error = "malformed m= line: payload types must be 0-127";
            return std::nullopt;
          }
          m.codecs.push_back(Codec{*pt, {}, 0, {}});
        }
      }
      offer.media.push_back(std::move(m));
      current = &offer.media.back();
      continue;
    }
    if (attribute(line, "ice-ufrag")) ice = true;
    if (attribute(line, "fingerprint")) fingerprint = true;
    if (!current) continue;
    if (auto v = attribute(line, "mid")) current->mid = std::string(*v);
    for (const char* dir : {"sendrecv", "sendonly", "recvonly", "inactive"})
      if (line.substr(2) == dir) current->direction = dir;
    if (auto v = attribute(line, "rtpmap")) {
      // a=rtpmap:<pt> <name>/<clock>[/<channels>]
      auto words = words_of(*v);
      auto pt = words.size() == 2 ? to_int(words[0]) : std::nullopt;
      auto slash = words.size() == 2 ? words[1].find('/') : std::string_view::npos;
      auto clock =
          slash != std::string_view::npos
              ? to_int(words[1].substr(slash + 1, words[1].find('/', slash + 1) - slash - 1))
              : std::nullopt;
      if (!pt || !clock) {
        error = "malformed a=rtpmap line";
        return std::nullopt;
      }
      if (Codec* c = codec_of(*current, *pt)) {
        c->name = upper(words[1].substr(0, slash));
        c->clock_rate = *clock;
      }
    }
    if (auto v = attribute(line, "fmtp")) {
      auto space = v->find(' ');
      auto pt = space != std::string_view::npos ? to_int(v->substr(0, space)) : std::nullopt;
      if (!pt) continue;  // tolerated: an fmtp we cannot read only loses that codec
      if (Codec* c = codec_of(*current, *pt)) c->fmtp = std::string(v->substr(space + 1));
    }
  }
  bool has_av = std::any_of(offer.media.begin(), offer.media.end(), [](const MediaSection& m) {
    return m.kind == "video" || m.kind == "audio";
  });
  if (!has_av) {
    error = "the offer has no audio or video section";
    return std::nullopt;
  }
  if (!ice || !fingerprint) {
    error = "not a WebRTC offer: ICE credentials (a=ice-ufrag) and a DTLS fingerprint are required";
    return std::nullopt;
  }
  return offer;
}

std::string fmtp_value(std::string_view fmtp, std::string_view key) {
  while (!fmtp.empty()) {
    auto end = fmtp.find(';');
    std::string_view item = fmtp.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    if (eq != std::string_view::npos && item.substr(0, eq) == key)
      return std::string(item.substr(eq + 1));
    if (end == std::string_view::npos) break;
    fmtp.remove_prefix(end + 1);
  }
  return {};
}

H264Profile h264_profile(std::uint8_t idc, std::uint8_t iop) {
  struct Rule {
    std::uint8_t idc;
    const char* iop;
    H264Profile profile;
  };
  static constexpr Rule rules[] = {
      {0x42, "x1xx0000", H264Profile::constrained_baseline},
      {0x4D, "1xxx0000", H264Profile::constrained_baseline},
      {0x58, "11xx0000", H264Profile::constrained_baseline},
      {0x42, "x0xx0000", H264Profile::baseline},
      {0x58, "10xx0000", H264Profile::baseline},
      {0x4D, "0x0x0000", H264Profile::main},
      {0x64, "00000000", H264Profile::high},
      {0x64, "00001100", H264Profile::constrained_high},
  };
  for (const auto& r : rules)
    if (r.idc == idc && matches(iop, r.iop)) return r.profile;
  return H264Profile::other;
}

std::optional<H264Profile> h264_profile(std::string_view id) {
  if (id.size() != 6) return std::nullopt;
  unsigned value = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + 6, value, 16);
  if (ec != std::errc{} || p != id.data() + 6) return std::nullopt;
  return h264_profile(static_cast<std::uint8_t>(value >> 16),
                      static_cast<std::uint8_t>(value >> 8));
}

std::string H264Format::profile_level_id() const {
  char out[8];
  std::snprintf(out, sizeof out, "%02x%02x%02x", profile_idc, profile_iop, level_idc);
  return out;
}

std::optional<H264Format> h264_format_of_flv(std::span<const std::uint8_t> body) {
  // [frame type | codec 7][packet type 0][composition time x3][configurationVersion
  // 1][profile][iop][level]...
  if (body.size() < 9 || (body[0] & 0x0F) != 7 || body[1] != 0 || body[5] != 1) return std::nullopt;
  return H264Format{body[6], body[7], body[8]};
}

const Codec* any_h264(const MediaSection& section) {
  for (const auto& c : section.codecs)
    if (c.name == "H264" && fmtp_value(c.fmtp, "packetization-mode") == "1") return &c;
  return nullptr;
}

const Codec* choose_h264(const MediaSection& section, H264Profile stream) {
  auto find = [&](H264Profile wanted) -> const Codec* {
    for (const auto& c : section.codecs) {
      if (c.name != "H264" || fmtp_value(c.fmtp, "packetization-mode") != "1") continue;
      // RFC 6184: no profile-level-id means 42000a (baseline).
      std::string id = fmtp_value(c.fmtp, "profile-level-id");
      if (h264_profile(id.empty() ? "42000a" : id) == wanted) return &c;
    }
    return nullptr;
  };
  if (const Codec* c = find(stream)) return c;
  // A baseline stream that uses none of baseline's extras decodes as constrained baseline; and a
  // constrained-baseline stream is valid baseline.
  if (stream == H264Profile::baseline) return find(H264Profile::constrained_baseline);
  if (stream == H264Profile::constrained_baseline) return find(H264Profile::baseline);
  return nullptr;
}

const Codec* choose_opus(const MediaSection& section) {
  for (const auto& c : section.codecs)
    if (c.name == "OPUS" && c.clock_rate == 48000) return &c;
  return nullptr;
}

std::string edit_answer(std::string_view answer, int h264_pt, std::string_view profile_level_id,
                        std::string_view public_address) {
  std::string out;
  out.reserve(answer.size() + 512);
  const std::string fmtp_prefix = "a=fmtp:" + std::to_string(h264_pt) + " ";
  for (auto line : lines_of(answer)) {
    if (line.empty()) continue;
    if (h264_pt >= 0 && line.starts_with(fmtp_prefix)) {
      std::string_view params = line.substr(fmtp_prefix.size());
      std::string kept;
      while (!params.empty()) {
        auto end = params.find(';');
        std::string_view item = params.substr(0, end);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        if (!item.empty() && !item.starts_with("profile-level-id=") &&
            !item.starts_with("packetization-mode=")) {
          kept += std::string(item) + ";";
        }
        if (end == std::string_view::npos) break;
        params.remove_prefix(end + 1);
      }
      out += fmtp_prefix + kept +
             "packetization-mode=1;profile-level-id=" + std::string(profile_level_id) + "\r\n";
      continue;
    }
    out += line;
    out += "\r\n";
    // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ host ...
    auto candidate = attribute(line, "candidate");
    if (public_address.empty() || !candidate) continue;
    auto words = words_of(*candidate);
    if (words.size() < 8 || words[6] != "typ" || words[7] != "host" || words[4] == public_address)
      continue;
    std::string twin = "a=candidate:" + std::string(words[0]) + "9";
    for (std::size_t i = 1; i < words.size(); ++i)
      twin += " " + std::string(i == 4 ? public_address : words[i]);
    out += twin + "\r\n";
  }
  return out;
}

}  // namespace media::sdp
