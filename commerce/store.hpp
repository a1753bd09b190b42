#pragma once
// Where commerce state lives and how it changes: every write is durable before its `done` is
// called, and a purchase is one atomic step (check the sale window and limits, take stock,
// record the idempotency key and the order). Backends: SqliteStore (embedded default); a Redis
// backend implements the same interface. `done` runs on a thread of the store's own, or on the
// caller's when the answer needs nothing written: it must not block (post to your executor).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "commerce/model.hpp"
#include "commerce/purchase.hpp"
#include "commerce/shop.hpp"

namespace commerce {

// What a committed batch changed in one room, for the viewers (values as committed).
struct RoomChanges {
  std::string room;
  std::vector<Product> products;
  std::vector<FlashSale> sales;
  std::vector<Coupon> coupons;
  std::vector<PickupPoint> pickup_points;  // changed (removed ones are not listed)
  std::vector<Order> new_orders;
  std::vector<Order> changed_orders;  // status changes
  bool pin_changed = false;
  std::optional<Product> pinned;  // when pin_changed: the pinned product, or nothing
  bool shelf_changed = false;     // order of the shelf or its contents
  bool from_this_node = true;     // false: committed by another node sharing the store (Redis)
};

// Told after each commit; called on the store's thread, must not block.
class StoreListener {
 public:
  virtual ~StoreListener() = default;
  virtual void on_committed(const RoomChanges& changes) = 0;
};

// An order waiting for the room's fulfilment webhook.
struct PendingDelivery {
  Order order;
  std::string url;
  std::int64_t attempts = 0;
};

class Store {
 public:
  template <class T>
  using Done = std::function<void(Result<T>)>;
  virtual ~Store() = default;

  virtual void set_listener(StoreListener* listener) = 0;

  virtual void put_product(const std::string& room, Product p, Done<Product> done) = 0;
  virtual void set_stock(const std::string& room, std::string sku, std::int64_t stock, Done<Product> done) = 0;
  // Edits the product in the same atomic step as every other write (see Shop::edit_product), so
  // an edit never writes back a stock that purchases have changed meanwhile.
  virtual void edit_product(const std::string& room, std::string sku, Shop::ProductEdit change, Done<Product> done) = 0;
  virtual void remove_product(const std::string& room, std::string sku, Done<Product> done) = 0;
  virtual void set_shelf_order(const std::string& room, std::vector<std::string> skus,
                               Done<std::vector<std::string>> done) = 0;
  // An empty sku unpins.
  virtual void pin(const std::string& room, std::string sku, Done<std::string> done) = 0;
  virtual void start_sale(const std::string& room, FlashSale s, Done<FlashSale> done) = 0;
  virtual void stop_sale(const std::string& room, std::string id, Done<FlashSale> done) = 0;
  virtual void create_coupon(const std::string& room, Coupon c, Done<Coupon> done) = 0;
  virtual void withdraw_coupon(const std::string& room, std::string id, Done<Coupon> done) = 0;
  virtual void claim_coupon(const std::string& room, std::string coupon_id, std::string user_id,
                            Done<CouponClaim> done) = 0;
  virtual void put_pickup_point(const std::string& room, PickupPoint p, Done<PickupPoint> done) = 0;
  virtual void remove_pickup_point(const std::string& room, std::string id, Done<PickupPoint> done) = 0;
  virtual void set_webhook(const std::string& room, std::string url, Done<std::string> done) = 0;

  // `room_open` false answers room_closed (the caller knows the room's state).
  virtual void purchase(PurchaseRequest r, bool room_open, std::function<void(PurchaseResult)> done) = 0;
  virtual void set_order_status(const std::string& room, std::int64_t order_id, OrderStatus status,
                                Done<Order> done) = 0;

  // Reads: what is committed or about to be.
  virtual void shelf(const std::string& room, Done<ShelfView> done) = 0;
  virtual void product(const std::string& room, std::string sku, Done<Product> done) = 0;
  virtual void orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) = 0;
  virtual void order(const std::string& room, std::int64_t id, Done<Order> done) = 0;
  virtual void claims_of(const std::string& room, std::string user_id, Done<std::vector<CouponClaim>> done) = 0;
  virtual void catalogue(const std::string& room, Done<Catalogue> done) = 0;
  // not_found: the room has no such coupon.
  virtual void coupon_claims(const std::string& room, std::string coupon_id, Done<std::vector<CouponClaim>> done) = 0;
  virtual void webhook(const std::string& room, Done<std::string> done) = 0;

  // The fulfilment outbox: orders due for delivery at `now_ms` (oldest first), the attempts
  // so far, and the outcome of one attempt (`next_attempt_ms` 0: delivered, no more tries).
  virtual void due_deliveries(std::int64_t now_ms, std::size_t limit, Done<std::vector<PendingDelivery>> done) = 0;
  virtual void record_delivery(DeliveryAttempt attempt, std::int64_t next_attempt_ms, Done<bool> done) = 0;
  virtual void deliveries(const std::string& room, std::int64_t order_id, Done<std::vector<DeliveryAttempt>> done) = 0;
};

}  // namespace commerce
