#include "media/rtmp_chunk_reader.hpp"

#include <algorithm>

namespace media::rtmp {
namespace {

std::uint32_t be24(const std::uint8_t* p) { return (p[0] << 16) | (p[1] << 8) | p[2]; }
std::uint32_t be32(const std::uint8_t* p) {
  return (static_cast<std::uint32_t>(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}
std::uint32_t le32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

constexpr std::size_t kHeaderBytes[4] = {11, 7, 3, 0};  // message header size by format
constexpr std::uint32_t kExtendedMarker = 0xFFFFFF;

}  // namespace

std::string_view to_string(ChunkError e) {
  switch (e) {
    case ChunkError::none: return "none";
    case ChunkError::bad_chunk_size: return "bad chunk size";
    case ChunkError::message_too_large: return "message too large";
    case ChunkError::no_previous_header: return "chunk without a previous header";
    case ChunkError::too_many_streams: return "too many chunk streams";
    case ChunkError::bad_control_message: return "bad protocol control message";
  }
  return "unknown";
}

ChunkReader::ChunkReader(std::uint32_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

ChunkError ChunkReader::feed(std::span<const std::uint8_t> bytes, std::vector<Message>& out) {
  if (error_ != ChunkError::none) return error_;
  bytes_received_ += bytes.size();
  if (pos_ > 0) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(pos_));
    pos_ = 0;
  }
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  while (error_ == ChunkError::none && parse_chunk(out)) {
  }
  return error_;
}

bool ChunkReader::parse_chunk(std::vector<Message>& out) {
  const std::uint8_t* p = pending_.data() + pos_;
  const std::size_t avail = pending_.size() - pos_;
  std::size_t n = 0;
  auto have = [&](std::size_t k) { return avail >= n + k; };

  // Basic header: format and chunk stream id (1-3 bytes).
  if (!have(1)) return false;
  const std::uint8_t fmt = p[0] >> 6;
  std::uint32_t csid = p[0] & 0x3F;
  n = 1;
  if (csid == 0) {
    if (!have(1)) return false;
    csid = 64 + p[1];
    n = 2;
  } else if (csid == 1) {
    if (!have(2)) return false;
    csid = 64 + p[1] + 256u * p[2];
    n = 3;
  }

  auto it = streams_.find(csid);
  if (it == streams_.end() || !it->second.has_header) {
    if (fmt != 0) return (error_ = ChunkError::no_previous_header), false;
    if (it == streams_.end() && streams_.size() >= kMaxChunkStreams)
      return (error_ = ChunkError::too_many_streams), false;
  }
  StreamState empty;
  const StreamState& prev = it == streams_.end() ? empty : it->second;

  // Message header: read into locals first; the state changes only once the chunk is whole.
  if (!have(kHeaderBytes[fmt])) return false;
  std::uint32_t field = 0, length = prev.length, stream_id = prev.stream_id;
  std::uint8_t type = prev.type;
  const std::uint8_t* h = p + n;
  if (fmt <= 2) field = be24(h);
  if (fmt <= 1) {
    length = be24(h + 3);
    type = h[6];
  }
  if (fmt == 0) stream_id = le32(h + 7);
  n += kHeaderBytes[fmt];
  const bool extended = fmt == 3 ? prev.extended : field == kExtendedMarker;
  if (extended) {
    if (!have(4)) return false;
    field = be32(p + n);
    n += 4;
  }
  if (length > max_message_bytes_) return (error_ = ChunkError::message_too_large), false;

  // A header other than format 3 starts a new message: a half-received one is dropped.
  const bool continuing = fmt == 3 && !prev.partial.empty();
  const std::size_t received = continuing ? prev.partial.size() : 0;
  const std::size_t take = std::min<std::size_t>(length - received, chunk_size_);
  if (!have(take)) return false;

  StreamState& s = it == streams_.end() ? streams_[csid] : it->second;
  if (!continuing) {
    s.partial.clear();
    if (fmt == 0) {
      s.timestamp = field;
      s.delta = field;  // a format 3 message after a format 0 one repeats it as a delta (spec 5.3.1.2.4)
    } else if (fmt == 3) {
      s.timestamp += s.delta;
    } else {
      s.delta = field;
      s.timestamp += field;
    }
  }
  s.length = length;
  s.type = type;
  s.stream_id = stream_id;
  s.extended = extended;
  s.has_header = true;
  s.partial.insert(s.partial.end(), p + n, p + n + take);
  pos_ += n + take;

  if (s.partial.size() < length) return true;
  Message m{s.type, s.timestamp, s.stream_id, csid, std::move(s.partial)};
  s.partial = {};
  if (m.type == static_cast<std::uint8_t>(MessageType::set_chunk_size) ||
      m.type == static_cast<std::uint8_t>(MessageType::abort)) {
    error_ = apply_control(m);
    return error_ == ChunkError::none;
  }
  out.push_back(std::move(m));
  return true;
}

ChunkError ChunkReader::apply_control(const Message& m) {
  if (m.payload.size() < 4) return ChunkError::bad_control_message;
  std::uint32_t value = be32(m.payload.data());
  if (m.type == static_cast<std::uint8_t>(MessageType::set_chunk_size)) {
    if (value == 0 || value > kMaxChunkSize) return ChunkError::bad_chunk_size;  // top bit set included
    chunk_size_ = value;
    return ChunkError::none;
  }
  if (auto it = streams_.find(value); it != streams_.end()) it->second.partial.clear();  // abort
  return ChunkError::none;
}

}  // namespace media::rtmp
