#pragma once
// The operator's view of a room as JSON: the dashboard stream's `snapshot` message and the body
// of GET /api/rooms/{id}/stats (docs/protocol.md gives the fields), and suggestions on their own.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <deque>
#include <string>

#include "analytics/room_analytics.hpp"
#include "analytics/suggestions.hpp"

namespace analytics {

[[nodiscard]] boost::json::object to_json(const Suggestion& s);
// [{"phrase":…,"comments":n}, …] for the signals' phrase counts.
[[nodiscard]] boost::json::array phrases_json(const std::vector<std::pair<std::string, std::int64_t>>& phrases);
// {"type":"snapshot","room":…, metrics, funnel, products, hot words, series, suggestions}.
[[nodiscard]] boost::json::object to_json(const std::string& room, const Snapshot& s,
                                          const std::deque<Suggestion>& suggestions);

}  // namespace analytics
