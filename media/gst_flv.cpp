#include "media/gst_flv.hpp"

#include "media/amf0.hpp"

namespace media {

namespace {

std::vector<std::uint8_t> bytes_of(GstBuffer* buffer) {
  std::vector<std::uint8_t> out(gst_buffer_get_size(buffer));
  gst_buffer_extract(buffer, 0, out.data(), out.size());
  return out;
}

std::vector<std::uint8_t> codec_data(GstCaps* caps) {
  const GstStructure* s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
  const GValue* v = s ? gst_structure_get_value(s, "codec_data") : nullptr;
  if (!v || !GST_VALUE_HOLDS_BUFFER(v)) return {};
  return bytes_of(gst_value_get_buffer(v));
}

// A tag body: `prefix` then the buffer's bytes.
std::vector<std::uint8_t> body_of(std::initializer_list<std::uint8_t> prefix, GstBuffer* buffer) {
  std::vector<std::uint8_t> body(prefix);
  std::size_t size = gst_buffer_get_size(buffer);
  body.resize(prefix.size() + size);
  gst_buffer_extract(buffer, 0, body.data() + prefix.size(), size);
  return body;
}

}  // namespace

SampleToFlv::SampleToFlv(Out out, std::string encoder, bool audio)
    : out_(std::move(out)), encoder_(std::move(encoder)), has_audio_(audio) {}

std::uint32_t SampleToFlv::timestamp_of(GstClockTime running_time) {
  if (!first_time_) first_time_ = running_time;
  if (running_time <= *first_time_) return 0;
  return static_cast<std::uint32_t>((running_time - *first_time_) / GST_MSECOND);
}

void SampleToFlv::send(flv::TagType type, std::uint32_t timestamp, std::vector<std::uint8_t> body) {
  Tag tag;
  tag.type = type;
  tag.timestamp = timestamp;
  tag.body = std::make_shared<const std::vector<std::uint8_t>>(std::move(body));
  tag.arrived = std::chrono::steady_clock::now();
  out_(std::move(tag));
}

// The stream's start, for muxers that decide their tracks on the first keyframe (LiveMedia's
// HLS and recording): metadata, the video header, the audio header, then the keyframe. When
// audio is expected but its configuration is not known yet (the first audio frame not encoded),
// the video waits for it, at most kHoldMs.
bool SampleToFlv::video(GstSample* sample) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  const GstSegment* segment = gst_sample_get_segment(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (!buffer || !segment || !caps) return false;
  GstClockTime pts = GST_BUFFER_PTS(buffer);
  GstClockTime dts = GST_BUFFER_DTS_IS_VALID(buffer) ? GST_BUFFER_DTS(buffer) : pts;
  if (!GST_CLOCK_TIME_IS_VALID(dts)) return false;
  const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
  std::lock_guard lock(mutex_);
  if (stopped_) return true;
  if (!keyframe_seen_ && !keyframe) return true;  // the stream starts on a keyframe, at time 0
  GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, dts);
  if (!GST_CLOCK_TIME_IS_VALID(rt)) return false;
  std::uint32_t ts = timestamp_of(rt);
  if (!keyframe_seen_) {
    keyframe_seen_ = true;
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    int width = 0, height = 0;
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    using amf0::Value;
    amf0::Properties props{{"width", Value::number(width)},
                           {"height", Value::number(height)},
                           {"videocodecid", Value::number(7)},
                           {"encoder", Value::string(encoder_)}};
    if (has_audio_) props.push_back({"audiocodecid", Value::number(10)});
    send(flv::TagType::script, ts, amf0::encode_all({Value::string("onMetaData"), Value::ecma_array(props)}));
    if (has_audio_ && audio_config_.empty()) holding_ = true;
    else if (has_audio_) send_audio_header(ts);
  }
  if (auto config = codec_data(caps); !config.empty() && config != video_config_) {
    video_config_ = config;
    std::vector<std::uint8_t> body{0x17, 0x00, 0x00, 0x00, 0x00};
    body.insert(body.end(), config.begin(), config.end());
    emit(flv::TagType::video, ts, std::move(body));
  }
  // AVC NALU: frame type and codec, packet type 1, composition time (PTS - DTS, 24 bits).
  std::uint32_t cts = GST_CLOCK_TIME_IS_VALID(pts) && pts > dts ? static_cast<std::uint32_t>((pts - dts) / GST_MSECOND) : 0;
  emit(flv::TagType::video, ts,
       body_of({static_cast<std::uint8_t>(keyframe ? 0x17 : 0x27), 0x01, static_cast<std::uint8_t>(cts >> 16),
                static_cast<std::uint8_t>(cts >> 8), static_cast<std::uint8_t>(cts)},
               buffer));
  ++frames_;
  if (holding_ && ts > kHoldMs) release_held();  // no audio after all: the video goes alone
  return true;
}

bool SampleToFlv::audio(GstSample* sample) {
  GstBuffer* buffer = gst_sample_get_buffer(sample);
  const GstSegment* segment = gst_sample_get_segment(sample);
  GstCaps* caps = gst_sample_get_caps(sample);
  if (!buffer || !segment || !caps || !GST_BUFFER_PTS_IS_VALID(buffer)) return false;
  std::lock_guard lock(mutex_);
  if (stopped_) return true;
  if (auto config = codec_data(caps); !config.empty() && config != audio_config_) {
    audio_config_ = config;
    audio_header_sent_ = false;
  }
  if (audio_config_.empty()) return false;
  if (!keyframe_seen_) return true;  // audio follows the first picture
  GstClockTime rt = gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer));
  if (!GST_CLOCK_TIME_IS_VALID(rt)) return false;
  std::uint32_t ts = timestamp_of(rt);
  if (!audio_header_sent_) send_audio_header(holding_ ? 0 : ts);
  if (holding_) release_held();
  send(flv::TagType::audio, ts, body_of({0xAF, 0x01}, buffer));
  return true;
}

// FLV sound format 10 (AAC), the 44 kHz, 16-bit and stereo flags (0xAF) as every AAC tag has: the
// real rate and channels are in the AudioSpecificConfig.
void SampleToFlv::send_audio_header(std::uint32_t timestamp) {
  std::vector<std::uint8_t> body{0xAF, 0x00};
  body.insert(body.end(), audio_config_.begin(), audio_config_.end());
  send(flv::TagType::audio, timestamp, std::move(body));
  audio_header_sent_ = true;
}

void SampleToFlv::emit(flv::TagType type, std::uint32_t timestamp, std::vector<std::uint8_t> body) {
  if (!holding_) return send(type, timestamp, std::move(body));
  Tag tag;
  tag.type = type;
  tag.timestamp = timestamp;
  tag.body = std::make_shared<const std::vector<std::uint8_t>>(std::move(body));
  tag.arrived = std::chrono::steady_clock::now();
  held_.push_back(std::move(tag));
}

void SampleToFlv::release_held() {
  holding_ = false;
  for (auto& tag : held_) out_(std::move(tag));
  held_.clear();
}

void SampleToFlv::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  held_.clear();
}

std::uint64_t SampleToFlv::frames() const {
  std::lock_guard lock(mutex_);
  return frames_;
}

}  // namespace media
