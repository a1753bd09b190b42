#pragma once
// A Redis pub/sub connection of its own thread: it subscribes to channel patterns and hands each
// message to `on_message(channel, payload)` on that thread (post it to your executor). A lost
// connection is made again with backoff and subscribed again; what was published meanwhile is
// not seen (pub/sub keeps nothing).
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis/client.hpp"

namespace redis {

class Subscriber {
 public:
  using OnMessage = std::function<void(const std::string& channel, std::string payload)>;
  // `on_state(up)`: subscribed (true) or the connection went down (false), on the thread.
  Subscriber(Url url, Options options, std::vector<std::string> patterns, OnMessage on_message,
             std::function<void(bool up)> on_state = {});
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  [[nodiscard]] bool up() const { return up_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t messages() const { return messages_.load(std::memory_order_relaxed); }

 private:
  void run();

  const Url url_;
  const Options options_;
  const std::vector<std::string> patterns_;
  OnMessage on_message_;
  std::function<void(bool)> on_state_;
  std::atomic<bool> up_{false};
  std::atomic<std::uint64_t> messages_{0};

  std::mutex mutex_;  // guards fd_ against the destructor's shutdown()
  int fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace redis
