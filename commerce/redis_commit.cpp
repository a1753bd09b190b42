#include "commerce/redis_commit.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/serialize.hpp>

#include "commerce/codec.hpp"
#include "commerce/redis_keys.hpp"
#include "commerce/redis_records.hpp"

namespace commerce::detail {
namespace json = boost::json;
namespace {

void publish(RoomCommit& commit, const std::string& room, const std::string& node,
             const ShopChanges& c, bool new_order = false) {
  commit.write("PUB", "", kCommitsPrefix + std::string("{") + room + "}",
               notice(node, c, new_order));
}

void set_pin_changes(const Shop& shop, const ShopChanges& c, RoomChanges& out) {
  out.pin_changed = c.pin || (!shop.pinned().empty() && c.products.contains(shop.pinned()));
  if (out.pin_changed && !shop.pinned().empty()) out.pinned = *shop.product(shop.pinned());
}

}  // namespace

void stage_catalogue(RoomSnapshot& s, RoomCommit& c, bool absolute_stock, const std::string& node,
                     std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  RoomChanges& out = c.changes;
  out.room = shop.room();
  c.guard("NUM", k("meta"), "version", s.version);
  c.incr(k("meta"), "version", 1);
  for (const auto& sku : ch.products) {
    const Product& p = *shop.product(sku);
    c.write("HSET", k("products"), sku, encode(p));
    c.write("HDEL", k("touched"), sku);
    auto seen = s.stock.find(sku);
    if (absolute_stock || seen == s.stock.end() || seen->second != p.stock)
      c.write("HSET", k("stock"), sku, std::to_string(p.stock));
    out.products.push_back(p);
  }
  for (const auto& id : ch.sales) {
    const FlashSale& sale = *shop.sale(id);
    c.write("HSET", k("sales"), id, json::serialize(to_json(sale, now)));
    if (!s.sold.contains(id)) {  // a new sale: its quantity is still in stock
      c.guard("GE", k("stock"), sale.sku, sale.quantity);
      c.write("HSET", k("sold"), id, std::to_string(sale.sold));
    }
    out.sales.push_back(sale);
  }
  for (const auto& id : ch.coupons) {
    const Coupon& coupon = *shop.coupon(id);
    c.write("HSET", k("coupons"), id, json::serialize(to_json(coupon)));
    if (!s.claimed.contains(id)) c.write("HSET", k("claimed"), id, std::to_string(coupon.claimed));
    out.coupons.push_back(coupon);
  }
  for (const auto& id : ch.pickup_points) {
    if (const PickupPoint* p = shop.pickup_point(id)) {
      c.write("HSET", k("pickups"), id, json::serialize(to_json(*p)));
      out.pickup_points.push_back(*p);
    } else {
      c.write("HDEL", k("pickups"), id);
    }
  }
  if (ch.settings) {
    json::array order;
    for (const auto& sku : shop.shelf_order()) order.emplace_back(sku);
    c.write("HSET", k("meta"), "shelf", json::serialize(order));
    c.write("HSET", k("meta"), "pinned", shop.pinned());
    c.write("HSET", k("meta"), "webhook", shop.webhook_url());
    out.shelf_changed = true;
  }
  set_pin_changes(shop, ch, out);
  publish(c, shop.room(), node, ch);
}

void stage_purchase(RoomSnapshot& s, RoomCommit& c, const Order& o, const std::string& node,
                    std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  RoomKeys k(shop.room());
  const Product& p = *shop.product(o.sku);
  const std::string& user = o.user_id;
  const std::int64_t q = o.quantity;
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("ABSENT", k("keys"), user + '\n' + o.idempotency_key);
  c.guard("GE", k("stock"), o.sku, q);
  const FlashSale* sale = o.sale_id.empty() ? nullptr : shop.sale(o.sale_id);
  if (sale) {
    c.guard("LE", k("sold"), sale->id, sale->quantity - q);
    c.guard("LE", k("bought"), "s\n" + user + '\n' + sale->id, sale->limit_per_viewer - q);
  }
  if (p.limit_per_viewer > 0)
    c.guard("LE", k("bought"), "p\n" + user + '\n' + o.sku, p.limit_per_viewer - q);
  if (!o.coupon_id.empty()) {
    c.guard("ABSENT", k("used"), claim_field(o.coupon_id, user));
    const Coupon* coupon = shop.coupon(o.coupon_id);
    if (coupon && coupon->kind == CouponKind::welcome) c.guard("LE", k("bought"), "t\n" + user, 0);
  }

  c.write("ID", kOrderSeq, "");
  c.incr(k("stock"), o.sku, -q);
  c.write("HMAX", k("touched"), o.sku, std::to_string(now));
  if (sale) c.incr(k("sold"), sale->id, q);
  c.write("HINCRBY", k("bought"), "p\n" + user + '\n' + o.sku, std::to_string(q));
  if (sale) c.write("HINCRBY", k("bought"), "s\n" + user + '\n' + sale->id, std::to_string(q));
  c.write("HINCRBY", k("bought"), "t\n" + user, std::to_string(q));
  if (!o.coupon_id.empty()) c.write("HSET", k("used"), claim_field(o.coupon_id, user), "#ID#");
  c.write("HSET", k("orders"), "#ID#", encode_order(o, true));
  c.write("HSET", k("ostatus"), "#ID#", std::string(to_string(o.status)));
  c.write("HSET", k("keys"), user + '\n' + o.idempotency_key, "#ID#");
  c.write("RPUSH", k.user(user), "", "#ID#");
  c.write("ZADD", k("order_ids"), "#ID#", "#ID#");
  if (!shop.webhook_url().empty()) {
    c.write("XADD", kOutbox, shop.room(), shop.webhook_url());
    c.write("HSETSID", kOutboxEntries, "");
    c.write("HSET", kOutboxRooms, "#ID#", shop.room());
    c.write("HSET", kOutboxNext, "#ID#", std::to_string(now));
  }
  ShopChanges notice_of = ch;
  notice_of.orders.clear();
  publish(c, shop.room(), node, notice_of, true);

  RoomChanges& out = c.changes;
  out.room = shop.room();
  out.products.push_back(p);
  if (sale) out.sales.push_back(*sale);
  out.new_orders.push_back(o);
  set_pin_changes(shop, ch, out);
}

void stage_status(RoomSnapshot& s, RoomCommit& c, const Order& before, const Order& after,
                  const std::string& node, std::int64_t now) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  const std::string id = std::to_string(after.id);
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("EQ", k("ostatus"), id, std::string(to_string(before.status)));
  c.write("HSET", k("orders"), id, encode_order(after, false));
  c.write("HSET", k("ostatus"), id, std::string(to_string(after.status)));
  RoomChanges& out = c.changes;
  out.room = shop.room();
  if (after.status == OrderStatus::cancelled) {
    const std::int64_t q = after.quantity;
    const std::string& user = after.user_id;
    if (ch.products.contains(after.sku)) {
      c.incr(k("stock"), after.sku, q);
      c.write("HMAX", k("touched"), after.sku, std::to_string(now));
      out.products.push_back(*shop.product(after.sku));
    }
    if (!after.sale_id.empty() && ch.sales.contains(after.sale_id)) {
      c.incr(k("sold"), after.sale_id, -q);
      out.sales.push_back(*shop.sale(after.sale_id));
    }
    c.write("HINCRBY", k("bought"), "p\n" + user + '\n' + after.sku, std::to_string(-q));
    if (!after.sale_id.empty())
      c.write("HINCRBY", k("bought"), "s\n" + user + '\n' + after.sale_id, std::to_string(-q));
    c.write("HINCRBY", k("bought"), "t\n" + user, std::to_string(-q));
    if (!after.coupon_id.empty())
      c.write("HDELEQ", k("used"), claim_field(after.coupon_id, user), id);
  }
  out.changed_orders.push_back(after);
  set_pin_changes(shop, ch, out);
  ShopChanges notice_of = ch;
  notice_of.coupons.clear();
  publish(c, shop.room(), node, notice_of);
}

void stage_claim(RoomSnapshot& s, RoomCommit& c, const CouponClaim& claim,
                 const std::string& node) {
  Shop& shop = *s.shop;
  ShopChanges ch = shop.take_changes();
  if (ch.empty()) return;
  RoomKeys k(shop.room());
  const Coupon& coupon = *shop.coupon(claim.coupon_id);
  const std::string field = claim_field(claim.coupon_id, claim.user_id);
  c.guard("NUM", k("meta"), "version", s.version);
  c.guard("ABSENT", k("claims"), field);
  if (coupon.quantity != 0) c.guard("LE", k("claimed"), coupon.id, coupon.quantity - 1);
  if (coupon.kind == CouponKind::welcome) c.guard("LE", k("bought"), "t\n" + claim.user_id, 0);
  c.write("HSET", k("claims"), field, json::serialize(to_json(claim)));
  c.incr(k("claimed"), coupon.id, 1);
  c.changes.room = shop.room();
  c.changes.coupons.push_back(coupon);
  publish(c, shop.room(), node, ch);
}

Outcome read_commit(const redis::Result& r, RoomCommit& commit, std::string& error) {
  if (!r.ok) {
    error = r.error;
    return Outcome::failed;
  }
  const auto& e = r.reply.elements;
  if (r.reply.is_error() || r.reply.type != redis::Reply::Type::array || e.size() < 2) {
    error = r.reply.is_error() ? r.reply.str : "unexpected answer to the commit script";
    spdlog::error("commerce redis store: {}", error);
    return Outcome::failed;
  }
  if (e[0].integer == 0) {
    commit.refused_guard = static_cast<std::size_t>(e[1].integer);
    if (commit.refused_guard < 1 || commit.refused_guard > commit.guard_count()) {
      error = "the commit script named no guard of this commit";
      spdlog::error("commerce redis store: {}", error);
      return Outcome::failed;
    }
    if (e.size() > 2 && e[2].type == redis::Reply::Type::string) commit.refused_value = e[2].str;
    return Outcome::retry;
  }
  commit.order_id = e[1].str;
  if (e.size() > 2)
    for (const auto& v : e[2].elements) commit.results.push_back(v.integer);
  // What the counters hold now, for the listener.
  const std::string room = commit.changes.room;
  RoomKeys k(room);
  for (auto& p : commit.changes.products)
    if (auto v = commit.counter(k("stock"), p.sku)) p.stock = *v;
  if (commit.changes.pinned)
    if (auto v = commit.counter(k("stock"), commit.changes.pinned->sku))
      commit.changes.pinned->stock = *v;
  for (auto& s : commit.changes.sales)
    if (auto v = commit.counter(k("sold"), s.id)) s.sold = *v;
  for (auto& c : commit.changes.coupons)
    if (auto v = commit.counter(k("claimed"), c.id)) c.claimed = *v;
  if (!commit.order_id.empty())
    for (auto& o : commit.changes.new_orders) o.id = to_int(commit.order_id);
  return Outcome::committed;
}

}  // namespace commerce::detail
