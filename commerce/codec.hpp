#pragma once
// The JSON form of commerce records: one form for the API, the WebSocket events and the
// store's rows. Decoding is strict about types and says which field is wrong.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

#include "commerce/model.hpp"
#include "commerce/purchase.hpp"
#include "commerce/shop.hpp"

namespace commerce {

[[nodiscard]] boost::json::object to_json(const Product& p);
[[nodiscard]] boost::json::object to_json(const FlashSale& s, std::int64_t now_ms);
[[nodiscard]] boost::json::object to_json(const Coupon& c);
[[nodiscard]] boost::json::object to_json(const CouponClaim& c);
[[nodiscard]] boost::json::object to_json(const PickupPoint& p);
[[nodiscard]] boost::json::object to_json(const Order& o);
[[nodiscard]] boost::json::object to_json(const DeliveryAttempt& a);
[[nodiscard]] boost::json::object to_json(const ShelfView& v, std::int64_t now_ms);
[[nodiscard]] boost::json::object to_json(const PurchaseResult& r);

// Each fills `out` from the fields present in `in` (absent fields keep their value, so a
// partial object patches a record) and returns "" or what is wrong ("'stock' must be an integer").
[[nodiscard]] std::string from_json(const boost::json::object& in, Product& out);
[[nodiscard]] std::string from_json(const boost::json::object& in, FlashSale& out);
[[nodiscard]] std::string from_json(const boost::json::object& in, Coupon& out);
[[nodiscard]] std::string from_json(const boost::json::object& in, CouponClaim& out);
[[nodiscard]] std::string from_json(const boost::json::object& in, PickupPoint& out);
[[nodiscard]] std::string from_json(const boost::json::object& in, Order& out);
// The viewer's fields of a purchase: sku, quantity, sale, coupon, pickup_point, location,
// expected_price_cents, and `key` when the idempotency key travels in the body.
[[nodiscard]] std::string from_json(const boost::json::object& in, PurchaseRequest& out);

}  // namespace commerce
