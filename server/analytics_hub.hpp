#pragma once
// Feeds each room's analytics (analytics::RoomAnalytics) from the rest of the server — the
// room's chat (as its chat::RoomObserver), impression and click frames from viewers'
// WebSockets, committed orders and catalogue changes (as a commerce::StoreListener) — and
// every second sends the operator dashboards their snapshot. Every few seconds it runs the
// suggestion rules; a new suggestion goes to the dashboards and to the room's staff
// connections at once. Each room's analytics lives on its own strand; the hub's map of rooms is
// guarded by a mutex. Any member function may be called from any thread; replies and
// `done` callbacks run on the room's strand.
#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "analytics/room_analytics.hpp"
#include "analytics/suggestions.hpp"
#include "chat/member.hpp"
#include "chat/room_observer.hpp"
#include "commerce/store.hpp"
#include "server/room_directory.hpp"
#include "server/ws_message.hpp"

namespace server {

struct AnalyticsSettings {
  std::chrono::milliseconds snapshot_every{1000};
  std::chrono::milliseconds rules_every{5000};
  std::int64_t suggestion_ttl_ms = 120'000;
  std::int64_t suggestion_cooldown_ms = 300'000;
  analytics::AnalyticsConfig room;
  analytics::RuleConfig rules;
  // jieba's dictionary; loaded on a thread of its own at start (a second or two), comments
  // before then are counted but their words are not.
  std::string dictionary_path = analytics::Dictionary::kDebianPath;
};

class AnalyticsHub : public commerce::StoreListener {
 public:
  AnalyticsHub(boost::asio::any_io_executor io, const RoomDirectory& rooms, commerce::Store& store,
               AnalyticsSettings settings = {});
  ~AnalyticsHub() override;
  AnalyticsHub(const AnalyticsHub&) = delete;
  AnalyticsHub& operator=(const AnalyticsHub&) = delete;

  // The observer for room `id`'s chat (RoomDirectory asks once per room it makes).
  std::shared_ptr<chat::RoomObserver> observe(const std::string& room);
  // Cluster mode, set before start() and before any room is observed: each room's audience
  // events (enter, leave, impressions, clicks, mic-link guests) go to the other nodes through
  // `send` once a second, and theirs come in through receive(), so that every node's analytics
  // counts the whole room (see analytics::AudienceRelay). Comments and likes reach it through
  // the rooms' chat relay, orders through the store's commits.
  using Send = std::function<void(const std::string& room, std::string payload)>;
  void set_relay(std::string node, Send send);
  // Another node's batch for `room`, from any thread. False: `payload` is not one (the caller
  // counts it as a bad message).
  bool receive(const std::string& room, std::string_view payload);

  void start();  // the snapshot timer and the dictionary load
  void stop();   // cancels the timer (shutdown)

  using Reply = std::function<void(std::string frame)>;
  // {"type":"impression"|"click","sku":…} from a room's WebSocket. False when the text is not
  // one of them (the caller reports it). Taken events get no answer; a malformed or impossible
  // one gets an error frame.
  bool handle_ws(const WsMessage& message, const chat::Identity& who, const std::string& room, Reply reply);

  void on_committed(const commerce::RoomChanges& changes) override;

  // An operator dashboard of `room`: it gets a snapshot now and every second, and suggestions
  // as they are raised, until it is gone.
  void subscribe(const std::string& room, std::weak_ptr<chat::Member> dashboard);
  // The room's snapshot as JSON (the dashboard's `snapshot` message); nullopt: unknown room.
  void stats(const std::string& room, std::function<void(std::optional<std::string>)> done);
  // A suggestion from outside (an operator's own model). `done` gets the suggestion as JSON and
  // whether it is new (false: it refreshed the active one with the same key), or nullopt when
  // the room is unknown or the key is cooling down.
  struct Posted {
    std::string json;
    bool created = false;
  };
  void suggest(const std::string& room, analytics::Suggestion s, std::int64_t ttl_ms,
               std::function<void(std::optional<Posted>)> done);

  // For /metrics.
  [[nodiscard]] std::uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t dropped(analytics::Drop d) const {
    return dropped_[static_cast<std::size_t>(d)].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t suggestions_raised() const { return raised_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t dictionary_words() const { return dictionary_words_.load(std::memory_order_relaxed); }

  struct RoomState;  // one room's analytics, board and dashboards (on its strand)

 private:
  friend class HubObserver;
  std::shared_ptr<RoomState> find(const std::string& room) const;
  // Something that happened here; in cluster mode the audience relay tells the other nodes of it.
  void record(const std::shared_ptr<RoomState>& r, analytics::Event e);
  // Records `e` in the room's analytics (on its strand) and counts it for /metrics.
  analytics::Drop take(RoomState& r, const analytics::Event& e, std::int64_t now);
  // take() for what happened on this node: in cluster mode, once taken, the audience relay
  // tells the other nodes of it.
  analytics::Drop take_here(RoomState& r, const analytics::Event& e, std::int64_t now);
  void load_catalog(const std::shared_ptr<RoomState>& r);
  void schedule();
  void tick(const std::shared_ptr<RoomState>& r);
  void raise(RoomState& r, analytics::Suggestion s, std::int64_t now, std::int64_t ttl_ms,
             std::optional<Posted>* posted = nullptr);
  void announce(RoomState& r, const analytics::Suggestion& s);
  std::string snapshot_json(RoomState& r, std::int64_t now);
  void load_dictionary();

  boost::asio::any_io_executor io_;
  const RoomDirectory& rooms_;
  commerce::Store& store_;
  AnalyticsSettings settings_;
  std::string node_;  // cluster mode: this node's id, and the relay's way out
  Send send_;
  boost::asio::strand<boost::asio::any_io_executor> timer_strand_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point next_tick_{};
  bool stopped_ = false;

  const analytics::Dictionary empty_dictionary_;
  std::optional<analytics::Dictionary> dictionary_;  // written once by the loader, before rooms are told
  std::thread loader_;

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<RoomState>> rooms_by_id_;

  std::atomic<std::uint64_t> events_{0};
  std::array<std::atomic<std::uint64_t>, analytics::kDropReasons> dropped_{};
  std::atomic<std::uint64_t> raised_{0};
  std::atomic<std::size_t> dictionary_words_{0};
};

}  // namespace server
