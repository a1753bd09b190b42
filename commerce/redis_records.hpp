#pragma once
// How the Redis store writes its records and reads Redis's answers: JSON records (the forms of
// codec.hpp), integer counters, hash replies, and the notice other nodes hear after a commit.
#include <cstdint>
#include <map>
#include <string>

#include "commerce/model.hpp"
#include "commerce/shop.hpp"
#include "redis/reply.hpp"

namespace commerce::detail {

// A stored record (Product, FlashSale, Coupon, CouponClaim, PickupPoint, Order); throws on a bad
// one.
template <class T>
T decode(const std::string& body);
std::int64_t to_int(const std::string& s);
// An HGETALL answer as field -> value, and as field -> integer.
std::map<std::string, std::string> hash_of(const redis::Reply& r);
std::map<std::string, std::int64_t> counters_of(const redis::Reply& r);

std::string encode(const Product& p);
// An order as stored: with no "number" (the id makes it) and, before the script gives it its
// id, "#ID#" for the id.
std::string encode_order(const Order& o, bool placeholder_id);
std::string claim_field(const std::string& coupon_id, const std::string& user_id);

// What a commit changed, for other nodes (lc:commits:{room}); `new_order`: the "#ID#" the commit
// script replaces with the order's id.
std::string notice(const std::string& node, const ShopChanges& c, bool new_order);

}  // namespace commerce::detail
