#pragma once
// Cluster mode (--redis): this node's link to the other nodes through Redis. Room records are
// shared (a hash, and a notice on each change), each room's batches travel over pub/sub
// (chat::RoomRelay), the token-signing secret is the cluster's. Commerce shares its state
// through commerce::RedisStore, on its own connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/room_relay.hpp"
#include "redis/client.hpp"
#include "redis/subscriber.hpp"
#include "server/room_directory.hpp"

namespace server {

struct ClusterStats {
  std::atomic<std::uint64_t> relayed_out{0};   // room batches sent to the other nodes
  std::atomic<std::uint64_t> relayed_in{0};    // room batches from them, applied
  std::atomic<std::uint64_t> bad_messages{0};  // unreadable messages on our channels
};

// The livecart_cluster_* and livecart_redis_* metrics.
class Cluster;
[[nodiscard]] std::string render_cluster_metrics(const Cluster& cluster);

class Cluster {
 public:
  Cluster(redis::Url url, boost::asio::any_io_executor io);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Start-up, blocking (before serving): the cluster's signing secret (`mine` becomes it when
  // the cluster has none yet). Throws std::runtime_error when Redis does not answer.
  [[nodiscard]] std::string shared_secret(const std::string& mine);
  // Start-up, after rooms.load(): shares this node's rooms, takes the cluster's, and from then
  // on follows changes and relays every room's batches. Blocking; throws like shared_secret().
  void join(RoomDirectory& rooms);
  // Stops the heartbeat timer (shutdown).
  void stop();
  // No more messages from the other nodes (before the rooms go).
  void leave();

  // Another module's messages between nodes, per room: publish() sends `payload` on
  // `prefix` + room; `handler` hears the other nodes' (and this node's own: it tells them
  // apart) on every channel that starts with `prefix`, from the subscriber's thread, and
  // answers false for a message it cannot read (counted as bad). Routes are set before join().
  using Handler = std::function<bool(const std::string& room, std::string_view payload)>;
  void route(std::string prefix, Handler handler);
  void publish(const std::string& channel, std::string payload);

  [[nodiscard]] std::shared_ptr<chat::RoomRelay> relay() const;
  [[nodiscard]] const std::string& node_id() const { return node_id_; }
  [[nodiscard]] bool up() const { return client_.up() && (!subscriber_ || subscriber_->up()); }
  // Why it is not up (empty when it is).
  [[nodiscard]] std::string error() const;
  [[nodiscard]] const redis::Url& url() const { return client_.url(); }  // has the password: display() for logs
  [[nodiscard]] const ClusterStats& stats() const { return stats_; }
  [[nodiscard]] const redis::ClientStats& client_stats() const { return client_.stats(); }

 private:
  class Relay;
  void on_message(const std::string& channel, std::string payload);
  void publish_record(const RoomRecord& record);
  void tick();

  std::string node_id_;
  boost::asio::any_io_executor io_;
  redis::Client client_;
  ClusterStats stats_;
  std::shared_ptr<Relay> relay_;
  std::atomic<RoomDirectory*> rooms_{nullptr};  // null once left
  std::vector<std::pair<std::string, Handler>> routes_;
  std::unique_ptr<redis::Subscriber> subscriber_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> stopped_{false};
};

}  // namespace server
