#include "commerce/redis_snapshot.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <stdexcept>

#include "commerce/redis_records.hpp"

namespace commerce::detail {
namespace json = boost::json;
namespace {

// The catalogue's records as stored (counters not laid over yet), parsed once per version.
std::shared_ptr<const CatalogueRecords> parse_catalogue(const std::vector<redis::Reply>& e,
                                                        std::map<std::string, std::string>& meta) {
  auto records = std::make_shared<CatalogueRecords>();
  records->version = to_int(meta["version"]);
  for (const auto& [sku, body] : hash_of(e[1])) records->products.push_back(decode<Product>(body));
  for (const auto& [id, body] : hash_of(e[4])) records->sales.push_back(decode<FlashSale>(body));
  for (const auto& [id, body] : hash_of(e[6])) records->coupons.push_back(decode<Coupon>(body));
  for (const auto& [id, body] : hash_of(e[10]))
    records->pickup_points.push_back(decode<PickupPoint>(body));
  if (auto it = meta.find("shelf"); it != meta.end()) {
    json::value stored = json::parse(it->second);
    for (const auto& v : stored.as_array()) records->shelf_order.emplace_back(v.as_string());
  }
  records->pinned = meta["pinned"];
  records->webhook = meta["webhook"];
  return records;
}

}  // namespace

std::shared_ptr<RoomSnapshot> snapshot_of(const std::string& room, RoomCounters counters) {
  auto snap = std::make_shared<RoomSnapshot>();
  static_cast<RoomCounters&>(*snap) = std::move(counters);
  snap->shop = std::make_unique<Shop>(room);
  Shop& shop = *snap->shop;
  const CatalogueRecords& cat = *snap->catalogue;
  for (Product p : cat.products) {
    if (auto it = snap->stock.find(p.sku); it != snap->stock.end()) p.stock = it->second;
    if (auto it = snap->touched.find(p.sku); it != snap->touched.end())
      p.updated_at_ms = std::max(p.updated_at_ms, it->second);
    shop.load(std::move(p));
  }
  for (FlashSale s : cat.sales) {
    if (auto it = snap->sold.find(s.id); it != snap->sold.end()) s.sold = it->second;
    shop.load(std::move(s));
  }
  for (Coupon c : cat.coupons) {
    if (auto it = snap->claimed.find(c.id); it != snap->claimed.end()) c.claimed = it->second;
    shop.load(std::move(c));
  }
  for (const auto& p : cat.pickup_points) shop.load(p);
  shop.load_settings(cat.shelf_order, cat.pinned, cat.webhook);
  (void)shop.take_changes();
  return snap;
}

std::shared_ptr<RoomSnapshot> parse_snapshot(const std::string& room, const redis::Reply& r,
                                             std::shared_ptr<const CatalogueRecords> known) {
  if (r.type != redis::Reply::Type::array || r.elements.size() != 13)
    throw std::runtime_error("unexpected answer to the load script");
  const auto& e = r.elements;
  RoomCounters counters;
  auto meta = hash_of(e[0]);
  counters.version = to_int(meta["version"]);
  if (meta.contains("cached")) {
    if (!known || known->version != counters.version)
      throw std::runtime_error("the catalogue this node holds is not the one Redis has");
    counters.catalogue = std::move(known);
  } else {
    counters.catalogue = parse_catalogue(e, meta);
  }
  counters.stock = counters_of(e[2]);
  counters.touched = counters_of(e[3]);
  counters.sold = counters_of(e[5]);
  counters.claimed = counters_of(e[7]);
  auto snap = snapshot_of(room, std::move(counters));
  Shop& shop = *snap->shop;
  auto used = counters_of(e[9]);
  for (const auto& [field, body] : hash_of(e[8])) {
    auto c = decode<CouponClaim>(body);
    auto it = used.find(field);
    c.used_by_order = it == used.end() ? 0 : it->second;
    shop.load(std::move(c));
  }
  for (const auto& body : e[11].elements) shop.load(decode<Order>(body.str));
  (void)shop.take_changes();
  for (const auto& made : e[12].elements) snap->keys_used.push_back(made.type != redis::Reply::Type::nil);
  return snap;
}

}  // namespace commerce::detail
