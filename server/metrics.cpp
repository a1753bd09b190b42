#include "server/metrics.hpp"

#include <fmt/format.h>

#include <optional>
#include <utility>

namespace server {
namespace {

void metric(std::string& out, std::string_view name, std::string_view type, std::string_view help, auto value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

// Prometheus label values escape backslash, double quote and newline.
std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

// A gauge family with one sample per room; `sample` returns {room, value} or nullopt to skip.
template <class Items, class Sample>
void per_room(std::string& out, std::string_view name, std::string_view help, const Items& items, Sample sample) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} gauge\n", name, help);
  for (const auto& item : items)
    if (auto s = sample(item)) fmt::format_to(std::back_inserter(out), "{}{{room=\"{}\"}} {}\n", name, label_value(s->first), s->second);
}

}  // namespace

std::string render_prometheus(const ServerMetrics& s, const chat::ChatStats& c, const std::vector<RoomView>& rooms,
                              const MediaView& m) {
  std::string out;
  out.reserve(4096 + rooms.size() * 96);
  auto load = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  metric(out, "livecart_connections", "gauge", "Open client connections (HTTP and WebSocket).",
         load(s.http_connections) + load(s.ws_connections));
  metric(out, "livecart_ws_connections", "gauge", "Open WebSocket sessions.", load(s.ws_connections));
  metric(out, "livecart_connections_accepted_total", "counter", "TCP connections accepted.", load(s.connections_accepted));
  metric(out, "livecart_http_requests_total", "counter", "HTTP requests handled.", load(s.http_requests));
  metric(out, "livecart_http_bad_requests_total", "counter", "HTTP requests refused as malformed or too large.", load(s.http_bad_requests));
  metric(out, "livecart_ws_frames_in_total", "counter", "WebSocket frames received.", load(s.ws_frames_in));
  metric(out, "livecart_ws_frames_out_total", "counter", "WebSocket frames sent.", load(s.ws_frames_out));
  metric(out, "livecart_ws_bytes_out_total", "counter", "WebSocket payload bytes sent.", load(s.ws_bytes_out));
  metric(out, "livecart_ws_frames_dropped_total", "counter", "Frames skipped for slow consumers.", load(s.ws_frames_dropped));
  metric(out, "livecart_ws_slow_consumer_disconnects_total", "counter", "Consumers disconnected for stalling.", load(s.ws_slow_disconnects));
  metric(out, "livecart_ws_rejected_frames_total", "counter", "Client frames answered with an error.", load(s.ws_rejected_frames));
  metric(out, "livecart_ws_protocol_closes_total", "counter", "Connections closed for protocol violations.", load(s.ws_protocol_closes));
  metric(out, "livecart_chat_messages_total", "counter", "Chat messages that passed moderation.", load(c.messages));
  metric(out, "livecart_chat_likes_total", "counter", "Likes received.", load(c.likes));
  metric(out, "livecart_chat_batches_total", "counter", "Batches built by rooms.", load(c.batches));
  metric(out, "livecart_chat_batch_deliveries_total", "counter", "Batch frames handed to sessions.", load(c.deliveries));

  out += "# HELP livecart_chat_rejected_total Chat messages refused by moderation.\n"
         "# TYPE livecart_chat_rejected_total counter\n";
  for (std::size_t i = 1; i < chat::kRejectionCount; ++i)
    fmt::format_to(std::back_inserter(out), "livecart_chat_rejected_total{{reason=\"{}\"}} {}\n",
                   chat::to_code(static_cast<chat::Rejection>(i)), load(c.rejected[i]));

  std::size_t open = 0;
  for (const auto& r : rooms) open += !r.closed();
  metric(out, "livecart_rooms", "gauge", "Open rooms.", open);
  per_room(out, "livecart_room_viewers", "Connections in each open room.", rooms,
           [](const RoomView& r) -> std::optional<std::pair<std::string_view, std::size_t>> {
             if (r.closed()) return std::nullopt;
             return std::pair<std::string_view, std::size_t>{r.record.id, r.counters.online};
           });

  metric(out, "livecart_rtmp_connections", "gauge", "Open RTMP connections.", load(m.rtmp.connections));
  metric(out, "livecart_rtmp_publishers", "gauge", "RTMP publishers live.", load(m.rtmp.publishers));
  metric(out, "livecart_rtmp_players", "gauge", "RTMP players watching.", load(m.rtmp.players));
  metric(out, "livecart_rtmp_tags_skipped_total", "counter", "Tags skipped by lagging RTMP players.",
         load(m.rtmp.tags_skipped));
  metric(out, "livecart_rtmp_refused_total", "counter", "Publishers refused (room, key, busy).", load(m.rtmp.refused));
  metric(out, "livecart_rtmp_protocol_errors_total", "counter", "RTMP connections closed for protocol errors.",
         load(m.rtmp.protocol_errors));
  metric(out, "livecart_rtmp_bytes_in_total", "counter", "Bytes received from RTMP clients.", load(m.rtmp.bytes_in));
  metric(out, "livecart_flv_viewers", "gauge", "Open HTTP-FLV viewers.", load(s.flv_viewers));
  metric(out, "livecart_flv_bytes_out_total", "counter", "HTTP-FLV bytes sent.", load(s.flv_bytes_out));
  metric(out, "livecart_flv_tags_skipped_total", "counter", "Tags skipped by lagging HTTP-FLV viewers.",
         load(s.flv_tags_skipped));
  out += "# HELP livecart_relay_delay_seconds From a tag's arrival from the publisher to its write to a viewer.\n"
         "# TYPE livecart_relay_delay_seconds histogram\n";
  for (const auto& [protocol, h] : {std::pair<std::string_view, const media::DelayHistogram*>{"flv", &s.flv_delay},
                                    std::pair<std::string_view, const media::DelayHistogram*>{"rtmp", &m.rtmp.play_delay}}) {
    const auto& bounds = media::DelayHistogram::kBoundsUs;
    for (std::size_t i = 0; i < bounds.size(); ++i)
      fmt::format_to(std::back_inserter(out), "livecart_relay_delay_seconds_bucket{{protocol=\"{}\",le=\"{}\"}} {}\n",
                     protocol, static_cast<double>(bounds[i]) / 1e6, h->cumulative(i));
    fmt::format_to(std::back_inserter(out), "livecart_relay_delay_seconds_bucket{{protocol=\"{}\",le=\"+Inf\"}} {}\n",
                   protocol, h->cumulative(bounds.size()));
    fmt::format_to(std::back_inserter(out), "livecart_relay_delay_seconds_sum{{protocol=\"{}\"}} {}\n", protocol,
                   h->sum_seconds());
    fmt::format_to(std::back_inserter(out), "livecart_relay_delay_seconds_count{{protocol=\"{}\"}} {}\n", protocol,
                   h->cumulative(bounds.size()));
  }
  if (const auto* l = m.live) {
    metric(out, "livecart_media_pipelines", "gauge", "GStreamer pipelines of live rooms (HLS, recording, snapshots).",
           load(l->running));
    metric(out, "livecart_media_pipelines_started_total", "counter", "GStreamer pipelines started.", load(l->started));
    metric(out, "livecart_media_pipeline_errors_total", "counter", "GStreamer pipelines that failed.", load(l->errors));
    metric(out, "livecart_recordings_total", "counter", "MP4 recordings finished.", load(l->recordings));
    metric(out, "livecart_snapshots_total", "counter", "JPEG snapshots taken.", load(l->snapshots));
    metric(out, "livecart_media_skipped_bytes_total", "counter",
           "Stream bytes the GStreamer pipelines skipped because they fell behind.", load(l->skipped_bytes));
  }
  using HubSample = std::optional<std::pair<std::string_view, std::size_t>>;
  per_room(out, "livecart_stream_live", "Whether each room's stream is live.", m.hubs,
           [](const auto& hub) -> HubSample { return std::pair<std::string_view, std::size_t>{hub->room(), hub->live()}; });
  per_room(out, "livecart_stream_viewers", "Stream viewers of each room.", m.hubs,
           [](const auto& hub) -> HubSample { return std::pair<std::string_view, std::size_t>{hub->room(), hub->viewers()}; });
  return out;
}

void append_metric(std::string& out, const char* name, const char* type, const char* help, std::uint64_t value) {
  metric(out, name, type, help, value);
}

}  // namespace server
