#include "commerce/model.hpp"

#include <array>
#include <cstdio>

#include "commerce/purchase.hpp"

namespace commerce {
namespace {
constexpr std::array<std::string_view, 5> kStatusNames{"paid", "packed", "ready", "collected", "cancelled"};
}

std::string_view to_string(OrderStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }

std::optional<OrderStatus> parse_order_status(std::string_view s) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (kStatusNames[i] == s) return static_cast<OrderStatus>(i);
  return std::nullopt;
}

bool can_move(OrderStatus from, OrderStatus to) {
  using S = OrderStatus;
  if (to == S::cancelled) return from == S::paid || from == S::packed || from == S::ready;
  return (from == S::paid && to == S::packed) || (from == S::packed && to == S::ready) ||
         (from == S::ready && to == S::collected);
}

std::string_view to_string(CouponKind k) { return k == CouponKind::welcome ? "welcome" : "room"; }

std::optional<CouponKind> parse_coupon_kind(std::string_view s) {
  if (s == "welcome") return CouponKind::welcome;
  if (s == "room") return CouponKind::room;
  return std::nullopt;
}

std::string Order::number() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "LC%08lld", static_cast<long long>(id));
  return buf;
}

std::string_view to_string(PurchaseOutcome o) {
  switch (o) {
    case PurchaseOutcome::ok: return "ok";
    case PurchaseOutcome::sold_out: return "sold_out";
    case PurchaseOutcome::limit_reached: return "limit_reached";
    case PurchaseOutcome::sale_not_started: return "sale_not_started";
    case PurchaseOutcome::sale_ended: return "sale_ended";
    case PurchaseOutcome::room_closed: return "room_closed";
    case PurchaseOutcome::invalid: return "invalid";
    case PurchaseOutcome::conflict: return "conflict";
    case PurchaseOutcome::unavailable: return "unavailable";
  }
  return "invalid";
}

std::string validate(const PurchaseRequest& r) {
  if (r.idempotency_key.empty()) return "an idempotency key is required";
  if (r.idempotency_key.size() > kMaxIdempotencyKeyBytes) return "the idempotency key is over 255 characters";
  for (unsigned char c : r.idempotency_key)
    if (c < 0x21 || c > 0x7E) return "the idempotency key must be printable ASCII with no spaces";
  if (r.sku.empty()) return "'sku' is required";
  if (r.quantity < 1 || r.quantity > kMaxQuantity) return "'quantity' must be 1 to 99";
  if (r.user_id.empty()) return "the buyer is unknown";
  if (r.location && (r.location->lat < -90 || r.location->lat > 90 || r.location->lng < -180 || r.location->lng > 180))
    return "'location' must be a latitude and longitude";
  return {};
}

}  // namespace commerce
