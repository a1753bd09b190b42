#pragma once
// Every open client session, so that shutdown can close them all and know when they are gone.
// Thread-safe; sessions register weak handles and remove themselves when destroyed.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace server {

class Closable {
 public:
  virtual ~Closable() = default;
  // Ends the session soon (WebSocket: close frame "going away"); safe from any thread.
  virtual void shut_down() = 0;
};

class SessionTracker {
 public:
  // 0 when the tracker is shutting down: the caller must close its session.
  [[nodiscard]] std::uint64_t add(std::weak_ptr<Closable> session);
  void remove(std::uint64_t id);
  // Closes every session; `on_empty` runs once the last one is gone (maybe at once).
  void shut_down_all(std::function<void()> on_empty);
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::weak_ptr<Closable>> sessions_;
  std::uint64_t next_id_ = 0;
  bool stopping_ = false;
  std::function<void()> on_empty_;
};

}  // namespace server
