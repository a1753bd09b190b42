#pragma once
// A room as one run of the load script saw it: what a load brings (LoadSpec), the catalogue's
// records (parsed once per version and shared), and the snapshot a decision is taken on.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commerce/model.hpp"
#include "commerce/shop.hpp"
#include "redis/reply.hpp"

namespace commerce::detail {

struct LoadSpec {
  LoadSpec() = default;
  LoadSpec(std::string orders, std::string orders_arg, std::string claims, std::string claims_arg)
      : orders(std::move(orders)),
        orders_arg(std::move(orders_arg)),
        claims(std::move(claims)),
        claims_arg(std::move(claims_arg)) {}
  std::string orders = "none";  // none, ids (comma list), user
  std::string orders_arg;
  std::string claims = "none";  // none, all, user
  std::string claims_arg;
  std::vector<std::string> keys;  // idempotency keys to look up, as "user\nkey"
};

// The catalogue at one version: parsed once, shared by every snapshot of that version.
struct CatalogueRecords {
  std::int64_t version = 0;
  std::vector<Product> products;
  std::vector<FlashSale> sales;
  std::vector<Coupon> coupons;
  std::vector<PickupPoint> pickup_points;
  std::vector<std::string> shelf_order;
  std::string pinned, webhook;
};

// A room's catalogue with its counters, without any viewer's orders or claims: what a load
// brings for every viewer, and what a node keeps of a room between loads.
struct RoomCounters {
  std::shared_ptr<const CatalogueRecords> catalogue;  // as of `version`
  std::int64_t version = 0;
  std::map<std::string, std::int64_t> stock, sold, claimed, touched;
};

// A room as one load saw it: the shop (records with the counters laid over) and the raw facts
// a commit compares against.
struct RoomSnapshot : RoomCounters {
  std::unique_ptr<Shop> shop;
  std::vector<bool> keys_used;  // LoadSpec::keys, in order: made an order
};

// A snapshot of the counters alone: its shop knows no viewer's orders or claims.
std::shared_ptr<RoomSnapshot> snapshot_of(const std::string& room, RoomCounters counters);

// The load script's answer. `known`: the catalogue this node holds, used when the answer says
// it is still current. Throws on a bad answer or record.
std::shared_ptr<RoomSnapshot> parse_snapshot(const std::string& room, const redis::Reply& r,
                                             std::shared_ptr<const CatalogueRecords> known);

}  // namespace commerce::detail
