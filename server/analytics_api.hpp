#pragma once
// The room's analytics over HTTP: GET /api/rooms/{id}/stats (the dashboard's snapshot) and
// POST /api/rooms/{id}/suggestions (an operator's own model adds a suggestion). It parses,
// validates and authorises; the AnalyticsHub holds the figures.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/access.hpp"
#include "server/analytics_hub.hpp"
#include "server/http_types.hpp"
#include "server/room_directory.hpp"
#include "server/target.hpp"

namespace server {

class AnalyticsApi {
 public:
  AnalyticsApi(const RoomDirectory& rooms, const Access& access, AnalyticsHub& hub);

  // Answers the analytics routes; false when the path is not one of them (nothing answered).
  bool handle(const Request& req, const Target& target, const Respond& respond) const;

  // Cluster mode, set before serving: a suggestion posted here is also raised on the other
  // nodes, whose dashboards show it too. `send(room, payload)` publishes it; receive() takes
  // another node's (from any thread) and answers false when it cannot read it.
  using Send = std::function<void(const std::string& room, std::string payload)>;
  void set_share(std::string node, Send send);
  bool receive(const std::string& room, std::string_view payload) const;

  static constexpr std::size_t kMaxMessageChars = 500;
  static constexpr std::size_t kMaxSourceBytes = 40;
  static constexpr std::size_t kMaxKeyBytes = 100;
  static constexpr std::size_t kMaxEvidenceBytes = 4096;
  static constexpr std::int64_t kMinTtlSeconds = 10;
  static constexpr std::int64_t kMaxTtlSeconds = 3600;
  static constexpr std::int64_t kDefaultTtlSeconds = 120;

 private:
  void stats(const Request& req, const std::string& room, const Respond& respond) const;
  void suggest(const Request& req, const std::string& room, const Respond& respond) const;

  const RoomDirectory& rooms_;
  const Access& access_;
  AnalyticsHub& hub_;
  std::string node_;
  Send send_;
};

}  // namespace server
