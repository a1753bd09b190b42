#pragma once
// What the Store tests share: waiting for a callback with a deadline, sample records, and a
// listener that remembers what it heard.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "commerce/store.hpp"

namespace commerce::store_test {

using namespace std::chrono_literals;

inline constexpr std::int64_t kStart = 1'767'000'000'000;
inline constexpr auto kDeadline = 30s;  // generous: sanitizers and a shared two-core machine
inline const std::string kRoom = "r1";

// Starts an operation with a completion callback and waits for it, with a deadline. `probe`
// runs inside the callback, before the operation is reported done to the test.
template <class R>
R call(const std::function<void(std::function<void(R)>)>& start, std::function<void()> probe = {}) {
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  start([promise, probe = std::move(probe)](R r) {
    if (probe) probe();
    promise->set_value(std::move(r));
  });
  if (future.wait_for(kDeadline) != std::future_status::ready)
    throw std::runtime_error("no answer before the deadline");
  return future.get();
}

// Waits (with a deadline) until `check` holds.
template <class F>
bool eventually(F check, std::chrono::milliseconds deadline = kDeadline) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!check()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

inline Product rice(std::string sku = "rice-5kg", std::int64_t stock = 100) {
  Product p;
  p.sku = std::move(sku);
  p.title = "五常大米 5kg";
  p.price_cents = 5990;
  p.stock = stock;
  return p;
}

inline PurchaseRequest request(std::string key, std::string user = "u1", std::string room = kRoom) {
  PurchaseRequest r;
  r.room = std::move(room);
  r.user_id = std::move(user);
  r.nick = "小王";
  r.idempotency_key = std::move(key);
  r.sku = "rice-5kg";
  return r;
}

// Remembers every committed change and wakes a waiting test.
class RecordingListener final : public StoreListener {
 public:
  void on_committed(const RoomChanges& changes) override {
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(changes);
      for (const auto& p : changes.products) min_stock_ = std::min(min_stock_, p.stock);
    }
    cv_.notify_all();
  }
  // Waits for a change that `match` accepts and returns it.
  RoomChanges wait_for(const std::function<bool(const RoomChanges&)>& match) {
    std::unique_lock lock(mutex_);
    RoomChanges found;
    bool ok = cv_.wait_for(lock, kDeadline, [&] {
      for (const auto& c : seen_)
        if (match(c)) {
          found = c;
          return true;
        }
      return false;
    });
    if (!ok) throw std::runtime_error("no matching change before the deadline");
    return found;
  }
  std::vector<RoomChanges> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::int64_t min_stock() {
    std::lock_guard lock(mutex_);
    return min_stock_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<RoomChanges> seen_;
  std::int64_t min_stock_ = INT64_MAX;
};

}  // namespace commerce::store_test
