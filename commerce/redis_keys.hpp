#pragma once
// Where the Redis store keeps commerce: its keys and channels, named in one place, and what
// each holds.
#include <string>
#include <string_view>

// Keys (the room in a hash tag, so that one room's keys share a cluster slot):
//   lc:{room}:meta      hash: version (bumped by every catalogue write), shelf (JSON array),
//                       pinned, webhook
//   lc:{room}:products / :sales / :coupons / :pickups / :orders / :claims
//                       hashes of JSON records (by SKU, id, id, id, order id, coupon\nuser),
//                       written by C++ only: Lua never re-encodes them (the orders page only
//                       reads an order's sku and status), so integers stay exact
//   lc:{room}:stock / :touched / :sold / :claimed / :used
//                       the contended facts as plain integers that scripts change with HINCRBY
//                       and reads lay over the records (product stock and last change, sale
//                       units sold, coupon claims, the order that used a claim)
//   lc:{room}:bought    units bought and not cancelled: p\nuser\nsku, s\nuser\nsale, t\nuser
//   lc:{room}:ostatus   order id -> status (what a status change compares and sets)
//   lc:{room}:order_ids sorted set of the room's order ids (score: the id), written with each
//                       order: what a page of the room's orders walks, newest first
//   lc:{room}:keys      user\nidempotency key -> order id
//   lc:{room}:user:<u>  list of the viewer's order ids
//   lc:order_id         the global order id counter (outside the room's slot: one Redis, not a
//                       cluster, as the outbox stream below)
//   lc:outbox           stream of orders for rooms with a webhook, read by the consumer group
//                       "fulfilment" (one consumer per RedisStore); lc:outbox:entries (order ->
//                       stream id), :rooms, :next (next attempt ms), :tries, :done, :log:<order>
//   channel lc:commits:{room}  a notice after each commit (what changed, by which node)
namespace commerce::detail {

inline constexpr const char* kOrderSeq = "lc:order_id";
inline constexpr const char* kOutbox = "lc:outbox";
inline constexpr const char* kOutboxEntries = "lc:outbox:entries";
inline constexpr const char* kOutboxRooms = "lc:outbox:rooms";
inline constexpr const char* kOutboxNext = "lc:outbox:next";
inline constexpr const char* kOutboxTries = "lc:outbox:tries";
inline constexpr const char* kOutboxDone = "lc:outbox:done";
inline constexpr const char* kOutboxGroup = "fulfilment";
inline constexpr const char* kCommitsPrefix = "lc:commits:";

struct RoomKeys {
  explicit RoomKeys(const std::string& room) : prefix("lc:{" + room + "}:") {}
  [[nodiscard]] std::string operator()(std::string_view what) const {
    return prefix + std::string(what);
  }
  [[nodiscard]] std::string user(const std::string& user_id) const {
    return prefix + "user:" + user_id;
  }
  std::string prefix;
};

}  // namespace commerce::detail
