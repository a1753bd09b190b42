#include "media/stream_hubs.hpp"

namespace media {

std::shared_ptr<StreamHub> StreamHubs::get_or_create(const std::string& room) {
  std::lock_guard lock(mutex_);
  auto& hub = hubs_[room];
  if (!hub) hub = std::make_shared<StreamHub>(executor_, room, outputs_, on_live_);
  return hub;
}

std::shared_ptr<StreamHub> StreamHubs::find(const std::string& room) const {
  std::lock_guard lock(mutex_);
  auto it = hubs_.find(room);
  return it == hubs_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<StreamHub>> StreamHubs::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<StreamHub>> out;
  out.reserve(hubs_.size());
  for (const auto& [room, hub] : hubs_) out.push_back(hub);
  return out;
}

}  // namespace media
