#include "commerce/shop.hpp"

#include <algorithm>
#include <cmath>

#include "chat/utf8.hpp"

namespace commerce {
namespace {

std::string user_key(const std::string& user, const std::string& key) { return user + '\n' + key; }

// "" when `text` is valid UTF-8 of at most `max_chars` characters with no control characters.
std::string check_text(std::string_view field, const std::string& text, std::size_t max_chars, bool required) {
  if (required && text.empty()) return "'" + std::string(field) + "' is required";
  if (!chat::is_valid_utf8(text)) return "'" + std::string(field) + "' is not valid UTF-8";
  if (chat::code_point_count(text) > max_chars)
    return "'" + std::string(field) + "' is over " + std::to_string(max_chars) + " characters";
  if (chat::has_control_chars(text)) return "'" + std::string(field) + "' has control characters";
  return {};
}

bool is_http_url(const std::string& url) {
  return (url.starts_with("http://") || url.starts_with("https://") || url.starts_with("/")) &&
         url.size() <= kMaxUrlBytes && std::none_of(url.begin(), url.end(), [](unsigned char c) {
           return c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>';
         });
}

std::string yuan(Cents c) {
  return "¥" + std::to_string(c / 100) + "." + (c % 100 < 10 ? "0" : "") + std::to_string(c % 100);
}

double distance_km(double lat1, double lng1, double lat2, double lng2) {
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlng = (lng2 - lng1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlng / 2) * std::sin(dlng / 2);
  return 6371.0 * 2 * std::atan2(std::sqrt(a), std::sqrt(1 - a));
}

bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= kMaxSkuBytes && std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

void Shop::load(CouponClaim c) {
  auto key = std::make_pair(c.coupon_id, c.user_id);
  claims_[key] = std::move(c);
}

void Shop::load(Order o) {
  if (!o.idempotency_key.empty()) by_key_[user_key(o.user_id, o.idempotency_key)] = o.id;
  buyers_.insert(o.user_id);
  if (o.status != OrderStatus::cancelled) count_bought(o, +1);
  orders_[o.id] = std::move(o);
}

void Shop::load_settings(std::vector<std::string> shelf_order, std::string pinned, std::string webhook_url) {
  shelf_order_.clear();
  for (auto& sku : shelf_order)
    if (auto it = products_.find(sku); it != products_.end() && it->second.on_shelf) shelf_order_.push_back(sku);
  for (const auto& [sku, p] : products_)  // anything on the shelf but missing from the order goes last
    if (p.on_shelf && std::find(shelf_order_.begin(), shelf_order_.end(), sku) == shelf_order_.end())
      shelf_order_.push_back(sku);
  pinned_ = products_.contains(pinned) ? std::move(pinned) : std::string{};
  webhook_url_ = std::move(webhook_url);
}

void Shop::count_bought(const Order& o, std::int64_t sign) {
  bought_[{o.user_id, o.sku}] += sign * o.quantity;
  if (!o.sale_id.empty()) bought_in_sale_[{o.user_id, o.sale_id}] += sign * o.quantity;
}

std::string Shop::check_product(const Product& p) const {
  if (!valid_id(p.sku)) return "'sku' must be 1-64 characters of letters, digits, '-', '_' or '.'";
  if (auto e = check_text("title", p.title, kMaxTitleChars, true); !e.empty()) return e;
  if (auto e = check_text("description", p.description, kMaxDescriptionChars, false); !e.empty()) return e;
  if (p.price_cents < 1 || p.price_cents > kMaxPriceCents) return "'price_cents' must be 1 to 100000000";
  if (p.stock < 0 || p.stock > kMaxStock) return "'stock' must be 0 to 100000000";
  if (p.limit_per_viewer < 0 || p.limit_per_viewer > kMaxStock) return "'limit_per_viewer' must be 0 or more";
  if (p.tags.size() > kMaxTags) return "at most 10 tags";
  for (const auto& t : p.tags)
    if (auto e = check_text("tags", t, kMaxTagChars, true); !e.empty()) return e;
  if (p.images.size() > kMaxImages) return "at most 9 images";
  for (const auto& url : p.images)
    if (!is_http_url(url)) return "'images' must be http(s) URLs or paths";
  for (auto [field, text] : {std::pair{"trace.origin", &p.trace.origin}, {"trace.producer", &p.trace.producer},
                             {"trace.produced_on", &p.trace.produced_on}, {"trace.story", &p.trace.story}})
    if (auto e = check_text(field, *text, kMaxTraceChars, false); !e.empty()) return e;
  return {};
}

Result<Product> Shop::put_product(Product p, std::int64_t now_ms) {
  if (auto e = check_product(p); !e.empty()) return Result<Product>::fail(Errc::invalid, e);
  auto it = products_.find(p.sku);
  bool listed = it != products_.end() && it->second.on_shelf;
  if (!listed && shelf_order_.size() >= kMaxProductsPerRoom)
    return Result<Product>::fail(Errc::conflict, "the shelf holds at most 500 products");
  p.on_shelf = true;
  p.updated_at_ms = now_ms;
  if (!listed) shelf_order_.push_back(p.sku);
  changes_.products.insert(p.sku);
  changes_.settings = changes_.settings || !listed;
  products_[p.sku] = p;
  return {p, {}};
}

Result<Product> Shop::set_stock(const std::string& sku, std::int64_t stock, std::int64_t now_ms) {
  auto it = products_.find(sku);
  if (it == products_.end() || !it->second.on_shelf) return Result<Product>::fail(Errc::not_found, "no such product");
  if (stock < 0 || stock > kMaxStock) return Result<Product>::fail(Errc::invalid, "'stock' must be 0 to 100000000");
  it->second.stock = stock;
  it->second.updated_at_ms = now_ms;
  changes_.products.insert(sku);
  return {it->second, {}};
}

Result<Product> Shop::edit_product(const std::string& sku, const ProductEdit& change, std::int64_t now_ms) {
  auto it = products_.find(sku);
  if (it == products_.end() || !it->second.on_shelf) return Result<Product>::fail(Errc::not_found, "no such product");
  Product p = it->second;
  if (auto e = change(p); !e.empty()) return Result<Product>::fail(Errc::invalid, e);
  if (p.sku != sku) return Result<Product>::fail(Errc::invalid, "'sku' cannot change");
  return put_product(std::move(p), now_ms);
}

Result<Product> Shop::remove_product(const std::string& sku, std::int64_t now_ms) {
  auto it = products_.find(sku);
  if (it == products_.end() || !it->second.on_shelf) return Result<Product>::fail(Errc::not_found, "no such product");
  it->second.on_shelf = false;
  it->second.updated_at_ms = now_ms;
  std::erase(shelf_order_, sku);
  if (pinned_ == sku) {
    pinned_.clear();
    changes_.pin = true;
  }
  changes_.products.insert(sku);
  changes_.settings = true;
  return {it->second, {}};
}

Result<std::vector<std::string>> Shop::set_shelf_order(const std::vector<std::string>& skus) {
  std::vector<std::string> order;
  for (const auto& sku : skus) {
    auto it = products_.find(sku);
    if (it == products_.end() || !it->second.on_shelf)
      return Result<std::vector<std::string>>::fail(Errc::invalid, "'" + sku + "' is not on the shelf");
    if (std::find(order.begin(), order.end(), sku) != order.end())
      return Result<std::vector<std::string>>::fail(Errc::invalid, "'" + sku + "' is listed twice");
    order.push_back(sku);
  }
  for (const auto& sku : shelf_order_)
    if (std::find(order.begin(), order.end(), sku) == order.end()) order.push_back(sku);
  shelf_order_ = order;
  changes_.settings = true;
  return {order, {}};
}

Result<std::string> Shop::pin(const std::string& sku) {
  auto it = products_.find(sku);
  if (it == products_.end() || !it->second.on_shelf) return Result<std::string>::fail(Errc::not_found, "no such product");
  pinned_ = sku;
  changes_.settings = changes_.pin = true;
  return {sku, {}};
}

void Shop::unpin() {
  if (pinned_.empty()) return;
  pinned_.clear();
  changes_.settings = changes_.pin = true;
}

const FlashSale* Shop::sale_for(const std::string& sku, std::int64_t now_ms) const {
  for (const auto& [id, s] : sales_)
    if (s.sku == sku && !s.over(now_ms)) return &s;
  return nullptr;
}

Result<FlashSale> Shop::start_sale(FlashSale s, std::int64_t now_ms) {
  using R = Result<FlashSale>;
  auto it = products_.find(s.sku);
  if (it == products_.end() || !it->second.on_shelf) return R::fail(Errc::not_found, "no such product");
  const Product& p = it->second;
  if (s.price_cents < 1 || s.price_cents > p.price_cents)
    return R::fail(Errc::invalid, "'price_cents' must be 1 to the product's price (" + std::to_string(p.price_cents) + ")");
  if (s.quantity < 1 || s.quantity > p.stock)
    return R::fail(Errc::invalid, "'quantity' must be 1 to the product's stock (" + std::to_string(p.stock) + ")");
  if (s.limit_per_viewer < 1 || s.limit_per_viewer > kMaxQuantity)
    return R::fail(Errc::invalid, "'limit_per_viewer' must be 1 to 99");
  if (s.starts_at_ms == 0) s.starts_at_ms = now_ms;
  if (s.ends_at_ms <= s.starts_at_ms || s.ends_at_ms <= now_ms)
    return R::fail(Errc::invalid, "'ends_at_ms' must be after the start and in the future");
  if (s.ends_at_ms - s.starts_at_ms > 24LL * 3600 * 1000) return R::fail(Errc::invalid, "a flash sale lasts at most 24 hours");
  // A sold-out sale still counts until its end: a cancellation gives its quota back.
  for (const auto& [id, other] : sales_)
    if (other.sku == s.sku && !other.stopped && now_ms < other.ends_at_ms)
      return R::fail(Errc::conflict, "this product already has a flash sale (" + id + ")");
  s.id = "fs" + std::to_string(sales_.size() + 1);
  s.sold = 0;
  s.stopped = false;
  sales_[s.id] = s;
  changes_.sales.insert(s.id);
  return {s, {}};
}

Result<FlashSale> Shop::stop_sale(const std::string& id, std::int64_t now_ms) {
  auto it = sales_.find(id);
  if (it == sales_.end()) return Result<FlashSale>::fail(Errc::not_found, "no such flash sale");
  if (!it->second.over(now_ms)) {
    it->second.stopped = true;
    changes_.sales.insert(id);
  }
  return {it->second, {}};
}

Result<Coupon> Shop::create_coupon(Coupon c, std::int64_t now_ms) {
  using R = Result<Coupon>;
  if (auto e = check_text("title", c.title, 30, true); !e.empty()) return R::fail(Errc::invalid, e);
  if (c.discount_cents < 1 || c.discount_cents > kMaxPriceCents) return R::fail(Errc::invalid, "'discount_cents' must be 1 to 100000000");
  if (c.min_spend_cents < 0 || c.min_spend_cents > kMaxPriceCents) return R::fail(Errc::invalid, "'min_spend_cents' must be 0 to 100000000");
  if (c.quantity < 0 || c.quantity > kMaxStock) return R::fail(Errc::invalid, "'quantity' must be 0 (no limit) or more");
  if (c.expires_at_ms != 0 && c.expires_at_ms <= now_ms) return R::fail(Errc::invalid, "'expires_at_ms' is in the past");
  if (coupons_.size() >= kMaxCouponsPerRoom) return R::fail(Errc::conflict, "a room has at most 100 coupons");
  if (c.kind == CouponKind::welcome)
    for (const auto& [id, other] : coupons_)
      if (other.kind == CouponKind::welcome && other.active && (other.expires_at_ms == 0 || other.expires_at_ms > now_ms))
        return R::fail(Errc::conflict, "the room has a welcome coupon already (" + id + "); withdraw it first");
  c.id = "cp" + std::to_string(coupons_.size() + 1);
  c.claimed = 0;
  c.active = true;
  coupons_[c.id] = c;
  changes_.coupons.insert(c.id);
  return {c, {}};
}

Result<Coupon> Shop::withdraw_coupon(const std::string& id) {
  auto it = coupons_.find(id);
  if (it == coupons_.end()) return Result<Coupon>::fail(Errc::not_found, "no such coupon");
  it->second.active = false;
  changes_.coupons.insert(id);
  return {it->second, {}};
}

Result<CouponClaim> Shop::claim_coupon(const std::string& coupon_id, const std::string& user_id, std::int64_t now_ms) {
  using R = Result<CouponClaim>;
  auto it = coupons_.find(coupon_id);
  if (it == coupons_.end()) return R::fail(Errc::not_found, "no such coupon");
  if (auto c = claims_.find({coupon_id, user_id}); c != claims_.end()) return {c->second, {}};
  Coupon& coupon = it->second;
  if (!coupon.active) return R::fail(Errc::invalid, "this coupon has been withdrawn");
  if (coupon.expires_at_ms != 0 && coupon.expires_at_ms <= now_ms) return R::fail(Errc::invalid, "this coupon has expired");
  if (coupon.quantity != 0 && coupon.claimed >= coupon.quantity) return R::fail(Errc::conflict, "every coupon has been claimed");
  if (coupon.kind == CouponKind::welcome && buyers_.contains(user_id))
    return R::fail(Errc::invalid, "welcome coupons are for viewers new to the room");
  ++coupon.claimed;
  CouponClaim claim{coupon_id, user_id, now_ms, 0};
  claims_[{coupon_id, user_id}] = claim;
  changes_.coupons.insert(coupon_id);
  changes_.claims.insert({coupon_id, user_id});
  return {claim, {}};
}

Result<PickupPoint> Shop::put_pickup_point(PickupPoint p) {
  using R = Result<PickupPoint>;
  for (std::size_t n = pickup_points_.size() + 1; p.id.empty(); ++n)
    if (std::string id = "pp" + std::to_string(n); !pickup_points_.contains(id)) p.id = std::move(id);
  if (!valid_id(p.id)) return R::fail(Errc::invalid, "'id' must be 1-64 characters of letters, digits, '-', '_' or '.'");
  if (auto e = check_text("name", p.name, 40, true); !e.empty()) return R::fail(Errc::invalid, e);
  if (auto e = check_text("address", p.address, 200, true); !e.empty()) return R::fail(Errc::invalid, e);
  if (!std::isfinite(p.lat) || !std::isfinite(p.lng) || p.lat < -90 || p.lat > 90 || p.lng < -180 || p.lng > 180)
    return R::fail(Errc::invalid, "'lat' and 'lng' must be a latitude and longitude");
  if (!pickup_points_.contains(p.id) && pickup_points_.size() >= kMaxPickupPoints)
    return R::fail(Errc::conflict, "a room has at most 200 pickup points");
  pickup_points_[p.id] = p;
  changes_.pickup_points.insert(p.id);
  return {p, {}};
}

Result<PickupPoint> Shop::remove_pickup_point(const std::string& id) {
  auto it = pickup_points_.find(id);
  if (it == pickup_points_.end()) return Result<PickupPoint>::fail(Errc::not_found, "no such pickup point");
  PickupPoint p = it->second;
  pickup_points_.erase(it);
  changes_.pickup_points.insert(id);
  return {p, {}};
}

Result<std::string> Shop::set_webhook(std::string url) {
  if (!url.empty() && !((url.starts_with("http://") || url.starts_with("https://")) && is_http_url(url)))
    return Result<std::string>::fail(Errc::invalid,
                                     "'url' must be an http:// or https:// URL (or empty to turn delivery off)");
  webhook_url_ = url;
  changes_.settings = true;
  return {url, {}};
}

const PickupPoint* Shop::choose_pickup_point(const PurchaseRequest& r) const {
  if (!r.pickup_point_id.empty()) {
    auto it = pickup_points_.find(r.pickup_point_id);
    return it == pickup_points_.end() ? nullptr : &it->second;
  }
  if (pickup_points_.empty()) return nullptr;
  if (!r.location) return &pickup_points_.begin()->second;
  const PickupPoint* best = nullptr;
  double best_km = 0;
  for (const auto& [id, p] : pickup_points_) {
    double km = distance_km(r.location->lat, r.location->lng, p.lat, p.lng);
    if (!best || km < best_km) best = &p, best_km = km;
  }
  return best;
}

PurchaseResult Shop::purchase(const PurchaseRequest& r, std::int64_t next_order_id, std::int64_t now_ms, bool room_open) {
  return decide(r, next_order_id, now_ms, room_open, true);
}

std::optional<PurchaseResult> Shop::refusal(const PurchaseRequest& r, std::int64_t now_ms, bool room_open) {
  if (by_key_.contains(user_key(r.user_id, r.idempotency_key))) return std::nullopt;  // a replay waits for its order
  auto result = decide(r, 0, now_ms, room_open, false);  // changes nothing when !apply
  if (result.outcome == PurchaseOutcome::ok) return std::nullopt;
  return result;
}

PurchaseResult Shop::decide(const PurchaseRequest& r, std::int64_t next_order_id, std::int64_t now_ms, bool room_open,
                            bool apply) {
  using O = PurchaseOutcome;
  auto fail = [](O o, std::string message) { return PurchaseResult{o, std::move(message), std::nullopt, false}; };
  if (auto e = validate(r); !e.empty()) return fail(O::invalid, e);
  if (auto k = by_key_.find(user_key(r.user_id, r.idempotency_key)); k != by_key_.end()) {
    const Order& first = orders_.at(k->second);
    if (first.sku != r.sku || first.quantity != r.quantity || first.coupon_id != r.coupon_id)
      return fail(O::conflict, "this idempotency key was used for a different purchase (order " + first.number() + ")");
    return PurchaseResult{O::ok, {}, first, true};
  }
  if (!room_open) return fail(O::room_closed, "this room has ended");
  auto pit = products_.find(r.sku);
  if (pit == products_.end() || !pit->second.on_shelf) return fail(O::invalid, "no product '" + r.sku + "' in this room");
  Product& product = pit->second;

  FlashSale* sale = nullptr;
  if (!r.sale_id.empty()) {
    auto sit = sales_.find(r.sale_id);
    if (sit == sales_.end() || sit->second.sku != r.sku) return fail(O::invalid, "no such flash sale for this product");
    sale = &sit->second;
    if (sale->sold >= sale->quantity) return fail(O::sold_out, "the flash sale is sold out");
    if (sale->over(now_ms)) return fail(O::sale_ended, "the flash sale has ended");
  } else if (const FlashSale* s = sale_for(r.sku, now_ms)) {
    sale = &sales_.at(s->id);
  }
  if (sale && !sale->started(now_ms)) return fail(O::sale_not_started, "the flash sale has not started yet");

  Cents unit = sale ? sale->price_cents : product.price_cents;
  if (r.expected_unit_price_cents && *r.expected_unit_price_cents != unit)
    return fail(O::invalid, "the price is now " + yuan(unit) + "; nothing was bought");
  if (product.stock <= 0 || (sale && sale->remaining() <= 0)) return fail(O::sold_out, "sold out");
  std::int64_t available = sale ? std::min(sale->remaining(), product.stock) : product.stock;
  if (r.quantity > available) return fail(O::sold_out, "only " + std::to_string(available) + " left");
  if (sale) {
    auto it = bought_in_sale_.find({r.user_id, sale->id});
    if ((it == bought_in_sale_.end() ? 0 : it->second) + r.quantity > sale->limit_per_viewer)
      return fail(O::limit_reached, "at most " + std::to_string(sale->limit_per_viewer) + " per viewer in this flash sale");
  }
  if (product.limit_per_viewer > 0) {
    auto it = bought_.find({r.user_id, r.sku});
    if ((it == bought_.end() ? 0 : it->second) + r.quantity > product.limit_per_viewer)
      return fail(O::limit_reached, "at most " + std::to_string(product.limit_per_viewer) + " per viewer");
  }

  Cents subtotal = unit * r.quantity;
  Cents discount = 0;
  CouponClaim* claim = nullptr;
  if (!r.coupon_id.empty()) {
    auto cit = claims_.find({r.coupon_id, r.user_id});
    auto coupon = coupons_.find(r.coupon_id);
    if (cit == claims_.end() || coupon == coupons_.end()) return fail(O::invalid, "claim the coupon first");
    if (cit->second.used_by_order != 0) return fail(O::invalid, "this coupon has been used");
    if (coupon->second.expires_at_ms != 0 && coupon->second.expires_at_ms <= now_ms)
      return fail(O::invalid, "this coupon has expired");
    if (sale) return fail(O::invalid, "coupons do not apply to flash-sale prices");
    if (coupon->second.kind == CouponKind::welcome) {  // a cancelled first order does not count
      for (auto b = bought_.lower_bound({r.user_id, {}}); b != bought_.end() && b->first.first == r.user_id; ++b)
        if (b->second > 0) return fail(O::invalid, "welcome coupons are for a first order in this room");
    }
    if (subtotal < coupon->second.min_spend_cents)
      return fail(O::invalid, "this coupon needs a spend of " + yuan(coupon->second.min_spend_cents));
    claim = &cit->second;
    discount = std::min(coupon->second.discount_cents, subtotal);
  }
  const PickupPoint* point = choose_pickup_point(r);
  if (!r.pickup_point_id.empty() && !point) return fail(O::invalid, "no such pickup point");
  if (!apply) return PurchaseResult{O::ok, {}, std::nullopt, false};  // would be bought

  Order o;
  o.id = next_order_id;
  o.room = room_;
  o.user_id = r.user_id;
  o.nick = r.nick;
  o.sku = r.sku;
  o.title = product.title;
  o.quantity = r.quantity;
  o.unit_price_cents = unit;
  o.discount_cents = discount;
  o.total_cents = subtotal - discount;
  o.sale_id = sale ? sale->id : std::string{};
  o.coupon_id = r.coupon_id;
  o.pickup_point_id = point ? point->id : std::string{};
  o.idempotency_key = r.idempotency_key;
  o.created_at_ms = o.updated_at_ms = now_ms;

  product.stock -= r.quantity;
  product.updated_at_ms = now_ms;
  changes_.products.insert(r.sku);
  if (sale) {
    sale->sold += r.quantity;
    changes_.sales.insert(sale->id);
  }
  if (claim) {
    claim->used_by_order = o.id;
    changes_.claims.insert({r.coupon_id, r.user_id});
  }
  by_key_[user_key(r.user_id, r.idempotency_key)] = o.id;
  buyers_.insert(r.user_id);
  count_bought(o, +1);
  changes_.orders.insert(o.id);
  changes_.new_orders.push_back(o.id);
  orders_[o.id] = o;
  return PurchaseResult{O::ok, {}, std::move(o), false};
}

Result<Order> Shop::set_order_status(std::int64_t order_id, OrderStatus status, std::int64_t now_ms) {
  auto it = orders_.find(order_id);
  if (it == orders_.end()) return Result<Order>::fail(Errc::not_found, "no such order");
  Order& o = it->second;
  if (o.status == status) return {o, {}};
  if (!can_move(o.status, status))
    return Result<Order>::fail(Errc::conflict, "an order that is " + std::string(to_string(o.status)) + " cannot become " +
                                                   std::string(to_string(status)));
  if (status == OrderStatus::cancelled) {
    if (auto p = products_.find(o.sku); p != products_.end()) {
      p->second.stock += o.quantity;
      p->second.updated_at_ms = now_ms;
      changes_.products.insert(o.sku);
    }
    if (auto s = sales_.find(o.sale_id); s != sales_.end() && !s->second.stopped && now_ms < s->second.ends_at_ms) {
      s->second.sold -= o.quantity;  // a running sale gets its quota back
      changes_.sales.insert(o.sale_id);
    }
    if (auto c = claims_.find({o.coupon_id, o.user_id}); c != claims_.end() && c->second.used_by_order == o.id) {
      c->second.used_by_order = 0;
      changes_.claims.insert({o.coupon_id, o.user_id});
    }
    count_bought(o, -1);
  }
  o.status = status;
  o.updated_at_ms = now_ms;
  changes_.orders.insert(o.id);
  return {o, {}};
}

ShelfView Shop::shelf(std::int64_t now_ms) const {
  ShelfView v;
  for (const auto& sku : shelf_order_) v.products.push_back(products_.at(sku));
  v.pinned_sku = pinned_;
  for (const auto& [id, s] : sales_)
    if (!s.over(now_ms)) v.sales.push_back(s);
  for (const auto& [id, c] : coupons_)
    if (c.active && (c.expires_at_ms == 0 || c.expires_at_ms > now_ms) && (c.quantity == 0 || c.claimed < c.quantity))
      v.coupons.push_back(c);
  for (const auto& [id, p] : pickup_points_) v.pickup_points.push_back(p);
  return v;
}

const Product* Shop::product(const std::string& sku) const {
  auto it = products_.find(sku);
  return it == products_.end() ? nullptr : &it->second;
}
const FlashSale* Shop::sale(const std::string& id) const {
  auto it = sales_.find(id);
  return it == sales_.end() ? nullptr : &it->second;
}
const Coupon* Shop::coupon(const std::string& id) const {
  auto it = coupons_.find(id);
  return it == coupons_.end() ? nullptr : &it->second;
}
const CouponClaim* Shop::claim(const std::string& coupon_id, const std::string& user_id) const {
  auto it = claims_.find({coupon_id, user_id});
  return it == claims_.end() ? nullptr : &it->second;
}
const PickupPoint* Shop::pickup_point(const std::string& id) const {
  auto it = pickup_points_.find(id);
  return it == pickup_points_.end() ? nullptr : &it->second;
}
const Order* Shop::order(std::int64_t id) const {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

std::vector<Order> Shop::orders(const OrderQuery& q) const {
  std::vector<Order> out;
  auto it = q.before_id > 0 ? orders_.lower_bound(q.before_id) : orders_.end();
  while (it != orders_.begin() && out.size() < q.limit) {
    --it;
    const Order& o = it->second;
    if ((q.sku.empty() || o.sku == q.sku) && (!q.status || o.status == *q.status) &&
        (q.user_id.empty() || o.user_id == q.user_id))
      out.push_back(o);
  }
  return out;
}

std::vector<CouponClaim> Shop::claims_of(const std::string& user_id) const {
  std::vector<CouponClaim> out;
  for (const auto& [key, c] : claims_)
    if (key.second == user_id) out.push_back(c);
  return out;
}

Catalogue Shop::catalogue() const {
  Catalogue c;
  for (const auto& sku : shelf_order_) c.products.push_back(products_.at(sku));
  for (const auto& [sku, p] : products_)
    if (!p.on_shelf) c.products.push_back(p);
  for (const auto& [id, s] : sales_) c.sales.push_back(s);
  std::stable_sort(c.sales.begin(), c.sales.end(),
                   [](const FlashSale& a, const FlashSale& b) { return a.starts_at_ms > b.starts_at_ms; });
  for (const auto& [id, coupon] : coupons_) c.coupons.push_back(coupon);
  return c;
}

std::vector<CouponClaim> Shop::claims_of_coupon(const std::string& coupon_id) const {
  std::vector<CouponClaim> out;
  for (auto it = claims_.lower_bound({coupon_id, ""}); it != claims_.end() && it->first.first == coupon_id; ++it)
    out.push_back(it->second);
  std::stable_sort(out.begin(), out.end(),
                   [](const CouponClaim& a, const CouponClaim& b) { return a.claimed_at_ms > b.claimed_at_ms; });
  return out;
}

}  // namespace commerce
