#pragma once
// Server counters (atomics, written from any thread) and their Prometheus text rendering.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "chat/chat_stats.hpp"
#include "media/delay_histogram.hpp"
#include "media/live_media.hpp"
#include "media/rtmp_session.hpp"
#include "media/stream_hubs.hpp"
#include "server/room_directory.hpp"

namespace server {

struct ServerMetrics {
  std::atomic<std::int64_t> http_connections{0};       // open HTTP connections (not upgraded)
  std::atomic<std::int64_t> ws_connections{0};         // open WebSocket sessions
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> http_bad_requests{0};     // unparseable or over a limit
  std::atomic<std::uint64_t> ws_frames_in{0};
  std::atomic<std::uint64_t> ws_frames_out{0};
  std::atomic<std::uint64_t> ws_bytes_out{0};
  std::atomic<std::uint64_t> ws_frames_dropped{0};     // skipped for a slow consumer
  std::atomic<std::uint64_t> ws_slow_disconnects{0};   // consumers dropped for being stalled
  std::atomic<std::uint64_t> ws_rejected_frames{0};    // client frames answered with an error
  std::atomic<std::uint64_t> ws_protocol_closes{0};    // closed for oversize, bad UTF-8, bad framing
  std::atomic<std::int64_t> flv_viewers{0};            // open HTTP-FLV responses
  std::atomic<std::uint64_t> flv_bytes_out{0};
  std::atomic<std::uint64_t> flv_tags_skipped{0};      // tags a lagging viewer skipped to catch up
  media::DelayHistogram flv_delay;                     // tag arrival to its HTTP-FLV write completing
};

struct MediaView {
  const media::RtmpStats& rtmp;
  std::vector<std::shared_ptr<media::StreamHub>> hubs;
  const media::LiveMediaStats* live = nullptr;  // null when HLS, recording and snapshots are off
};

// Appends one unlabelled sample with its HELP and TYPE lines ("counter" or "gauge").
void append_metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value);

[[nodiscard]] std::string render_prometheus(const ServerMetrics& server, const chat::ChatStats& chat,
                                            const std::vector<RoomView>& rooms, const MediaView& media);

}  // namespace server
