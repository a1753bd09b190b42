#include "server/room_json.hpp"

namespace server {

boost::json::object room_json(const RoomView& v) {
  boost::json::object o{{"id", v.record.id},
                        {"title", v.record.title},
                        {"status", v.closed() ? "closed" : "open"},
                        {"created_at", v.record.created_at},
                        {"online", v.counters.online},
                        {"live", v.live}};
  if (v.closed()) o["closed_at"] = v.record.closed_at;
  return o;
}

}  // namespace server
