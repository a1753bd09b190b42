#pragma once
// The shared Store: every room's records live in Redis, so several identical nodes sell from
// the same stock. Each operation loads what it needs of a room into a Shop (the rules), decides
// there, and commits the changed records with one Lua script that first re-checks, inside
// Redis, every fact the decision rests on (the room's version for its catalogue, stock, sale
// quota, per-viewer units, idempotency key, coupon claim): a stale view retries, never oversells.
// A purchase is decided on the room as this node last saw it and committed at once (one round
// trip); a refusal, or a purchase in a room not seen yet, waits for a read of the room shared
// by all that wait with it.
// Callbacks (`done`, the listener) run on the Redis client's or subscriber's thread; no caller
// ever waits on Redis. Durability is Redis's own (appendonly, appendfsync always). The listener
// hears this node's commits with the values as committed, and other nodes' commits (from their
// notices on pub/sub, from_this_node false) with the values read just after; notices published
// while the subscriber reconnects are not heard.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "commerce/store.hpp"
#include "redis/client.hpp"
#include "redis/subscriber.hpp"

namespace commerce {
namespace detail {
struct RoomCounters;
struct RemoteCommits;
struct LoadSpec;
struct RoomSnapshot;
class RoomCommit;
}  // namespace detail

struct RedisStoreOptions {
  std::string node;    // this node's name (outbox consumer, commit notices); empty: a unique one
  int max_tries = 64;  // loads and commits of one operation before it answers unavailable
  // An outbox entry held this long by a consumer that did not settle it is taken over.
  std::chrono::milliseconds claim_after{30'000};
};

class RedisStore final : public Store {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds
  RedisStore(redis::Url url, Clock clock = {}, redis::Options redis_options = {},
             RedisStoreOptions options = {});
  ~RedisStore() override;  // answers what is still queued (unavailable), then stops the threads
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  void set_listener(StoreListener* listener) override;

  void put_product(const std::string& room, Product p, Done<Product> done) override;
  void set_stock(const std::string& room, std::string sku, std::int64_t stock,
                 Done<Product> done) override;
  void edit_product(const std::string& room, std::string sku, Shop::ProductEdit change,
                    Done<Product> done) override;
  void remove_product(const std::string& room, std::string sku, Done<Product> done) override;
  void set_shelf_order(const std::string& room, std::vector<std::string> skus,
                       Done<std::vector<std::string>> done) override;
  void pin(const std::string& room, std::string sku, Done<std::string> done) override;
  void start_sale(const std::string& room, FlashSale s, Done<FlashSale> done) override;
  void stop_sale(const std::string& room, std::string id, Done<FlashSale> done) override;
  void create_coupon(const std::string& room, Coupon c, Done<Coupon> done) override;
  void withdraw_coupon(const std::string& room, std::string id, Done<Coupon> done) override;
  void claim_coupon(const std::string& room, std::string coupon_id, std::string user_id,
                    Done<CouponClaim> done) override;
  void put_pickup_point(const std::string& room, PickupPoint p, Done<PickupPoint> done) override;
  void remove_pickup_point(const std::string& room, std::string id,
                           Done<PickupPoint> done) override;
  void set_webhook(const std::string& room, std::string url, Done<std::string> done) override;
  void purchase(PurchaseRequest r, bool room_open,
                std::function<void(PurchaseResult)> done) override;
  void set_order_status(const std::string& room, std::int64_t order_id, OrderStatus status,
                        Done<Order> done) override;

  void shelf(const std::string& room, Done<ShelfView> done) override;
  void product(const std::string& room, std::string sku, Done<Product> done) override;
  void orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) override;
  void order(const std::string& room, std::int64_t id, Done<Order> done) override;
  void claims_of(const std::string& room, std::string user_id,
                 Done<std::vector<CouponClaim>> done) override;
  void catalogue(const std::string& room, Done<Catalogue> done) override;
  void coupon_claims(const std::string& room, std::string coupon_id,
                     Done<std::vector<CouponClaim>> done) override;
  void webhook(const std::string& room, Done<std::string> done) override;

  void due_deliveries(std::int64_t now_ms, std::size_t limit,
                      Done<std::vector<PendingDelivery>> done) override;
  void record_delivery(DeliveryAttempt attempt, std::int64_t next_attempt_ms,
                       Done<bool> done) override;
  void deliveries(const std::string& room, std::int64_t order_id,
                  Done<std::vector<DeliveryAttempt>> done) override;

  // The Redis connection is up (for /healthz).
  [[nodiscard]] bool available() const;
  // Subscribed to other nodes' commit notices (what they commit before this is not heard).
  [[nodiscard]] bool hears_other_nodes() const;
  [[nodiscard]] const std::string& node() const { return node_; }
  // For /metrics: purchases answered, Redis round trips they took, and commits retried because
  // another node changed what a decision rested on.
  [[nodiscard]] std::uint64_t purchases() const { return purchases_.load(); }
  [[nodiscard]] std::uint64_t purchase_round_trips() const { return purchase_round_trips_.load(); }
  [[nodiscard]] std::uint64_t retries() const { return retries_.load(); }
  // Commands Redis answered on this node's connection (every store operation, reads included).
  [[nodiscard]] std::uint64_t redis_commands() const;

 private:
  using LoadSpec = detail::LoadSpec;
  using Snapshot = detail::RoomSnapshot;
  using Commit = detail::RoomCommit;
  template <class T>
  using Decide = std::function<Result<T>(Snapshot&, Commit&, std::int64_t now_ms)>;

  template <class T>
  void mutate(const std::string& room, LoadSpec spec, Decide<T> decide, Done<T> done,
              int tries = 0);
  template <class T>
  void read(const std::string& room, LoadSpec spec,
            std::function<Result<T>(const Shop&, std::int64_t now_ms)> fn, Done<T> done);
  using PurchaseDone = std::function<void(PurchaseResult)>;
  // Every purchase ends here, counted once.
  void answer(PurchaseDone& done, PurchaseResult result);
  static PurchaseResult not_bought(const std::string& why);  // unavailable, before any write
  void purchase_try(std::shared_ptr<PurchaseRequest> r, bool room_open, PurchaseDone done,
                    int tries);
  void purchase_commit(std::shared_ptr<PurchaseRequest> r, bool room_open, PurchaseDone done,
                       int tries, std::shared_ptr<Snapshot> snap, Order order);
  void read_together(std::shared_ptr<PurchaseRequest> r, bool room_open, PurchaseDone done);
  void read_for_readers(const std::string& room);
  [[nodiscard]] std::shared_ptr<const detail::RoomCounters> seen(const std::string& room);
  void remember(const std::string& room, const detail::RoomCounters& counters);
  void forget(const std::string& room);
  void remember_counters(const std::string& room, std::int64_t version, const Commit& commit);
  void load(const std::string& room, const LoadSpec& spec,
            std::function<void(std::shared_ptr<Snapshot>, std::string error)> done);
  void send(std::vector<std::string> argv, redis::Client::Callback done);
  void eval(int script, std::vector<std::string> keys, std::vector<std::string> args,
            redis::Client::Callback done);
  void send_commit(Commit& commit, redis::Client::Callback done);
  void notify(const RoomChanges& changes);
  void on_notice(const std::string& channel, const std::string& payload);
  void tell_remote_commits(const std::string& room);
  [[nodiscard]] std::int64_t now_ms() const;

  Clock clock_;
  RedisStoreOptions options_;
  std::string node_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> purchases_{0};
  std::atomic<std::uint64_t> purchase_round_trips_{0};
  std::atomic<std::uint64_t> retries_{0};
  // Each room's catalogue and counters as this node last saw them (a load, a commit's counters, a
  // refused guard's value). A load whose version is unchanged brings only the counters, the
  // viewer's orders and claims; a purchase is decided on them before anything is read.
  std::mutex rooms_mutex_;
  std::map<std::string, std::shared_ptr<const detail::RoomCounters>> rooms_;
  // Purchases waiting for a read of their room that starts after they came (refused on what
  // this node saw, or of a room it has not seen); one read answers all that wait for it.
  struct Reader {
    std::shared_ptr<PurchaseRequest> r;
    bool room_open;
    PurchaseDone done;
  };
  std::mutex readers_mutex_;
  std::map<std::string, std::vector<Reader>> readers_;  // by room, waiting for the next read
  std::set<std::string> reading_;                       // rooms being read
  std::mutex remote_mutex_;
  std::map<std::string, detail::RemoteCommits> remote_;  // by room, waiting for the next read
  std::set<std::string> remote_loading_;                 // rooms being read
  std::mutex listener_mutex_;  // held while the listener is told (set_listener waits for it)
  StoreListener* listener_ = nullptr;
  // Last: stopped first (in ~RedisStore), while everything their callbacks use still lives.
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<redis::Subscriber> subscriber_;
};

}  // namespace commerce
