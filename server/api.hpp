#pragma once
// The HTTP API and pages: one routing table from method and path to a handler.
// Handlers run on the calling session's executor; slow work (disk) completes later via Respond.
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <vector>

#include "chat/chat_stats.hpp"
#include "server/access.hpp"
#include "server/analytics_api.hpp"
#include "server/commerce_api.hpp"
#include "server/http_types.hpp"
#include "server/media_files.hpp"
#include "server/metrics.hpp"
#include "server/room_directory.hpp"
#include "server/static_files.hpp"
#include "server/target.hpp"

namespace server {

// Where encoders publish, for the room keys answer: the RTMP port actually bound (also when
// --rtmp-port is 0) and the host name they reach this node by, when one is configured.
struct IngestAddress {
  std::uint16_t rtmp_port = 0;
  std::string public_host;  // empty: not known
  // "rtmp://HOST:PORT/live" (the server field of OBS), or "" without a public host.
  [[nodiscard]] std::string rtmp_url() const;
};

class Api {
 public:
  Api(RoomDirectory& rooms, const Access& access, const ServerMetrics& metrics, const chat::ChatStats& chat_stats,
      const media::RtmpStats& rtmp_stats, const media::StreamHubs& streams, const StaticFiles& files, const MediaFiles& media_files,
      const CommerceApi& shop, const AnalyticsApi& analytics, IngestAddress ingest);

  void handle(Request req, Respond respond) const;
  // More Prometheus text appended to /metrics (modules wired in by run_app).
  void add_metrics(std::function<std::string()> section) { metric_sections_.push_back(std::move(section)); }
  // /healthz's body beside "status": each check gives its fields and whether it is healthy
  // (any unhealthy one makes the status "degraded"; the answer stays 200: the node serves).
  using HealthCheck = std::function<bool(boost::json::object&)>;
  void add_health(HealthCheck check) { health_checks_.push_back(std::move(check)); }
  // More routes, asked before the table (modules wired in by run_app): answers and returns true
  // for its own paths, false for others.
  using Routes = std::function<bool(const Request&, const Target&, const Respond&)>;
  void add_routes(Routes routes) { route_sets_.push_back(std::move(routes)); }

 private:
  struct Call {
    const Request& req;
    const Target& target;
    std::vector<std::string> params;  // the ":" segments of the route, in order
  };
  using Handler = void (Api::*)(Call&, Respond&) const;
  struct Route {
    http::verb method;
    std::vector<std::string> pattern;  // e.g. {"api", "rooms", ":", "close"}
    Handler handler;
  };

  void healthz(Call& c, Respond& r) const;
  void metrics(Call& c, Respond& r) const;
  void list_rooms(Call& c, Respond& r) const;
  void create_room(Call& c, Respond& r) const;
  void get_room(Call& c, Respond& r) const;
  void close_room(Call& c, Respond& r) const;
  void room_keys(Call& c, Respond& r) const;
  void rotate_stream_key(Call& c, Respond& r) const;
  void recordings(Call& c, Respond& r) const;
  void banned_words(Call& c, Respond& r) const;
  void set_banned_words(Call& c, Respond& r) const;
  void bans(Call& c, Respond& r) const;
  void unban(Call& c, Respond& r) const;

  static constexpr std::size_t kMaxRoomBannedWords = 500;
  static constexpr std::size_t kMaxBannedWordChars = 20;

  [[nodiscard]] static std::optional<std::string> page_file(const std::vector<std::string>& segments);
  // Answers 401/403 itself and returns nullopt when the caller may not act on `room`.
  std::optional<Principal> authorize(const Call& c, Respond& r, std::string_view room,
                                     std::initializer_list<chat::Role> roles) const;

  RoomDirectory& rooms_;
  const Access& access_;
  const ServerMetrics& metrics_;
  const chat::ChatStats& chat_stats_;
  const media::RtmpStats& rtmp_stats_;
  const media::StreamHubs& streams_;
  const StaticFiles& files_;
  const MediaFiles& media_files_;
  const CommerceApi& shop_;
  const AnalyticsApi& analytics_;
  IngestAddress ingest_;
  std::vector<Route> routes_;
  std::vector<std::function<std::string()>> metric_sections_;
  std::vector<HealthCheck> health_checks_;
  std::vector<Routes> route_sets_;
};

}  // namespace server
