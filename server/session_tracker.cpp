#include "server/session_tracker.hpp"

#include <vector>

namespace server {

std::uint64_t SessionTracker::add(std::weak_ptr<Closable> session) {
  std::lock_guard lock(mutex_);
  if (stopping_) return 0;
  sessions_.emplace(++next_id_, std::move(session));
  return next_id_;
}

void SessionTracker::remove(std::uint64_t id) {
  std::function<void()> done;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.erase(id) == 0 || !stopping_ || !sessions_.empty()) return;
    done = std::move(on_empty_);
    on_empty_ = nullptr;
  }
  if (done) done();
}

void SessionTracker::shut_down_all(std::function<void()> on_empty) {
  std::vector<std::shared_ptr<Closable>> open;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, weak] : sessions_)
      if (auto s = weak.lock()) open.push_back(std::move(s));
    if (sessions_.empty()) {
      on_empty_ = nullptr;
    } else {
      on_empty_ = std::move(on_empty);
      on_empty = nullptr;
    }
  }
  for (auto& s : open) s->shut_down();
  open.clear();  // a session may be destroyed here and call remove()
  if (on_empty) on_empty();
}

std::size_t SessionTracker::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace server
