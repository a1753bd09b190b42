#pragma once
// A one-click purchase: what the viewer asks for and what the shop answers. The price is never
// the client's: it comes from the shelf, the running flash sale and the coupon.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commerce/model.hpp"

namespace commerce {

struct Location {
  double lat = 0;
  double lng = 0;
};

struct PurchaseRequest {
  std::string room;
  std::string user_id;
  std::string nick;
  std::string idempotency_key;  // 1-255 printable ASCII characters; scoped to the viewer
  std::string sku;
  std::int64_t quantity = 1;
  std::string sale_id;                            // the flash sale the viewer saw, optional
  std::string coupon_id;                          // a coupon the viewer claimed, optional
  std::string pickup_point_id;                    // optional: otherwise the nearest or the first
  std::optional<Location> location;               // the viewer's, to choose the nearest point
  std::optional<Cents> expected_unit_price_cents;  // what the viewer saw; a different price is refused
};

enum class PurchaseOutcome {
  ok,
  sold_out,
  limit_reached,
  sale_not_started,
  sale_ended,
  room_closed,
  invalid,      // a bad field, an unknown product or coupon, a changed price (message says which)
  conflict,     // the idempotency key was used for a different purchase
  unavailable,  // the store could not make the order durable; nothing was bought
};

[[nodiscard]] std::string_view to_string(PurchaseOutcome o);

struct PurchaseResult {
  PurchaseOutcome outcome = PurchaseOutcome::invalid;
  std::string message;         // for everything but ok
  std::optional<Order> order;  // for ok
  bool replayed = false;       // the same key was seen before: this is the first answer again
};

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 255;
inline constexpr std::int64_t kMaxQuantity = 99;

// "" when the request's own fields are well formed, else what is wrong (checked before the shop).
[[nodiscard]] std::string validate(const PurchaseRequest& r);

}  // namespace commerce
