#include "commerce/codec.hpp"

#include <cmath>
#include <string_view>

namespace commerce {
namespace json = boost::json;
namespace {

// Reads one optional field with a strict type; records the first error.
class Reader {
 public:
  explicit Reader(const json::object& in) : in_(in) {}

  void text(std::string_view key, std::string& out) {
    if (auto* v = find(key)) {
      if (v->is_string()) out = std::string(v->get_string());
      else fail(key, "a string");
    }
  }
  void integer(std::string_view key, std::int64_t& out) {
    if (auto* v = find(key)) {
      if (v->is_int64()) out = v->get_int64();
      else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) out = static_cast<std::int64_t>(v->get_uint64());
      else fail(key, "an integer");
    }
  }
  void number(std::string_view key, double& out) {
    if (auto* v = find(key)) {
      if (v->is_double() && std::isfinite(v->get_double())) out = v->get_double();
      else if (v->is_int64()) out = static_cast<double>(v->get_int64());
      else if (v->is_uint64()) out = static_cast<double>(v->get_uint64());
      else fail(key, "a number");
    }
  }
  void boolean(std::string_view key, bool& out) {
    if (auto* v = find(key)) {
      if (v->is_bool()) out = v->get_bool();
      else fail(key, "true or false");
    }
  }
  void texts(std::string_view key, std::vector<std::string>& out, std::size_t max) {
    auto* v = find(key);
    if (!v) return;
    if (!v->is_array() || v->get_array().size() > max) return fail(key, "an array of at most " + std::to_string(max) + " strings");
    std::vector<std::string> items;
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) return fail(key, "an array of strings");
      items.emplace_back(e.get_string());
    }
    out = std::move(items);
  }
  const json::object* object(std::string_view key) {
    auto* v = find(key);
    if (!v) return nullptr;
    if (!v->is_object()) {
      fail(key, "an object");
      return nullptr;
    }
    return &v->get_object();
  }
  void fail(std::string_view key, std::string_view what) {
    if (error_.empty()) error_ = "'" + std::string(key) + "' must be " + std::string(what);
  }
  [[nodiscard]] std::string error() const { return error_; }

 private:
  const json::value* find(std::string_view key) {
    auto* v = in_.if_contains(key);
    return v && !v->is_null() ? v : nullptr;
  }
  const json::object& in_;
  std::string error_;
};

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

}  // namespace

json::object to_json(const Product& p) {
  return {{"sku", p.sku},
          {"title", p.title},
          {"price_cents", p.price_cents},
          {"stock", p.stock},
          {"images", string_array(p.images)},
          {"description", p.description},
          {"tags", string_array(p.tags)},
          {"trace",
           {{"origin", p.trace.origin}, {"producer", p.trace.producer}, {"produced_on", p.trace.produced_on}, {"story", p.trace.story}}},
          {"limit_per_viewer", p.limit_per_viewer},
          {"on_shelf", p.on_shelf},
          {"updated_at_ms", p.updated_at_ms}};
}

json::object to_json(const FlashSale& s, std::int64_t now_ms) {
  std::string_view state = s.state(now_ms);
  return {{"id", s.id},
          {"sku", s.sku},
          {"price_cents", s.price_cents},
          {"quantity", s.quantity},
          {"sold", s.sold},
          {"remaining", s.remaining()},
          {"limit_per_viewer", s.limit_per_viewer},
          {"starts_at_ms", s.starts_at_ms},
          {"ends_at_ms", s.ends_at_ms},
          {"stopped", s.stopped},
          {"state", state}};
}

json::object to_json(const Coupon& c) {
  return {{"id", c.id},
          {"kind", to_string(c.kind)},
          {"title", c.title},
          {"discount_cents", c.discount_cents},
          {"min_spend_cents", c.min_spend_cents},
          {"quantity", c.quantity},
          {"claimed", c.claimed},
          {"expires_at_ms", c.expires_at_ms},
          {"active", c.active}};
}

json::object to_json(const CouponClaim& c) {
  return {{"coupon_id", c.coupon_id},
          {"user_id", c.user_id},
          {"claimed_at_ms", c.claimed_at_ms},
          {"used_by_order", c.used_by_order}};
}

json::object to_json(const PickupPoint& p) {
  return {{"id", p.id}, {"name", p.name}, {"address", p.address}, {"lat", p.lat}, {"lng", p.lng}};
}

json::object to_json(const Order& o) {
  return {{"id", o.id},
          {"number", o.number()},
          {"room", o.room},
          {"user_id", o.user_id},
          {"nick", o.nick},
          {"sku", o.sku},
          {"title", o.title},
          {"quantity", o.quantity},
          {"unit_price_cents", o.unit_price_cents},
          {"discount_cents", o.discount_cents},
          {"total_cents", o.total_cents},
          {"sale_id", o.sale_id},
          {"coupon_id", o.coupon_id},
          {"pickup_point_id", o.pickup_point_id},
          {"status", to_string(o.status)},
          {"idempotency_key", o.idempotency_key},
          {"created_at_ms", o.created_at_ms},
          {"updated_at_ms", o.updated_at_ms}};
}

json::object to_json(const DeliveryAttempt& a) {
  return {{"at_ms", a.at_ms}, {"http_status", a.http_status}, {"delivered", a.error.empty()}, {"error", a.error}};
}

json::object to_json(const ShelfView& v, std::int64_t now_ms) {
  json::array products, sales, coupons, points;
  for (const auto& p : v.products) products.push_back(to_json(p));
  for (const auto& s : v.sales) sales.push_back(to_json(s, now_ms));
  for (const auto& c : v.coupons) coupons.push_back(to_json(c));
  for (const auto& p : v.pickup_points) points.push_back(to_json(p));
  return {{"products", std::move(products)},
          {"pinned", v.pinned_sku.empty() ? json::value(nullptr) : json::value(v.pinned_sku)},
          {"flash_sales", std::move(sales)},
          {"coupons", std::move(coupons)},
          {"pickup_points", std::move(points)}};
}

json::object to_json(const PurchaseResult& r) {
  json::object o{{"outcome", to_string(r.outcome)}};
  if (r.order) o["order"] = to_json(*r.order);
  if (!r.message.empty()) o["message"] = r.message;
  if (r.replayed) o["replayed"] = true;
  return o;
}

std::string from_json(const json::object& in, Product& out) {
  Reader r(in);
  r.text("sku", out.sku);
  r.text("title", out.title);
  r.integer("price_cents", out.price_cents);
  r.integer("stock", out.stock);
  r.texts("images", out.images, 64);
  r.text("description", out.description);
  r.texts("tags", out.tags, 64);
  if (auto* t = r.object("trace")) {
    Reader tr(*t);
    tr.text("origin", out.trace.origin);
    tr.text("producer", out.trace.producer);
    tr.text("produced_on", out.trace.produced_on);
    tr.text("story", out.trace.story);
    if (auto e = tr.error(); !e.empty()) return "trace: " + e;
  }
  r.integer("limit_per_viewer", out.limit_per_viewer);
  r.boolean("on_shelf", out.on_shelf);
  r.integer("updated_at_ms", out.updated_at_ms);
  return r.error();
}

std::string from_json(const json::object& in, FlashSale& out) {
  Reader r(in);
  r.text("id", out.id);
  r.text("sku", out.sku);
  r.integer("price_cents", out.price_cents);
  r.integer("quantity", out.quantity);
  r.integer("sold", out.sold);
  r.integer("limit_per_viewer", out.limit_per_viewer);
  r.integer("starts_at_ms", out.starts_at_ms);
  r.integer("ends_at_ms", out.ends_at_ms);
  r.boolean("stopped", out.stopped);
  return r.error();
}

std::string from_json(const json::object& in, Coupon& out) {
  Reader r(in);
  std::string kind(to_string(out.kind));
  r.text("id", out.id);
  r.text("kind", kind);
  r.text("title", out.title);
  r.integer("discount_cents", out.discount_cents);
  r.integer("min_spend_cents", out.min_spend_cents);
  r.integer("quantity", out.quantity);
  r.integer("claimed", out.claimed);
  r.integer("expires_at_ms", out.expires_at_ms);
  r.boolean("active", out.active);
  if (auto k = parse_coupon_kind(kind)) out.kind = *k;
  else r.fail("kind", "\"welcome\" or \"room\"");
  return r.error();
}

std::string from_json(const json::object& in, CouponClaim& out) {
  Reader r(in);
  r.text("coupon_id", out.coupon_id);
  r.text("user_id", out.user_id);
  r.integer("claimed_at_ms", out.claimed_at_ms);
  r.integer("used_by_order", out.used_by_order);
  return r.error();
}

std::string from_json(const json::object& in, PickupPoint& out) {
  Reader r(in);
  r.text("id", out.id);
  r.text("name", out.name);
  r.text("address", out.address);
  r.number("lat", out.lat);
  r.number("lng", out.lng);
  return r.error();
}

std::string from_json(const json::object& in, Order& out) {
  Reader r(in);
  std::string status(to_string(out.status));
  r.integer("id", out.id);
  r.text("room", out.room);
  r.text("user_id", out.user_id);
  r.text("nick", out.nick);
  r.text("sku", out.sku);
  r.text("title", out.title);
  r.integer("quantity", out.quantity);
  r.integer("unit_price_cents", out.unit_price_cents);
  r.integer("discount_cents", out.discount_cents);
  r.integer("total_cents", out.total_cents);
  r.text("sale_id", out.sale_id);
  r.text("coupon_id", out.coupon_id);
  r.text("pickup_point_id", out.pickup_point_id);
  r.text("status", status);
  r.text("idempotency_key", out.idempotency_key);
  r.integer("created_at_ms", out.created_at_ms);
  r.integer("updated_at_ms", out.updated_at_ms);
  if (auto s = parse_order_status(status)) out.status = *s;
  else r.fail("status", "paid, packed, ready, collected or cancelled");
  return r.error();
}

std::string from_json(const json::object& in, PurchaseRequest& out) {
  Reader r(in);
  r.text("sku", out.sku);
  r.integer("quantity", out.quantity);
  r.text("sale", out.sale_id);
  r.text("coupon", out.coupon_id);
  r.text("pickup_point", out.pickup_point_id);
  r.text("key", out.idempotency_key);
  if (auto* v = in.if_contains("expected_price_cents"); v && !v->is_null()) {  // null: none, like absent
    std::int64_t price = 0;
    r.integer("expected_price_cents", price);
    out.expected_unit_price_cents = price;
  }
  if (auto* loc = r.object("location")) {
    Reader lr(*loc);
    Location l;
    l.lat = NAN;
    l.lng = NAN;
    lr.number("lat", l.lat);
    lr.number("lng", l.lng);
    if (auto e = lr.error(); !e.empty()) return "location: " + e;
    if (std::isnan(l.lat) || std::isnan(l.lng)) return "'location' needs 'lat' and 'lng'";
    out.location = l;
  }
  return r.error();
}

}  // namespace commerce
