#pragma once
// One room's commerce state in memory and the rules that change it: the shelf and the pinned
// product, flash sales, coupons, pickup points and the room's orders. No I/O and no clock
// (callers pass `now_ms`), so every rule is tested directly; a Store makes the changes durable
// and is the only caller (one thread at a time).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commerce/model.hpp"
#include "commerce/purchase.hpp"

namespace commerce {

enum class Errc { ok, not_found, invalid, conflict, unavailable };  // unavailable: not made durable

struct Error {
  Errc code = Errc::ok;
  std::string message;
};

// A value or an error; the error's message is for the person who sent the request.
template <class T>
struct Result {
  std::optional<T> value;
  Error error;
  [[nodiscard]] bool ok() const { return value.has_value(); }
  static Result fail(Errc code, std::string message) { return Result{std::nullopt, Error{code, std::move(message)}}; }
};

// What the shelf shows a viewer.
struct ShelfView {
  std::vector<Product> products;  // in the host's order, on-shelf only
  std::string pinned_sku;         // empty: nothing pinned
  std::vector<FlashSale> sales;   // not over yet (scheduled or running)
  std::vector<Coupon> coupons;    // active, not expired, not all claimed
  std::vector<PickupPoint> pickup_points;
};

// Everything the room's shop holds beside orders, for its staff (the host console's lists):
// products taken off the shelf, sales that are over and coupons withdrawn or used up included.
struct Catalogue {
  std::vector<Product> products;  // the shelf in its order, then the others by SKU
  std::vector<FlashSale> sales;   // the latest start first
  std::vector<Coupon> coupons;    // by id
};

struct OrderQuery {
  std::string sku;                     // empty: every product
  std::optional<OrderStatus> status;   // nullopt: every status
  std::string user_id;                 // empty: every viewer
  std::int64_t before_id = 0;          // paging: orders with a smaller id (0: from the newest)
  std::size_t limit = 50;
};

// What changed since the last take_changes(): the Store writes these and tells viewers.
struct ShopChanges {
  std::set<std::string> products;
  std::set<std::string> sales;
  std::set<std::string> coupons;
  std::set<std::pair<std::string, std::string>> claims;  // coupon id, user id
  std::set<std::string> pickup_points;                   // changed or removed
  std::set<std::int64_t> orders;                         // new or changed
  std::vector<std::int64_t> new_orders;                  // created, in order
  bool settings = false;                                 // shelf order, pin, webhook
  bool pin = false;                                      // the pin changed (for viewers)
  [[nodiscard]] bool empty() const {
    return products.empty() && sales.empty() && coupons.empty() && claims.empty() && pickup_points.empty() &&
           orders.empty() && !settings;
  }
};

// Field limits, checked by the shop (the server only parses).
inline constexpr std::size_t kMaxSkuBytes = 64;
inline constexpr std::size_t kMaxTitleChars = 60;
inline constexpr std::size_t kMaxDescriptionChars = 2000;
inline constexpr std::size_t kMaxTags = 10;
inline constexpr std::size_t kMaxTagChars = 12;
inline constexpr std::size_t kMaxImages = 9;
inline constexpr std::size_t kMaxUrlBytes = 1024;
inline constexpr std::size_t kMaxTraceChars = 500;
inline constexpr Cents kMaxPriceCents = 100'000'000;  // ¥1,000,000
inline constexpr std::int64_t kMaxStock = 100'000'000;
inline constexpr std::size_t kMaxProductsPerRoom = 500;
inline constexpr std::size_t kMaxPickupPoints = 200;
inline constexpr std::size_t kMaxCouponsPerRoom = 100;

class Shop {
 public:
  explicit Shop(std::string room) : room_(std::move(room)) {}

  // Loading from a store: records as they were saved (no checks, no changes recorded).
  void load(Product p) { products_[p.sku] = std::move(p); }
  void load(FlashSale s) { sales_[s.id] = std::move(s); }
  void load(Coupon c) { coupons_[c.id] = std::move(c); }
  void load(CouponClaim c);
  void load(PickupPoint p) { pickup_points_[p.id] = std::move(p); }
  void load(Order o);
  void load_settings(std::vector<std::string> shelf_order, std::string pinned, std::string webhook_url);

  // Creates or replaces the product with this SKU (stock and price included).
  Result<Product> put_product(Product p, std::int64_t now_ms);
  Result<Product> set_stock(const std::string& sku, std::int64_t stock, std::int64_t now_ms);
  // Changes an on-shelf product in place: `change` edits a copy (and returns "" or what is
  // wrong), which is then checked and stored like put_product. Nothing changes on an error.
  using ProductEdit = std::function<std::string(Product&)>;
  Result<Product> edit_product(const std::string& sku, const ProductEdit& change, std::int64_t now_ms);
  // Takes the product off the shelf (orders keep it); unpins it.
  Result<Product> remove_product(const std::string& sku, std::int64_t now_ms);
  // `skus` first in this order, the rest after in their current order.
  Result<std::vector<std::string>> set_shelf_order(const std::vector<std::string>& skus);
  Result<std::string> pin(const std::string& sku);
  void unpin();

  Result<FlashSale> start_sale(FlashSale s, std::int64_t now_ms);
  Result<FlashSale> stop_sale(const std::string& id, std::int64_t now_ms);

  Result<Coupon> create_coupon(Coupon c, std::int64_t now_ms);
  Result<Coupon> withdraw_coupon(const std::string& id);
  // Claiming twice answers the first claim.
  Result<CouponClaim> claim_coupon(const std::string& coupon_id, const std::string& user_id, std::int64_t now_ms);

  Result<PickupPoint> put_pickup_point(PickupPoint p);
  Result<PickupPoint> remove_pickup_point(const std::string& id);
  Result<std::string> set_webhook(std::string url);

  // The one-click purchase. `next_order_id` is used when an order is made. `room_open` false
  // answers room_closed. A key seen before answers its first result (replayed = true).
  PurchaseResult purchase(const PurchaseRequest& r, std::int64_t next_order_id, std::int64_t now_ms,
                          bool room_open = true);
  // The purchase's answer when it is a refusal that needs nothing written (sold out, a sale
  // not started or over, a limit, a bad field): decided from memory at once, with no batch to
  // wait for. nullopt when the purchase may succeed, or its key was seen (a replay).
  [[nodiscard]] std::optional<PurchaseResult> refusal(const PurchaseRequest& r, std::int64_t now_ms,
                                                      bool room_open = true);
  // Moves an order along; cancelling gives its stock (and sale quota, and coupon) back.
  Result<Order> set_order_status(std::int64_t order_id, OrderStatus status, std::int64_t now_ms);

  [[nodiscard]] ShelfView shelf(std::int64_t now_ms) const;
  [[nodiscard]] const Product* product(const std::string& sku) const;
  [[nodiscard]] const FlashSale* sale(const std::string& id) const;
  [[nodiscard]] const Coupon* coupon(const std::string& id) const;
  [[nodiscard]] const CouponClaim* claim(const std::string& coupon_id, const std::string& user_id) const;
  [[nodiscard]] const PickupPoint* pickup_point(const std::string& id) const;
  [[nodiscard]] const Order* order(std::int64_t id) const;
  [[nodiscard]] std::vector<Order> orders(const OrderQuery& q) const;
  [[nodiscard]] std::vector<CouponClaim> claims_of(const std::string& user_id) const;
  [[nodiscard]] Catalogue catalogue() const;
  // Who claimed the coupon, the latest claim first.
  [[nodiscard]] std::vector<CouponClaim> claims_of_coupon(const std::string& coupon_id) const;
  [[nodiscard]] const std::vector<std::string>& shelf_order() const { return shelf_order_; }
  [[nodiscard]] const std::string& pinned() const { return pinned_; }
  [[nodiscard]] const std::string& webhook_url() const { return webhook_url_; }
  [[nodiscard]] const std::string& room() const { return room_; }
  // The sale a purchase of `sku` goes through now: not over (scheduled or running).
  [[nodiscard]] const FlashSale* sale_for(const std::string& sku, std::int64_t now_ms) const;

  ShopChanges take_changes() { return std::exchange(changes_, {}); }

 private:
  [[nodiscard]] std::string check_product(const Product& p) const;
  PurchaseResult decide(const PurchaseRequest& r, std::int64_t next_order_id, std::int64_t now_ms, bool room_open,
                        bool apply);
  [[nodiscard]] const PickupPoint* choose_pickup_point(const PurchaseRequest& r) const;
  void count_bought(const Order& o, std::int64_t sign);

  std::string room_;
  std::map<std::string, Product> products_;
  std::vector<std::string> shelf_order_;  // on-shelf SKUs in the host's order
  std::string pinned_;
  std::map<std::string, FlashSale> sales_;
  std::map<std::string, Coupon> coupons_;
  std::map<std::pair<std::string, std::string>, CouponClaim> claims_;
  std::map<std::string, PickupPoint> pickup_points_;
  std::string webhook_url_;
  std::map<std::int64_t, Order> orders_;
  std::unordered_map<std::string, std::int64_t> by_key_;  // user id + '\n' + key → order id
  // Units bought and not cancelled: by (user, sku) and by (user, sale).
  std::map<std::pair<std::string, std::string>, std::int64_t> bought_;
  std::map<std::pair<std::string, std::string>, std::int64_t> bought_in_sale_;
  std::set<std::string> buyers_;  // users with an order in this room (for welcome coupons)
  ShopChanges changes_;
};

}  // namespace commerce
