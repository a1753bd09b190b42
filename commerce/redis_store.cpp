#include "commerce/redis_store.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <random>

#include "commerce/codec.hpp"
#include "commerce/redis_commit.hpp"
#include "commerce/redis_keys.hpp"
#include "commerce/redis_records.hpp"
#include "commerce/redis_scripts.hpp"
#include "commerce/redis_snapshot.hpp"

namespace commerce {
namespace json = boost::json;

namespace detail {

// What other nodes' commit notices named in a room, merged until it is read.
struct RemoteCommits {
  std::set<std::string> products, sales, coupons, points;
  std::set<std::int64_t> fresh, changed;  // order ids
  bool pin = false, shelf = false;
};

}  // namespace detail

using namespace detail;

namespace {

constexpr std::size_t kMaxDueScan = 10'000;    // pending entries one due_deliveries looks at
constexpr std::size_t kMaxCachedRooms = 1000;  // rooms whose catalogue and counters a node keeps

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string unique_node_name() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  char host[64] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + buf;
}

}  // namespace

// ---- the store ----

RedisStore::RedisStore(redis::Url url, Clock clock, redis::Options redis_options,
                       RedisStoreOptions options)
    : clock_(std::move(clock)), options_(std::move(options)) {
  node_ = options_.node.empty() ? unique_node_name() : options_.node;
  client_ = std::make_unique<redis::Client>(url, redis_options);
  subscriber_ = std::make_unique<redis::Subscriber>(
      url, redis_options, std::vector<std::string>{std::string(kCommitsPrefix) + "*"},
      [this](const std::string& channel, std::string payload) { on_notice(channel, payload); });
}

RedisStore::~RedisStore() {
  // From here on, what the client's callbacks send fails at once (the client is going away).
  stopping_ = true;
  subscriber_.reset();
  client_.reset();
}

void RedisStore::send(std::vector<std::string> argv, redis::Client::Callback done) {
  if (stopping_) return done(redis::Result{false, {}, "the store is stopping"});
  client_->command(std::move(argv), std::move(done));
}

bool RedisStore::available() const { return client_->up(); }

bool RedisStore::hears_other_nodes() const { return subscriber_->up(); }

std::uint64_t RedisStore::redis_commands() const {
  return client_->stats().commands.load(std::memory_order_relaxed);
}

std::int64_t RedisStore::now_ms() const { return clock_ ? clock_() : system_ms(); }

void RedisStore::set_listener(StoreListener* listener) {
  std::lock_guard lock(listener_mutex_);
  listener_ = listener;
}

void RedisStore::notify(const RoomChanges& changes) {
  std::lock_guard lock(listener_mutex_);
  if (listener_) listener_->on_committed(changes);
}

void RedisStore::eval(int script, std::vector<std::string> keys, std::vector<std::string> args,
                      redis::Client::Callback done) {
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(3 + keys.size() + args.size());
  argv->push_back("EVALSHA");
  argv->push_back(script_shas()[script]);
  argv->push_back(std::to_string(keys.size()));
  for (auto& k : keys) argv->push_back(std::move(k));
  for (auto& a : args) argv->push_back(std::move(a));
  auto first = *argv;
  send(std::move(first), [this, script, argv, done = std::move(done)](redis::Result r) mutable {
    if (r.ok && r.reply.is_error() && r.reply.str.starts_with("NOSCRIPT")) {
      // A fresh (or restarted) Redis: send the script itself once; it is cached
      // from then on.
      (*argv)[0] = "EVAL";
      (*argv)[1] = kScripts[script];
      return send(std::move(*argv), std::move(done));
    }
    done(std::move(r));
  });
}

void RedisStore::send_commit(RoomCommit& commit, redis::Client::Callback done) {
  eval(kCommit, commit.keys(), commit.args(), std::move(done));
}

void RedisStore::load(const std::string& room, const LoadSpec& spec,
                      std::function<void(std::shared_ptr<RoomSnapshot>, std::string)> done) {
  RoomKeys k(room);
  std::vector<std::string> keys{k("meta"),
                                k("products"),
                                k("stock"),
                                k("touched"),
                                k("sales"),
                                k("sold"),
                                k("coupons"),
                                k("claimed"),
                                k("claims"),
                                k("used"),
                                k("pickups"),
                                k("orders"),
                                k.user(spec.orders == "user" ? spec.orders_arg : ""),
                                k("keys")};
  std::shared_ptr<const CatalogueRecords> known;
  if (auto counters = seen(room)) known = counters->catalogue;
  std::string known_version = known ? std::to_string(known->version) : "-1";
  std::vector<std::string> args{spec.orders, spec.orders_arg, spec.claims, spec.claims_arg,
                                std::move(known_version)};
  args.insert(args.end(), spec.keys.begin(), spec.keys.end());
  eval(kLoad, std::move(keys), std::move(args),
       [this, room, known, asked = spec.keys.size(), done = std::move(done)](redis::Result r) {
         if (!r.ok) return done(nullptr, "the store is unavailable (" + r.error + ")");
         if (r.reply.is_error()) {
           spdlog::error("commerce redis store: room {}: load: {}", room, r.reply.str);
           return done(nullptr, "the store is unavailable (" + r.reply.str + ")");
         }
         std::shared_ptr<RoomSnapshot> snap;
         try {
           snap = parse_snapshot(room, r.reply, known);
         } catch (const std::exception& e) {
           spdlog::error("commerce redis store: room {}: {}", room, e.what());
           return done(nullptr, std::string("the store holds a bad record: ") + e.what());
         }
         if (snap->keys_used.size() != asked)
           return done(nullptr, "the store is unavailable (a load answered the wrong keys)");
         remember(room, *snap);
         done(std::move(snap), {});
       });
}

std::shared_ptr<const RoomCounters> RedisStore::seen(const std::string& room) {
  std::lock_guard lock(rooms_mutex_);
  auto it = rooms_.find(room);
  return it == rooms_.end() ? nullptr : it->second;
}

void RedisStore::remember(const std::string& room, const RoomCounters& counters) {
  auto kept = std::make_shared<const RoomCounters>(counters);
  std::lock_guard lock(rooms_mutex_);
  auto& held = rooms_[room];
  if (held && held->version > counters.version) return;  // a load that started before a change
  held = std::move(kept);
  if (rooms_.size() > kMaxCachedRooms) rooms_.clear();  // many rooms: start over
}

void RedisStore::forget(const std::string& room) {
  std::lock_guard lock(rooms_mutex_);
  rooms_.erase(room);
}

void RedisStore::remember_counters(const std::string& room, std::int64_t version,
                                   const RoomCommit& commit) {
  std::lock_guard lock(rooms_mutex_);
  auto it = rooms_.find(room);
  if (it == rooms_.end() || it->second->version != version) return;
  auto kept = std::make_shared<RoomCounters>(*it->second);
  for (const auto& p : commit.changes.products) {
    kept->stock[p.sku] = p.stock;
    auto& touched = kept->touched[p.sku];
    touched = std::max(touched, p.updated_at_ms);
  }
  for (const auto& sale : commit.changes.sales) kept->sold[sale.id] = sale.sold;
  for (const auto& coupon : commit.changes.coupons) kept->claimed[coupon.id] = coupon.claimed;
  it->second = std::move(kept);
}

template <class T>
void RedisStore::mutate(const std::string& room, LoadSpec spec, Decide<T> decide, Done<T> done,
                        int tries) {
  if (room.empty()) return done(Result<T>::fail(Errc::invalid, "a room is required"));
  load(room, spec,
       [this, room, spec, decide = std::move(decide), done = std::move(done), tries](
           std::shared_ptr<RoomSnapshot> snap, std::string error) mutable {
         if (!snap) return done(Result<T>::fail(Errc::unavailable, std::move(error)));
         auto commit = std::make_shared<RoomCommit>();
         auto result = std::make_shared<Result<T>>(decide(*snap, *commit, now_ms()));
         if (!result->ok() || commit->empty()) return done(std::move(*result));
         send_commit(*commit, [this, room, spec, decide = std::move(decide), done = std::move(done),
                               tries, commit, result](redis::Result r) mutable {
           std::string why;
           switch (read_commit(r, *commit, why)) {
             case Outcome::committed:
               // A new catalogue: what this node saw of the room is behind it.
               if (commit->counter(RoomKeys(room)("meta"), "version")) forget(room);
               done(std::move(*result));
               return notify(commit->changes);
             case Outcome::failed:
               return done(Result<T>::fail(Errc::unavailable,
                                           "the change could not be made durable (" + why + ")"));
             case Outcome::retry:
               if (tries + 1 >= options_.max_tries)
                 return done(Result<T>::fail(Errc::unavailable,
                                             "the room is changing too fast; try again"));
               retries_.fetch_add(1, std::memory_order_relaxed);
               return mutate<T>(room, std::move(spec), std::move(decide), std::move(done),
                                tries + 1);
           }
         });
       });
}

template <class T>
void RedisStore::read(const std::string& room, LoadSpec spec,
                      std::function<Result<T>(const Shop&, std::int64_t)> fn, Done<T> done) {
  load(room, spec,
       [this, fn = std::move(fn), done = std::move(done)](std::shared_ptr<RoomSnapshot> snap,
                                                          std::string error) {
         if (!snap) return done(Result<T>::fail(Errc::unavailable, std::move(error)));
         done(fn(*snap->shop, now_ms()));
       });
}

namespace {

// A catalogue change made by `op` on the shop.
template <class T>
std::function<Result<T>(RoomSnapshot&, RoomCommit&, std::int64_t)> catalogue_change(
    std::function<Result<T>(Shop&, std::int64_t)> op, const std::string& node,
    bool absolute_stock = false) {
  return
      [op = std::move(op), node, absolute_stock](RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        auto result = op(*s.shop, now);
        if (result.ok()) stage_catalogue(s, c, absolute_stock, node, now);
        return result;
      };
}

}  // namespace

void RedisStore::put_product(const std::string& room, Product p, Done<Product> done) {
  mutate<Product>(
      room, {},
      catalogue_change<Product>(
          [p = std::move(p)](Shop& s, std::int64_t now) { return s.put_product(p, now); }, node_,
          true),
      std::move(done));
}

void RedisStore::set_stock(const std::string& room, std::string sku, std::int64_t stock,
                           Done<Product> done) {
  mutate<Product>(room, {},
                  catalogue_change<Product>(
                      [sku = std::move(sku), stock](Shop& s, std::int64_t now) {
                        return s.set_stock(sku, stock, now);
                      },
                      node_, true),
                  std::move(done));
}

void RedisStore::edit_product(const std::string& room, std::string sku, Shop::ProductEdit change,
                              Done<Product> done) {
  mutate<Product>(room, {},
                  catalogue_change<Product>(
                      [sku = std::move(sku), change = std::move(change)](
                          Shop& s, std::int64_t now) { return s.edit_product(sku, change, now); },
                      node_),
                  std::move(done));
}

void RedisStore::remove_product(const std::string& room, std::string sku, Done<Product> done) {
  mutate<Product>(
      room, {},
      catalogue_change<Product>(
          [sku = std::move(sku)](Shop& s, std::int64_t now) { return s.remove_product(sku, now); },
          node_),
      std::move(done));
}

void RedisStore::set_shelf_order(const std::string& room, std::vector<std::string> skus,
                                 Done<std::vector<std::string>> done) {
  mutate<std::vector<std::string>>(
      room, {},
      catalogue_change<std::vector<std::string>>(
          [skus = std::move(skus)](Shop& s, std::int64_t) { return s.set_shelf_order(skus); },
          node_),
      std::move(done));
}

void RedisStore::pin(const std::string& room, std::string sku, Done<std::string> done) {
  mutate<std::string>(room, {},
                      catalogue_change<std::string>(
                          [sku = std::move(sku)](Shop& s, std::int64_t) -> Result<std::string> {
                            if (!sku.empty()) return s.pin(sku);
                            s.unpin();
                            return {std::string{}, {}};
                          },
                          node_),
                      std::move(done));
}

void RedisStore::start_sale(const std::string& room, FlashSale sale, Done<FlashSale> done) {
  mutate<FlashSale>(
      room, {},
      catalogue_change<FlashSale>(
          [sale = std::move(sale)](Shop& s, std::int64_t now) { return s.start_sale(sale, now); },
          node_),
      std::move(done));
}

void RedisStore::stop_sale(const std::string& room, std::string id, Done<FlashSale> done) {
  mutate<FlashSale>(
      room, {},
      catalogue_change<FlashSale>(
          [id = std::move(id)](Shop& s, std::int64_t now) { return s.stop_sale(id, now); }, node_),
      std::move(done));
}

void RedisStore::create_coupon(const std::string& room, Coupon c, Done<Coupon> done) {
  mutate<Coupon>(
      room, {},
      catalogue_change<Coupon>(
          [c = std::move(c)](Shop& s, std::int64_t now) { return s.create_coupon(c, now); }, node_),
      std::move(done));
}

void RedisStore::withdraw_coupon(const std::string& room, std::string id, Done<Coupon> done) {
  mutate<Coupon>(
      room, {},
      catalogue_change<Coupon>(
          [id = std::move(id)](Shop& s, std::int64_t) { return s.withdraw_coupon(id); }, node_),
      std::move(done));
}

void RedisStore::claim_coupon(const std::string& room, std::string coupon_id, std::string user_id,
                              Done<CouponClaim> done) {
  LoadSpec spec{"user", user_id, "user", user_id};
  mutate<CouponClaim>(
      room, std::move(spec),
      [this, coupon_id = std::move(coupon_id), user_id = std::move(user_id)](
          RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        auto result = s.shop->claim_coupon(coupon_id, user_id, now);
        if (result.ok()) stage_claim(s, c, *result.value, node_);
        return result;
      },
      std::move(done));
}

void RedisStore::put_pickup_point(const std::string& room, PickupPoint p, Done<PickupPoint> done) {
  mutate<PickupPoint>(
      room, {},
      catalogue_change<PickupPoint>(
          [p = std::move(p)](Shop& s, std::int64_t) { return s.put_pickup_point(p); }, node_),
      std::move(done));
}

void RedisStore::remove_pickup_point(const std::string& room, std::string id,
                                     Done<PickupPoint> done) {
  mutate<PickupPoint>(
      room, {},
      catalogue_change<PickupPoint>(
          [id = std::move(id)](Shop& s, std::int64_t) { return s.remove_pickup_point(id); }, node_),
      std::move(done));
}

void RedisStore::set_webhook(const std::string& room, std::string url, Done<std::string> done) {
  mutate<std::string>(
      room, {},
      catalogue_change<std::string>(
          [url = std::move(url)](Shop& s, std::int64_t) { return s.set_webhook(url); }, node_),
      std::move(done));
}

void RedisStore::answer(PurchaseDone& done, PurchaseResult result) {
  purchases_.fetch_add(1, std::memory_order_relaxed);
  done(std::move(result));
}

PurchaseResult RedisStore::not_bought(const std::string& why) {
  return PurchaseResult{PurchaseOutcome::unavailable, why + "; nothing was bought", std::nullopt,
                        false};
}

void RedisStore::purchase(PurchaseRequest r, bool room_open, PurchaseDone done) {
  // Bad fields need nothing from Redis (and are answered while it is down).
  std::string bad = r.room.empty() ? "a room is required" : validate(r);
  if (!bad.empty())
    return answer(done,
                  PurchaseResult{PurchaseOutcome::invalid, std::move(bad), std::nullopt, false});
  auto req = std::make_shared<PurchaseRequest>(std::move(r));
  // Decided ahead, on the room as this node last saw it: an acceptance goes straight to the
  // commit, whose guards (the catalogue's version, the key, stock, the sale's quota, the
  // viewer's units, the claim) stand in for a read. A refusal is not final on what may be
  // behind, and a room not seen yet has nothing to decide on: both wait for a read of the room
  // that starts after they came, one for all that wait together. With a coupon the decision
  // needs the viewer's claims: that purchase reads them.
  if (req->coupon_id.empty()) {
    if (auto counters = seen(req->room)) {
      auto snap = snapshot_of(req->room, *counters);
      PurchaseResult decided = snap->shop->purchase(*req, 0, now_ms(), room_open);
      if (decided.outcome == PurchaseOutcome::ok && !decided.replayed)
        return purchase_commit(std::move(req), room_open, std::move(done), 0, std::move(snap),
                               std::move(*decided.order));
    }
    return read_together(std::move(req), room_open, std::move(done));
  }
  purchase_try(std::move(req), room_open, std::move(done), 0);
}

void RedisStore::read_together(std::shared_ptr<PurchaseRequest> r, bool room_open,
                               PurchaseDone done) {
  const std::string room = r->room;
  {
    std::lock_guard lock(readers_mutex_);
    readers_[room].push_back({std::move(r), room_open, std::move(done)});
    if (!reading_.insert(room).second) return;  // waits for the next read of the room
  }
  read_for_readers(room);
}

void RedisStore::read_for_readers(const std::string& room) {
  auto waiting = std::make_shared<std::vector<Reader>>();
  {
    std::lock_guard lock(readers_mutex_);
    auto it = readers_.find(room);
    if (it == readers_.end() || it->second.empty()) {
      reading_.erase(room);
      return;
    }
    *waiting = std::move(it->second);
    readers_.erase(it);
  }
  LoadSpec spec{"none", {}, "none", {}};
  for (const auto& w : *waiting) spec.keys.push_back(w.r->user_id + '\n' + w.r->idempotency_key);
  purchase_round_trips_.fetch_add(1, std::memory_order_relaxed);
  load(room, spec, [this, room, waiting](std::shared_ptr<RoomSnapshot> snap, std::string error) {
    const std::int64_t now = now_ms();
    for (std::size_t i = 0; i < waiting->size(); ++i) {
      auto& w = (*waiting)[i];
      if (!snap) {
        answer(w.done, not_bought(error));
        continue;
      }
      if (snap->keys_used[i]) {  // a replay (or a conflict): answered from the viewer's orders
        purchase_try(std::move(w.r), w.room_open, std::move(w.done), 0);
        continue;
      }
      // Decided on the room as it is now (the viewer's units count after stock and the sale in a
      // decision, and the commit's guards re-check them): a refusal is the answer. Each one
      // accepted is decided again on a shop of its own, which its decision changes.
      if (auto refused = snap->shop->refusal(*w.r, now, w.room_open)) {
        answer(w.done, std::move(*refused));
        continue;
      }
      auto mine = snapshot_of(room, *snap);
      PurchaseResult decided = mine->shop->purchase(*w.r, 0, now, w.room_open);
      // refusal() found none, so this is an order; were it not, the viewer's own read decides.
      if (decided.outcome != PurchaseOutcome::ok || decided.replayed) {
        purchase_try(std::move(w.r), w.room_open, std::move(w.done), 0);
        continue;
      }
      purchase_commit(std::move(w.r), w.room_open, std::move(w.done), 0, std::move(mine),
                      std::move(*decided.order));
    }
    read_for_readers(room);  // those that came meanwhile
  });
}

void RedisStore::purchase_try(std::shared_ptr<PurchaseRequest> r, bool room_open,
                              PurchaseDone done, int tries) {
  purchase_round_trips_.fetch_add(1, std::memory_order_relaxed);
  LoadSpec spec{"user", r->user_id, "user", r->user_id};
  load(r->room, spec,
       [this, r, room_open, done = std::move(done), tries](std::shared_ptr<RoomSnapshot> snap,
                                                          std::string error) mutable {
         if (!snap) return answer(done, not_bought(error));
         PurchaseResult decided = snap->shop->purchase(*r, 0, now_ms(), room_open);
         if (decided.outcome != PurchaseOutcome::ok || decided.replayed)
           return answer(done, std::move(decided));
         purchase_commit(r, room_open, std::move(done), tries, std::move(snap),
                         std::move(*decided.order));
       });
}

void RedisStore::purchase_commit(std::shared_ptr<PurchaseRequest> r, bool room_open,
                                 PurchaseDone done, int tries, std::shared_ptr<RoomSnapshot> snap,
                                 Order order) {
  auto commit = std::make_shared<RoomCommit>();
  const std::int64_t now = now_ms();
  stage_purchase(*snap, *commit, order, node_, now);
  purchase_round_trips_.fetch_add(1, std::memory_order_relaxed);
  send_commit(*commit, [this, r, room_open, done = std::move(done), tries, snap, commit,
                        order = std::move(order)](redis::Result res) mutable {
    if (!res.ok && !res.sent)  // refused before it reached Redis (down): it did not run
      return answer(done, not_bought(res.error));
    std::string why;
    switch (read_commit(res, *commit, why)) {
      case Outcome::committed:
        remember_counters(r->room, snap->version, *commit);
        order.id = to_int(commit->order_id);
        answer(done, PurchaseResult{PurchaseOutcome::ok, {}, std::move(order), false});
        return notify(commit->changes);
      case Outcome::failed:
        // Maybe bought, maybe not: the same key again answers which.
        return answer(done, PurchaseResult{PurchaseOutcome::unavailable,
                                           "the order could not be confirmed (" + why +
                                               "); try again with the same key",
                                           std::nullopt, false});
      case Outcome::retry:
        break;
    }
    if (tries + 1 >= options_.max_tries)
      return answer(done, not_bought("too many buyers at once"));
    retries_.fetch_add(1, std::memory_order_relaxed);
    // Refused on the stock or the sale's quota: fewer units are left than asked for, as the
    // script saw them, after the catalogue's version and the key were found unchanged. Decided
    // again with that value laid over, the refusal is the answer; anything else reads first.
    auto [key, field] = commit->guard_target(commit->refused_guard);
    RoomKeys k(r->room);
    if (key == k("stock") || key == k("sold")) {
      RoomCounters now_seen = *snap;
      (key == k("stock") ? now_seen.stock : now_seen.sold)[field] =
          commit->refused_value ? to_int(*commit->refused_value) : 0;
      remember(r->room, now_seen);
      auto again = snapshot_of(r->room, std::move(now_seen));
      PurchaseResult decided = again->shop->purchase(*r, 0, now_ms(), room_open);
      if (decided.outcome == PurchaseOutcome::sold_out) return answer(done, std::move(decided));
    }
    purchase_try(r, room_open, std::move(done), tries + 1);
  });
}

void RedisStore::set_order_status(const std::string& room, std::int64_t order_id,
                                  OrderStatus status, Done<Order> done) {
  LoadSpec spec{"ids", std::to_string(order_id), "none", {}};
  mutate<Order>(
      room, std::move(spec),
      [this, order_id, status](RoomSnapshot& s, RoomCommit& c, std::int64_t now) {
        const Order* found = s.shop->order(order_id);
        std::optional<Order> before;
        if (found) before = *found;
        auto result = s.shop->set_order_status(order_id, status, now);
        if (result.ok() && before) stage_status(s, c, *before, *result.value, node_, now);
        return result;
      },
      std::move(done));
}

void RedisStore::shelf(const std::string& room, Done<ShelfView> done) {
  read<ShelfView>(
      room, {},
      [](const Shop& s, std::int64_t now) {
        return Result<ShelfView>{s.shelf(now), {}};
      },
      std::move(done));
}

void RedisStore::product(const std::string& room, std::string sku, Done<Product> done) {
  read<Product>(
      room, {},
      [sku = std::move(sku)](const Shop& s, std::int64_t) {
        const Product* p = s.product(sku);
        return p && p->on_shelf ? Result<Product>{*p, {}}
                                : Result<Product>::fail(Errc::not_found, "no such product");
      },
      std::move(done));
}

void RedisStore::orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) {
  if (!q.user_id.empty()) {  // a viewer's orders: the few on the viewer's own list
    LoadSpec spec{"user", q.user_id, "none", {}};
    read<std::vector<Order>>(
        room, std::move(spec),
        [q = std::move(q)](const Shop& s, std::int64_t) {
          return Result<std::vector<Order>>{s.orders(q), {}};
        },
        std::move(done));
    return;
  }
  // The room's orders: paged inside Redis, so that a page moves a page, not every order.
  RoomKeys k(room);
  eval(
      kOrders, {k("orders"), k("order_ids")},
      {std::to_string(q.before_id), std::to_string(q.limit), q.sku,
       q.status ? std::string(to_string(*q.status)) : std::string{}},
      [room, done = std::move(done)](redis::Result r) {
        using R = Result<std::vector<Order>>;
        if (!r.ok)
          return done(R::fail(Errc::unavailable, "the store is unavailable (" + r.error + ")"));
        if (r.reply.is_error()) {
          spdlog::error("commerce redis store: room {}: orders: {}", room, r.reply.str);
          return done(R::fail(Errc::unavailable, "the store is unavailable (" + r.reply.str + ")"));
        }
        std::vector<Order> page;
        try {
          for (const auto& body : r.reply.elements) page.push_back(decode<Order>(body.str));
        } catch (const std::exception& e) {
          spdlog::error("commerce redis store: room {}: {}", room, e.what());
          return done(
              R::fail(Errc::unavailable, std::string("the store holds a bad record: ") + e.what()));
        }
        done(R{std::move(page), {}});
      });
}

void RedisStore::order(const std::string& room, std::int64_t id, Done<Order> done) {
  read<Order>(
      room, {"ids", std::to_string(id), "none", {}},
      [id](const Shop& s, std::int64_t) {
        const Order* o = s.order(id);
        return o ? Result<Order>{*o, {}} : Result<Order>::fail(Errc::not_found, "no such order");
      },
      std::move(done));
}

void RedisStore::claims_of(const std::string& room, std::string user_id,
                           Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(
      room, {"none", {}, "user", user_id},
      [user_id](const Shop& s, std::int64_t) {
        return Result<std::vector<CouponClaim>>{s.claims_of(user_id), {}};
      },
      std::move(done));
}

void RedisStore::catalogue(const std::string& room, Done<Catalogue> done) {
  read<Catalogue>(
      room, {},
      [](const Shop& s, std::int64_t) {
        return Result<Catalogue>{s.catalogue(), {}};
      },
      std::move(done));
}

void RedisStore::coupon_claims(const std::string& room, std::string coupon_id,
                               Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(
      room, {"none", {}, "all", {}},
      [coupon_id = std::move(coupon_id)](const Shop& s, std::int64_t) {
        if (!s.coupon(coupon_id))
          return Result<std::vector<CouponClaim>>::fail(Errc::not_found, "no such coupon");
        return Result<std::vector<CouponClaim>>{s.claims_of_coupon(coupon_id), {}};
      },
      std::move(done));
}

void RedisStore::webhook(const std::string& room, Done<std::string> done) {
  read<std::string>(
      room, {},
      [](const Shop& s, std::int64_t) {
        return Result<std::string>{s.webhook_url(), {}};
      },
      std::move(done));
}

// ---- the outbox ----

void RedisStore::due_deliveries(std::int64_t now_ms, std::size_t limit,
                                Done<std::vector<PendingDelivery>> done) {
  eval(kDue, {kOutbox, kOutboxEntries, kOutboxRooms, kOutboxNext, kOutboxTries, kOutboxDone},
       {kOutboxGroup, node_, std::to_string(now_ms), std::to_string(limit),
        std::to_string(options_.claim_after.count()), std::to_string(kMaxDueScan)},
       [done = std::move(done)](redis::Result r) {
         using R = Result<std::vector<PendingDelivery>>;
         if (!r.ok)
           return done(R::fail(Errc::unavailable, "the store is unavailable (" + r.error + ")"));
         if (r.reply.is_error()) {
           spdlog::error("commerce redis store: due deliveries: {}", r.reply.str);
           return done(R::fail(Errc::unavailable, r.reply.str));
         }
         std::vector<PendingDelivery> due;
         try {
           for (const auto& e : r.reply.elements) {
             if (e.elements.size() != 3) continue;
             due.push_back(
                 {decode<Order>(e.elements[0].str), e.elements[1].str, e.elements[2].integer});
           }
         } catch (const std::exception& ex) {
           spdlog::error("commerce redis store: due deliveries: {}", ex.what());
           return done(R::fail(Errc::unavailable, ex.what()));
         }
         done(R{std::move(due), {}});
       });
}

void RedisStore::record_delivery(DeliveryAttempt a, std::int64_t next_attempt_ms, Done<bool> done) {
  const std::string id = std::to_string(a.order_id);
  const bool finished = a.error.empty() || next_attempt_ms == 0;
  eval(kRecord,
       {kOutbox, kOutboxEntries, kOutboxNext, kOutboxTries, kOutboxDone, "lc:outbox:log:" + id},
       {kOutboxGroup, node_, id, json::serialize(to_json(a)), std::to_string(next_attempt_ms),
        finished ? "1" : "0"},
       [id, done = std::move(done)](redis::Result r) {
         if (r.ok && !r.reply.is_error()) return done(Result<bool>{true, {}});
         spdlog::error("commerce redis store: delivery of order {}: {}", id,
                       r.ok ? r.reply.str : r.error);
         done(Result<bool>::fail(Errc::unavailable, "the attempt could not be recorded"));
       });
}

void RedisStore::deliveries(const std::string& room, std::int64_t order_id,
                            Done<std::vector<DeliveryAttempt>> done) {
  const std::string id = std::to_string(order_id);
  eval(kDeliveries, {kOutboxRooms, "lc:outbox:log:" + id}, {id, room},
       [order_id, done = std::move(done)](redis::Result r) {
         using R = Result<std::vector<DeliveryAttempt>>;
         if (!r.ok || r.reply.is_error())
           return done(R::fail(Errc::unavailable, r.ok ? r.reply.str : r.error));
         std::vector<DeliveryAttempt> list;
         try {
           for (const auto& e : r.reply.elements) {
             auto v = json::parse(e.str).as_object();
             list.push_back({order_id, v.at("at_ms").to_number<std::int64_t>(),
                             static_cast<int>(v.at("http_status").to_number<std::int64_t>()),
                             std::string(v.at("error").as_string())});
           }
         } catch (const std::exception& ex) {
           return done(R::fail(Errc::unavailable, ex.what()));
         }
         done(R{std::move(list), {}});
       });
}

// ---- commits by other nodes ----

void RedisStore::on_notice(const std::string& channel, const std::string& payload) {
  {
    std::lock_guard lock(listener_mutex_);
    if (!listener_) return;
  }
  const std::string prefix = std::string(kCommitsPrefix) + "{";
  if (!channel.starts_with(prefix) || !channel.ends_with("}")) return;
  std::string room = channel.substr(prefix.size(), channel.size() - prefix.size() - 1);
  json::object n;
  try {
    n = json::parse(payload).as_object();
  } catch (const std::exception& e) {
    spdlog::warn("commerce redis store: bad commit notice on {}: {}", channel, e.what());
    return;
  }
  if (auto it = n.find("node");
      it != n.end() && it->value().is_string() && it->value().as_string() == node_)
    return;  // told already, with the values as committed
  auto strings = [&n](const char* key, auto& into) {
    if (auto it = n.find(key); it != n.end() && it->value().is_array())
      for (const auto& v : it->value().as_array())
        if (v.is_string()) {
          if constexpr (std::is_same_v<std::decay_t<decltype(into)>, std::set<std::int64_t>>)
            into.insert(to_int(std::string(v.as_string())));
          else
            into.emplace(v.as_string());
        }
  };
  auto flag = [&n](const char* key) {
    auto it = n.find(key);
    return it != n.end() && it->value().is_bool() && it->value().as_bool();
  };
  {
    // Notices that come while the room's last ones are being read are merged and read together:
    // one load per room at a time, however fast other nodes commit.
    std::lock_guard lock(remote_mutex_);
    auto& merged = remote_[room];
    strings("p", merged.products);
    strings("s", merged.sales);
    strings("c", merged.coupons);
    strings("pp", merged.points);
    strings("n", merged.fresh);
    strings("o", merged.changed);
    merged.pin = merged.pin || flag("pin");
    merged.shelf = merged.shelf || flag("shelf");
    if (!remote_loading_.insert(room).second) return;
  }
  tell_remote_commits(room);
}

void RedisStore::tell_remote_commits(const std::string& room) {
  auto c = std::make_shared<detail::RemoteCommits>();
  {
    std::lock_guard lock(remote_mutex_);
    auto it = remote_.find(room);
    if (it == remote_.end()) {
      remote_loading_.erase(room);
      return;
    }
    *c = std::move(it->second);
    remote_.erase(it);
  }
  std::string ids;
  for (const auto& list : {c->fresh, c->changed})
    for (auto id : list) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  LoadSpec spec{ids.empty() ? "none" : "ids", ids, "none", {}};
  load(room, spec, [this, room, c](std::shared_ptr<RoomSnapshot> snap, std::string error) {
    if (!snap) {
      spdlog::warn("commerce redis store: room {}: commits by another node are not told: {}", room,
                   error);
      return tell_remote_commits(room);
    }
    const Shop& shop = *snap->shop;
    RoomChanges out;
    out.room = room;
    out.from_this_node = false;
    for (const auto& sku : c->products)
      if (const Product* p = shop.product(sku)) out.products.push_back(*p);
    for (const auto& id : c->sales)
      if (const FlashSale* s = shop.sale(id)) out.sales.push_back(*s);
    for (const auto& id : c->coupons)
      if (const Coupon* cp = shop.coupon(id)) out.coupons.push_back(*cp);
    for (const auto& id : c->points)
      if (const PickupPoint* p = shop.pickup_point(id)) out.pickup_points.push_back(*p);
    for (auto id : c->fresh)
      if (const Order* o = shop.order(id)) out.new_orders.push_back(*o);
    for (auto id : c->changed)
      if (const Order* o = shop.order(id); o && !c->fresh.contains(id))
        out.changed_orders.push_back(*o);
    out.shelf_changed = c->shelf;
    out.pin_changed = c->pin || (!shop.pinned().empty() && c->products.contains(shop.pinned()));
    if (out.pin_changed && !shop.pinned().empty()) out.pinned = *shop.product(shop.pinned());
    notify(out);
    tell_remote_commits(room);  // what came meanwhile
  });
}

}  // namespace commerce
