#include "server/cluster.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <random>

#include "server/metrics.hpp"
#include "server/token_signer.hpp"

namespace server {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr const char* kRooms = "lc:rooms";                // hash: room id → record (JSON)
constexpr const char* kRoomChanges = "lc:rooms:changed";  // channel: {"node", "id"}
constexpr const char* kSecret = "lc:secret";
const std::string kRoomChannel = "lc:room:";  // + room id: its batches

std::string encode_record(const RoomRecord& r) {
  json::array bans;
  for (const auto& b : r.bans)
    bans.push_back(json::object{{"user_id", b.user_id}, {"nick", b.nick}, {"at_ms", b.at_ms}});
  return json::serialize(
      json::object{{"id", r.id},
                   {"title", r.title},
                   {"created_at", r.created_at},
                   {"closed_at", r.closed_at},
                   {"stream_key_generation", r.stream_key_generation},
                   {"banned_words", json::array(r.banned_words.begin(), r.banned_words.end())},
                   {"bans", std::move(bans)}});
}

std::optional<RoomRecord> decode_record(std::string_view text) {
  try {
    auto v = json::parse(text);
    const auto& o = v.as_object();
    RoomRecord r;
    r.id = std::string(o.at("id").as_string());
    r.title = std::string(o.at("title").as_string());
    r.created_at = o.at("created_at").to_number<std::int64_t>();
    r.closed_at = o.at("closed_at").to_number<std::int64_t>();
    r.stream_key_generation = o.at("stream_key_generation").to_number<std::int64_t>();
    for (const auto& w : o.at("banned_words").as_array())
      r.banned_words.emplace_back(w.as_string());
    for (const auto& b : o.at("bans").as_array()) {
      const auto& bo = b.as_object();
      r.bans.push_back({std::string(bo.at("user_id").as_string()),
                        std::string(bo.at("nick").as_string()),
                        bo.at("at_ms").to_number<std::int64_t>()});
    }
    if (r.id.empty()) return std::nullopt;
    return r;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

redis::Result must(redis::Result r, const char* what) {
  if (!r.ok) throw std::runtime_error(std::string("redis: ") + what + ": " + r.error);
  if (r.reply.is_error())
    throw std::runtime_error(std::string("redis: ") + what + ": " + r.reply.str);
  return r;
}

}  // namespace

class Cluster::Relay final : public chat::RoomRelay {
 public:
  explicit Relay(Cluster& c) : cluster_(c) {}
  void send(const std::string& room, const chat::RelayBatch& batch) override {
    cluster_.stats_.relayed_out.fetch_add(1, std::memory_order_relaxed);
    // Lost while Redis is down: chat goes on within the node.
    cluster_.publish(kRoomChannel + room, chat::encode_relay(cluster_.node_id_, batch));
  }
  [[nodiscard]] std::uint16_t node_tag() const override { return tag_; }
  [[nodiscard]] const std::string& node_id() const override { return cluster_.node_id_; }

 private:
  Cluster& cluster_;
  const std::uint16_t tag_ =
      static_cast<std::uint16_t>(std::random_device{}() & ((1u << chat::kNodeTagBits) - 1));
};

Cluster::Cluster(redis::Url url, asio::any_io_executor io)
    : node_id_(random_token(8)), io_(io), client_(std::move(url)), timer_(io) {
  relay_ = std::make_shared<Relay>(*this);
}

std::shared_ptr<chat::RoomRelay> Cluster::relay() const { return relay_; }

std::string Cluster::error() const {
  if (!client_.up()) return client_.error();
  if (subscriber_ && !subscriber_->up()) return "the pub/sub connection is down";
  return {};
}

Cluster::~Cluster() {
  stop();
  leave();
}

void Cluster::leave() {
  subscriber_.reset();
  rooms_ = nullptr;
}

std::string render_cluster_metrics(const Cluster& c) {
  const auto& s = c.stats();
  const auto& r = c.client_stats();
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, std::uint64_t v) {
    append_metric(out, name, type, help, v);
  };
  metric("livecart_redis_up", "gauge", "1 while this node's Redis connections are up",
         c.up() ? 1 : 0);
  metric("livecart_redis_commands_total", "counter", "Redis commands answered (cluster connection)",
         r.commands.load());
  metric("livecart_redis_failures_total", "counter",
         "Redis commands not answered: down, lost, timed out", r.failed.load());
  metric("livecart_redis_connects_total", "counter", "Redis connections made (cluster connection)",
         r.connects.load());
  metric("livecart_cluster_relayed_out_total", "counter", "room batches sent to the other nodes",
         s.relayed_out.load());
  metric("livecart_cluster_relayed_in_total", "counter",
         "room batches from the other nodes applied here", s.relayed_in.load());
  metric("livecart_cluster_bad_messages_total", "counter",
         "unreadable messages on the cluster's channels", s.bad_messages.load());
  return out;
}

std::string Cluster::shared_secret(const std::string& mine) {
  must(client_.command_sync({"SET", kSecret, mine, "NX"}), "sharing the signing secret");
  auto r = must(client_.command_sync({"GET", kSecret}), "reading the signing secret");
  if (r.reply.type != redis::Reply::Type::string || r.reply.str.size() < 32)
    throw std::runtime_error(std::string("redis: ") + kSecret + " is not a signing secret");
  return r.reply.str;
}

void Cluster::join(RoomDirectory& rooms) {
  rooms_ = &rooms;
  // This node's rooms go in where the cluster has none of that id; then the cluster's come here.
  for (const auto& v : rooms.list())
    must(client_.command_sync({"HSETNX", kRooms, v.record.id, encode_record(v.record)}),
         "sharing rooms");
  auto all = must(client_.command_sync({"HGETALL", kRooms}), "reading rooms");
  for (std::size_t i = 1; i < all.reply.elements.size(); i += 2)
    if (auto r = decode_record(all.reply.elements[i].str)) rooms.apply_remote(std::move(*r));
  rooms.set_on_change([this](const RoomRecord& r) { publish_record(r); });
  std::vector<std::string> patterns{kRoomChannel + "*", kRoomChanges};
  for (const auto& [prefix, handler] : routes_) patterns.push_back(prefix + "*");
  subscriber_ = std::make_unique<redis::Subscriber>(
      client_.url(), redis::Options{}, std::move(patterns),
      [this](const std::string& channel, std::string payload) {
        on_message(channel, std::move(payload));
      });
  spdlog::info("cluster: node {} joined through redis {} ({} rooms)", node_id_,
               client_.url().display(), all.reply.elements.size() / 2);
  tick();
}

void Cluster::route(std::string prefix, Handler handler) {
  routes_.emplace_back(std::move(prefix), std::move(handler));
}

void Cluster::publish(const std::string& channel, std::string payload) {
  // Lost while Redis is down, like the rooms' batches.
  client_.command({"PUBLISH", channel, std::move(payload)}, [](redis::Result) {});
}

void Cluster::stop() {
  stopped_ = true;
  asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

void Cluster::publish_record(const RoomRecord& record) {
  std::string id = record.id;
  client_.command({"HSET", kRooms, id, encode_record(record)}, [this, id](redis::Result r) {
    if (!r.ok || r.reply.is_error()) {
      spdlog::warn("cluster: room {} not shared: {}", id, r.ok ? r.reply.str : r.error);
      return;
    }
    client_.command(
        {"PUBLISH", kRoomChanges, json::serialize(json::object{{"node", node_id_}, {"id", id}})},
        [](redis::Result) {});
  });
}

void Cluster::on_message(const std::string& channel, std::string payload) {
  auto* rooms = rooms_.load();
  if (!rooms) return;
  for (const auto& [prefix, handler] : routes_) {
    if (!channel.starts_with(prefix)) continue;
    if (!handler(channel.substr(prefix.size()), payload))
      stats_.bad_messages.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (channel == kRoomChanges) {
    boost::system::error_code ec;
    auto v = json::parse(payload, ec);
    const auto* o = ec ? nullptr : v.if_object();
    const auto* node = o ? o->if_contains("node") : nullptr;
    const auto* id = o ? o->if_contains("id") : nullptr;
    if (!node || !node->is_string() || !id || !id->is_string()) {
      stats_.bad_messages.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (node->as_string() == node_id_) return;
    client_.command({"HGET", kRooms, std::string(id->as_string())}, [this](redis::Result r) {
      auto* rooms = rooms_.load();
      if (!rooms || !r.ok || r.reply.type != redis::Reply::Type::string) return;
      if (auto record = decode_record(r.reply.str))
        rooms->apply_remote(std::move(*record));
      else
        stats_.bad_messages.fetch_add(1, std::memory_order_relaxed);
    });
    return;
  }
  std::string node, error;
  auto batch = chat::decode_relay(payload, node, error);
  if (!batch) {
    stats_.bad_messages.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("cluster: unreadable message on {}: {}", channel, error);
    return;
  }
  if (node == node_id_) return;
  auto room = rooms->find(channel.substr(kRoomChannel.size()));
  if (!room) return;  // not known here (yet)
  stats_.relayed_in.fetch_add(1, std::memory_order_relaxed);
  room->receive(std::move(node), std::move(*batch));
}

void Cluster::tick() {
  auto* rooms = rooms_.load();
  if (stopped_ || !rooms) return;
  rooms->relay_tick();
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) tick();
  });
}

}  // namespace server
