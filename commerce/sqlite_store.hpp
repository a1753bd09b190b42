#pragma once
// The embedded Store: one SQLite file (WAL, synchronous=FULL) and every room's Shop in memory.
// One writer thread takes queued operations in batches, applies them to the shops, writes what
// changed and commits once per batch (group commit); each operation completes only after its
// batch is durable. No caller ever waits on disk. Reads answer from memory at once.
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "commerce/store.hpp"

namespace commerce {

class SqliteStore final : public Store {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds
  // Opens (creating when needed) the file and loads every room's shop; throws std::runtime_error.
  explicit SqliteStore(const std::string& path, Clock clock = {});
  ~SqliteStore() override;  // finishes the queued operations, then stops the writer
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  void set_listener(StoreListener* listener) override;

  void put_product(const std::string& room, Product p, Done<Product> done) override;
  void set_stock(const std::string& room, std::string sku, std::int64_t stock, Done<Product> done) override;
  void edit_product(const std::string& room, std::string sku, Shop::ProductEdit change, Done<Product> done) override;
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
  void remove_pickup_point(const std::string& room, std::string id, Done<PickupPoint> done) override;
  void set_webhook(const std::string& room, std::string url, Done<std::string> done) override;
  void purchase(PurchaseRequest r, bool room_open, std::function<void(PurchaseResult)> done) override;
  void set_order_status(const std::string& room, std::int64_t order_id, OrderStatus status, Done<Order> done) override;

  void shelf(const std::string& room, Done<ShelfView> done) override;
  void product(const std::string& room, std::string sku, Done<Product> done) override;
  void orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) override;
  void order(const std::string& room, std::int64_t id, Done<Order> done) override;
  void claims_of(const std::string& room, std::string user_id, Done<std::vector<CouponClaim>> done) override;
  void catalogue(const std::string& room, Done<Catalogue> done) override;
  void coupon_claims(const std::string& room, std::string coupon_id, Done<std::vector<CouponClaim>> done) override;
  void webhook(const std::string& room, Done<std::string> done) override;

  void due_deliveries(std::int64_t now_ms, std::size_t limit, Done<std::vector<PendingDelivery>> done) override;
  void record_delivery(DeliveryAttempt attempt, std::int64_t next_attempt_ms, Done<bool> done) override;
  void deliveries(const std::string& room, std::int64_t order_id, Done<std::vector<DeliveryAttempt>> done) override;

  // Batches committed and operations in them so far (for metrics and the benchmark).
  [[nodiscard]] std::uint64_t commits() const;
  [[nodiscard]] std::uint64_t operations() const;
  // Purchases refused from memory without a batch (see purchase()).
  [[nodiscard]] std::uint64_t quick_refusals() const { return quick_refusals_.load(std::memory_order_relaxed); }

  // Fails the next `n` commits (tests: what callers see when the disk fails).
  void fail_next_commits(int n);

 private:
  // Runs on the writer thread inside a batch: applies to the shop (under the state mutex) and
  // returns what to call once the batch's fate is known.
  using Completion = std::function<void(bool durable)>;
  using Apply = std::function<Completion(Shop* shop)>;  // shop is null for operations on no room
  struct Task {
    std::string room;
    Apply apply;
  };

  template <class T>
  void mutate(const std::string& room, std::function<Result<T>(Shop&, std::int64_t now_ms)> fn, Done<T> done);
  template <class T>
  void read(const std::string& room, const std::function<Result<T>(const Shop&, std::int64_t now_ms)>& fn,
            const Done<T>& done);
  void enqueue(Task task);
  void run();
  void commit_batch(std::deque<Task>& batch);
  bool write_changes(Shop& shop, const ShopChanges& c, RoomChanges& out);
  void exec(const char* sql);
  void load();
  Shop& shop_locked(const std::string& room);
  [[nodiscard]] std::int64_t now_ms() const;

  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  Clock clock_;

  mutable std::mutex state_mutex_;  // guards the shops, next_order_id_ and the counters
  std::map<std::string, std::unique_ptr<Shop>> shops_;
  std::int64_t next_order_id_ = 1;
  std::uint64_t commits_ = 0;
  std::uint64_t operations_ = 0;
  int fail_commits_ = 0;
  std::atomic<std::uint64_t> quick_refusals_{0};
  std::mutex listener_mutex_;  // held while listener_ is told (set_listener waits for it)
  StoreListener* listener_ = nullptr;

  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace commerce
