#pragma once
// The public JSON form of a room, shared by the HTTP API's answers.
#include <boost/json/object.hpp>

#include "server/room_directory.hpp"

namespace server {

[[nodiscard]] boost::json::object room_json(const RoomView& v);

}  // namespace server
