#pragma once
// A decision made durable: the Shop's changes staged as one guarded commit (the facts the
// decision rests on, re-checked inside Redis by the commit script, then the writes), and the
// script's answer read back.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "commerce/redis_snapshot.hpp"
#include "commerce/store.hpp"
#include "redis/reply.hpp"

namespace commerce::detail {

// One commit: the facts to re-check inside Redis, then the writes, as arguments of kCommit.
class RoomCommit {
 public:
  void guard(std::string op, const std::string& key, std::string field, std::string value = {}) {
    add(guards_, std::move(op), key, std::move(field), std::move(value));
  }
  void guard(std::string op, const std::string& key, std::string field, std::int64_t value) {
    guard(std::move(op), key, std::move(field), std::to_string(value));
  }
  void write(std::string op, const std::string& key, std::string field, std::string value = {}) {
    if (op == "HINCRBY") ++incrs_;  // each answers a result, in order
    add(writes_, std::move(op), key, std::move(field), std::move(value));
  }
  // An HINCRBY whose result counter() gives once committed.
  void incr(const std::string& key, const std::string& field, std::int64_t by) {
    incr_index_[{key, field}] = incrs_;
    write("HINCRBY", key, field, std::to_string(by));
  }
  [[nodiscard]] bool empty() const { return writes_.empty(); }
  [[nodiscard]] std::size_t guard_count() const { return guards_.size() / 4; }
  [[nodiscard]] const std::vector<std::string>& keys() const { return keys_; }
  [[nodiscard]] std::vector<std::string> args() const {
    std::vector<std::string> out{std::to_string(guards_.size() / 4),
                                 std::to_string(writes_.size() / 4)};
    out.insert(out.end(), guards_.begin(), guards_.end());
    out.insert(out.end(), writes_.begin(), writes_.end());
    return out;
  }
  // The hash key and field guard `i` (1-based, as the script counts them) looks at.
  [[nodiscard]] std::pair<std::string, std::string> guard_target(std::size_t i) const {
    const std::size_t at = (i - 1) * 4;
    return {keys_.at(std::stoul(guards_.at(at + 1)) - 1), guards_.at(at + 2)};
  }
  // What an HINCRBY left, once committed.
  [[nodiscard]] std::optional<std::int64_t> counter(const std::string& key,
                                                    const std::string& field) const {
    auto it = incr_index_.find({key, field});
    if (it == incr_index_.end() || it->second >= results.size()) return std::nullopt;
    return results[it->second];
  }

  RoomChanges changes;                // for the listener, counters patched once committed
  std::string order_id;               // from the script, when it made an order
  std::vector<std::int64_t> results;  // of the HINCRBYs, in order
  // When refused: the guard that failed (1-based) and what its field held then (absent: nil).
  std::size_t refused_guard = 0;
  std::optional<std::string> refused_value;

 private:
  int key_index(const std::string& key) {
    for (std::size_t i = 0; i < keys_.size(); ++i)
      if (keys_[i] == key) return static_cast<int>(i) + 1;
    keys_.push_back(key);
    return static_cast<int>(keys_.size());
  }
  void add(std::vector<std::string>& into, std::string op, const std::string& key,
           std::string field, std::string value) {
    into.push_back(std::move(op));
    into.push_back(key.empty() ? "0" : std::to_string(key_index(key)));
    into.push_back(std::move(field));
    into.push_back(std::move(value));
  }
  std::vector<std::string> keys_, guards_, writes_;
  std::map<std::pair<std::string, std::string>, std::size_t> incr_index_;
  std::size_t incrs_ = 0;
};

// Each stages what the shop's decision changed (its take_changes()) into `c`, with the listener's
// RoomChanges and the commit notice for other nodes (`node`: this node's name).

// A catalogue change (products, sales, coupons, pickup points, shelf, pin, webhook): guarded by
// the room's version, which it bumps. Counters are written when the record is new, when the
// change set them (`absolute_stock`: put_product, set_stock), or when the change moved them.
void stage_catalogue(RoomSnapshot& s, RoomCommit& c, bool absolute_stock, const std::string& node,
                     std::int64_t now);
// A purchase the shop accepted: re-checks the contended facts (the key, stock, the sale's quota,
// the viewer's units, the claim) and the catalogue's version, then takes stock and records the
// order, its key, and its outbox entry in the same step.
void stage_purchase(RoomSnapshot& s, RoomCommit& c, const Order& o, const std::string& node,
                    std::int64_t now);
// An order's status move, guarded by its status as loaded; a cancel gives back stock, the
// sale's quota (while it runs), the viewer's units and the coupon claim.
void stage_status(RoomSnapshot& s, RoomCommit& c, const Order& before, const Order& after,
                  const std::string& node, std::int64_t now);
// A new claim: guarded by the coupon's count (when limited) and, for a welcome coupon, the
// viewer having bought nothing.
void stage_claim(RoomSnapshot& s, RoomCommit& c, const CouponClaim& claim, const std::string& node);

enum class Outcome { committed, retry, failed };

// Reads the commit script's answer into `commit` (order id, counters) and says what it means.
Outcome read_commit(const redis::Result& r, RoomCommit& commit, std::string& error);

}  // namespace commerce::detail
