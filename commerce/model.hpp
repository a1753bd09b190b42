#pragma once
// The commerce records of a room, as plain values: what the host puts on the shelf, the sales
// and coupons that change prices, the pickup points, and the orders viewers make.
// Money is always integer cents (fen); times are Unix milliseconds.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace commerce {

using Cents = std::int64_t;

// Where the food comes from, as the host tells it (溯源).
struct Traceability {
  std::string origin;       // e.g. 黑龙江五常
  std::string producer;     // e.g. 五常市民乐合作社
  std::string produced_on;  // production or harvest date, as written by the host (2026-10-08)
  std::string story;
};

struct Product {
  std::string sku;
  std::string title;
  Cents price_cents = 0;
  std::int64_t stock = 0;
  std::vector<std::string> images;  // URLs
  std::string description;
  std::vector<std::string> tags;  // 低钠, 有机, 无糖 ...
  Traceability trace;
  std::int64_t limit_per_viewer = 0;  // units one viewer may buy in this room; 0: no limit
  bool on_shelf = true;               // false: removed by the host (orders keep pointing at it)
  std::int64_t updated_at_ms = 0;
};

// 秒杀: a timed sale of `quantity` units at `price_cents`, `limit_per_viewer` each.
struct FlashSale {
  std::string id;
  std::string sku;
  Cents price_cents = 0;
  std::int64_t quantity = 0;
  std::int64_t sold = 0;
  std::int64_t limit_per_viewer = 1;
  std::int64_t starts_at_ms = 0;
  std::int64_t ends_at_ms = 0;
  bool stopped = false;  // ended early by the host
  [[nodiscard]] std::int64_t remaining() const { return quantity - sold; }
  [[nodiscard]] bool over(std::int64_t now_ms) const { return stopped || sold >= quantity || now_ms >= ends_at_ms; }
  [[nodiscard]] bool started(std::int64_t now_ms) const { return now_ms >= starts_at_ms; }
  // "scheduled", "running", "sold_out" or "ended" (stopped or past its end).
  [[nodiscard]] std::string_view state(std::int64_t now_ms) const {
    return stopped || now_ms >= ends_at_ms ? "ended" : sold >= quantity ? "sold_out" : now_ms < starts_at_ms ? "scheduled" : "running";
  }
};

enum class CouponKind { welcome, room };  // welcome: 新人券, only for a viewer with no order in the room yet

struct Coupon {
  std::string id;
  CouponKind kind = CouponKind::room;
  std::string title;
  Cents discount_cents = 0;
  Cents min_spend_cents = 0;  // the order's amount before the discount must reach it
  std::int64_t quantity = 0;  // how many may be claimed; 0: no limit
  std::int64_t claimed = 0;
  std::int64_t expires_at_ms = 0;  // 0: never
  bool active = true;              // false: withdrawn by the host (claimed ones stay usable)
};

struct CouponClaim {
  std::string coupon_id;
  std::string user_id;
  std::int64_t claimed_at_ms = 0;
  std::int64_t used_by_order = 0;  // 0: not used yet
};

// 自提点
struct PickupPoint {
  std::string id;
  std::string name;
  std::string address;
  double lat = 0;
  double lng = 0;
};

enum class OrderStatus { paid, packed, ready, collected, cancelled };

[[nodiscard]] std::string_view to_string(OrderStatus s);
[[nodiscard]] std::optional<OrderStatus> parse_order_status(std::string_view s);
// paid → packed → ready → collected; paid, packed or ready → cancelled.
[[nodiscard]] bool can_move(OrderStatus from, OrderStatus to);

[[nodiscard]] std::string_view to_string(CouponKind k);
[[nodiscard]] std::optional<CouponKind> parse_coupon_kind(std::string_view s);

struct Order {
  std::int64_t id = 0;
  std::string room;
  std::string user_id;
  std::string nick;
  std::string sku;
  std::string title;  // the product's at the time of the order
  std::int64_t quantity = 0;
  Cents unit_price_cents = 0;
  Cents discount_cents = 0;
  Cents total_cents = 0;
  std::string sale_id;    // empty: not a flash-sale order
  std::string coupon_id;  // empty: no coupon
  std::string pickup_point_id;
  OrderStatus status = OrderStatus::paid;
  std::string idempotency_key;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  [[nodiscard]] std::string number() const;  // what the viewer sees, e.g. LC00001234
};

// One try to hand an order to the room's fulfilment webhook.
struct DeliveryAttempt {
  std::int64_t order_id = 0;
  std::int64_t at_ms = 0;
  int http_status = 0;  // 0: no answer (connection refused, timeout)
  std::string error;    // empty when delivered
};

}  // namespace commerce
