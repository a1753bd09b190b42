#include "commerce/sqlite_store.hpp"

#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <chrono>
#include <limits>
#include <stdexcept>

#include "commerce/codec.hpp"

namespace commerce {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxBatch = 4096;

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  bool step() {  // true: a row; throws on error
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    return false;
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::string text(int i) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string{};
  }
  [[nodiscard]] std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

template <class T>
T decode(const std::string& body) {
  T out{};
  auto v = json::parse(body);
  if (auto e = from_json(v.as_object(), out); !e.empty()) throw std::runtime_error("stored record: " + e);
  return out;
}

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path, Clock clock) : clock_(std::move(clock)) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, 5000);
  // WAL with synchronous=FULL: an acknowledged order survives power loss, not only a crash.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE IF NOT EXISTS products (room TEXT NOT NULL, sku TEXT NOT NULL, body TEXT NOT NULL,"
       " PRIMARY KEY (room, sku))");
  exec("CREATE TABLE IF NOT EXISTS flash_sales (room TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
       " PRIMARY KEY (room, id))");
  exec("CREATE TABLE IF NOT EXISTS coupons (room TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
       " PRIMARY KEY (room, id))");
  exec("CREATE TABLE IF NOT EXISTS coupon_claims (room TEXT NOT NULL, coupon_id TEXT NOT NULL,"
       " user_id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (room, coupon_id, user_id))");
  exec("CREATE TABLE IF NOT EXISTS pickup_points (room TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
       " PRIMARY KEY (room, id))");
  exec("CREATE TABLE IF NOT EXISTS shops (room TEXT PRIMARY KEY, shelf_order TEXT NOT NULL,"
       " pinned TEXT NOT NULL, webhook_url TEXT NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, room TEXT NOT NULL, user_id TEXT NOT NULL,"
       " idempotency_key TEXT NOT NULL, status TEXT NOT NULL, body TEXT NOT NULL)");
  exec("CREATE TABLE IF NOT EXISTS outbox (order_id INTEGER PRIMARY KEY, room TEXT NOT NULL, url TEXT NOT NULL,"
       " next_attempt_ms INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
       " delivered_at_ms INTEGER NOT NULL DEFAULT 0)");
  exec("CREATE INDEX IF NOT EXISTS outbox_due ON outbox (next_attempt_ms) WHERE delivered_at_ms = 0");
  exec("CREATE TABLE IF NOT EXISTS delivery_attempts (order_id INTEGER NOT NULL, at_ms INTEGER NOT NULL,"
       " http_status INTEGER NOT NULL, error TEXT NOT NULL)");
  exec("CREATE INDEX IF NOT EXISTS delivery_attempts_order ON delivery_attempts (order_id)");
  load();
  writer_ = std::thread([this] { run(); });
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_one();
  writer_.join();
}

void SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(std::string("sqlite: ") + message + " in " + sql);
  }
}

std::int64_t SqliteStore::now_ms() const { return clock_ ? clock_() : system_ms(); }

Shop& SqliteStore::shop_locked(const std::string& room) {
  auto& s = shops_[room];
  if (!s) s = std::make_unique<Shop>(room);
  return *s;
}

void SqliteStore::load() {
  std::lock_guard lock(state_mutex_);
  shops_.clear();
  next_order_id_ = 1;
  sqlite3* db = db_.get();
  {
    Stmt s(db, "SELECT room, body FROM products");
    while (s.step()) shop_locked(s.text(0)).load(decode<Product>(s.text(1)));
  }
  {
    Stmt s(db, "SELECT room, body FROM flash_sales");
    while (s.step()) shop_locked(s.text(0)).load(decode<FlashSale>(s.text(1)));
  }
  {
    Stmt s(db, "SELECT room, body FROM coupons");
    while (s.step()) shop_locked(s.text(0)).load(decode<Coupon>(s.text(1)));
  }
  {
    Stmt s(db, "SELECT room, body FROM coupon_claims");
    while (s.step()) shop_locked(s.text(0)).load(decode<CouponClaim>(s.text(1)));
  }
  {
    Stmt s(db, "SELECT room, body FROM pickup_points");
    while (s.step()) shop_locked(s.text(0)).load(decode<PickupPoint>(s.text(1)));
  }
  {
    Stmt s(db, "SELECT body FROM orders ORDER BY id");
    while (s.step()) {
      auto o = decode<Order>(s.text(0));
      next_order_id_ = std::max(next_order_id_, o.id + 1);
      shop_locked(o.room).load(std::move(o));
    }
  }
  {
    Stmt s(db, "SELECT room, shelf_order, pinned, webhook_url FROM shops");
    std::map<std::string, bool> seen;
    while (s.step()) {
      std::vector<std::string> order;
      json::value stored = json::parse(s.text(1));  // named: a range-for over a temporary's array dangles
      for (const auto& v : stored.as_array()) order.emplace_back(v.as_string());
      shop_locked(s.text(0)).load_settings(std::move(order), s.text(2), s.text(3));
      seen[s.text(0)] = true;
    }
    for (auto& [room, shop] : shops_)
      if (!seen.contains(room)) shop->load_settings({}, {}, {});
  }
  for (auto& [room, shop] : shops_) (void)shop->take_changes();
}

void SqliteStore::set_listener(StoreListener* listener) {
  // Waits for a notification in progress: once this returns, the old listener is not called.
  std::lock_guard lock(listener_mutex_);
  listener_ = listener;
}

void SqliteStore::enqueue(Task task) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(task));
  }
  queue_cv_.notify_one();
}

void SqliteStore::run() {
  std::deque<Task> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commit_batch(batch);
    batch.clear();
  }
}

void SqliteStore::commit_batch(std::deque<Task>& batch) {
  std::vector<Completion> completions;
  completions.reserve(batch.size());
  std::vector<RoomChanges> changes;
  bool written = true;
  {
    std::lock_guard lock(state_mutex_);
    try {
      exec("BEGIN IMMEDIATE");
    } catch (const std::exception& e) {
      spdlog::error("commerce store: {}", e.what());
      written = false;
    }
    std::map<std::string, Shop*> touched;
    for (auto& task : batch) {
      Shop* shop = task.room.empty() ? nullptr : &shop_locked(task.room);
      completions.push_back(task.apply(shop));
      if (shop) touched[task.room] = shop;
    }
    for (auto& [room, shop] : touched) {
      auto c = shop->take_changes();
      if (c.empty()) continue;
      RoomChanges out;
      out.room = room;
      if (written) written = write_changes(*shop, c, out);
      changes.push_back(std::move(out));
    }
    ++commits_;
    operations_ += batch.size();
    if (written && fail_commits_ > 0) {
      --fail_commits_;
      written = false;
    }
  }
  if (written) {
    try {
      exec("COMMIT");
    } catch (const std::exception& e) {
      spdlog::error("commerce store: commit failed: {}", e.what());
      written = false;
    }
  }
  if (!written) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    try {
      load();  // memory goes back to what the file holds
    } catch (const std::exception& e) {
      spdlog::critical("commerce store: cannot reload after a failed commit: {}", e.what());
    }
  }
  for (auto& complete : completions)
    if (complete) complete(written);
  if (!written) return;
  std::lock_guard lock(listener_mutex_);
  if (listener_)
    for (const auto& c : changes) listener_->on_committed(c);
}

bool SqliteStore::write_changes(Shop& shop, const ShopChanges& c, RoomChanges& out) {
  sqlite3* db = db_.get();
  const std::string& room = shop.room();
  std::int64_t now = now_ms();
  try {
    // Records keyed by (room, id) are rewritten whole, one prepared statement per table and batch.
    auto upsert_each = [&](const char* sql, const std::set<std::string>& ids, auto record_of, auto encode, auto& into) {
      if (ids.empty()) return;
      Stmt row(db, sql);
      for (const auto& id : ids) {
        const auto& record = record_of(id);
        row.bind(1, room).bind(2, id).bind(3, json::serialize(encode(record)));
        row.run();
        into.push_back(record);
      }
    };
    upsert_each("INSERT OR REPLACE INTO products (room, sku, body) VALUES (?, ?, ?)", c.products,
                [&](const std::string& sku) -> const Product& { return *shop.product(sku); },
                [](const Product& p) { return to_json(p); }, out.products);
    upsert_each("INSERT OR REPLACE INTO flash_sales (room, id, body) VALUES (?, ?, ?)", c.sales,
                [&](const std::string& id) -> const FlashSale& { return *shop.sale(id); },
                [now](const FlashSale& s) { return to_json(s, now); }, out.sales);
    upsert_each("INSERT OR REPLACE INTO coupons (room, id, body) VALUES (?, ?, ?)", c.coupons,
                [&](const std::string& id) -> const Coupon& { return *shop.coupon(id); },
                [](const Coupon& cp) { return to_json(cp); }, out.coupons);
    for (const auto& [coupon, user] : c.claims)
      Stmt(db, "INSERT OR REPLACE INTO coupon_claims (room, coupon_id, user_id, body) VALUES (?, ?, ?, ?)")
          .bind(1, room).bind(2, coupon).bind(3, user).bind(4, json::serialize(to_json(*shop.claim(coupon, user)))).run();
    for (const auto& id : c.pickup_points) {
      if (const PickupPoint* p = shop.pickup_point(id)) {
        Stmt(db, "INSERT OR REPLACE INTO pickup_points (room, id, body) VALUES (?, ?, ?)")
            .bind(1, room).bind(2, id).bind(3, json::serialize(to_json(*p))).run();
        out.pickup_points.push_back(*p);
      } else {
        Stmt(db, "DELETE FROM pickup_points WHERE room = ? AND id = ?").bind(1, room).bind(2, id).run();
      }
    }
    if (!c.orders.empty()) {
      Stmt insert(db, "INSERT OR REPLACE INTO orders (id, room, user_id, idempotency_key, status, body) VALUES (?, ?, ?, ?, ?, ?)");
      for (auto id : c.orders) {
        const Order& o = *shop.order(id);
        insert.bind(1, o.id).bind(2, room).bind(3, o.user_id).bind(4, o.idempotency_key)
            .bind(5, std::string(to_string(o.status))).bind(6, json::serialize(to_json(o)));
        insert.run();
      }
      if (!shop.webhook_url().empty() && !c.new_orders.empty()) {
        Stmt outbox(db, "INSERT OR IGNORE INTO outbox (order_id, room, url, next_attempt_ms) VALUES (?, ?, ?, ?)");
        for (auto id : c.new_orders) {
          outbox.bind(1, id).bind(2, room).bind(3, shop.webhook_url()).bind(4, now);
          outbox.run();
        }
      }
      std::set<std::int64_t> fresh(c.new_orders.begin(), c.new_orders.end());
      for (auto id : c.new_orders) out.new_orders.push_back(*shop.order(id));
      for (auto id : c.orders)
        if (!fresh.contains(id)) out.changed_orders.push_back(*shop.order(id));
    }
    if (c.settings) {
      json::array order;
      for (const auto& sku : shop.shelf_order()) order.emplace_back(sku);
      Stmt(db, "INSERT OR REPLACE INTO shops (room, shelf_order, pinned, webhook_url) VALUES (?, ?, ?, ?)")
          .bind(1, room).bind(2, json::serialize(order)).bind(3, shop.pinned()).bind(4, shop.webhook_url()).run();
      out.shelf_changed = true;
    }
    out.pin_changed = c.pin || (!shop.pinned().empty() && c.products.contains(shop.pinned()));
    if (out.pin_changed && !shop.pinned().empty()) out.pinned = *shop.product(shop.pinned());
    return true;
  } catch (const std::exception& e) {
    spdlog::error("commerce store: room {}: {}", room, e.what());
    return false;
  }
}

template <class T>
void SqliteStore::mutate(const std::string& room, std::function<Result<T>(Shop&, std::int64_t)> fn, Done<T> done) {
  enqueue({room, [this, fn = std::move(fn), done = std::move(done)](Shop* shop) -> Completion {
             auto result = std::make_shared<Result<T>>(
                 shop ? fn(*shop, now_ms()) : Result<T>::fail(Errc::invalid, "a room is required"));
             return [result, done](bool durable) {
               if (!durable && result->ok())
                 return done(Result<T>::fail(Errc::unavailable, "the change could not be made durable; nothing changed"));
               done(std::move(*result));
             };
           }});
}

template <class T>
void SqliteStore::read(const std::string& room, const std::function<Result<T>(const Shop&, std::int64_t)>& fn,
                       const Done<T>& done) {
  Result<T> result;
  {
    std::lock_guard lock(state_mutex_);
    auto it = shops_.find(room);
    static const Shop kEmpty("");
    result = fn(it == shops_.end() ? kEmpty : *it->second, now_ms());
  }
  done(std::move(result));
}

void SqliteStore::put_product(const std::string& room, Product p, Done<Product> done) {
  mutate<Product>(room, [p = std::move(p)](Shop& s, std::int64_t now) { return s.put_product(p, now); }, std::move(done));
}

void SqliteStore::set_stock(const std::string& room, std::string sku, std::int64_t stock, Done<Product> done) {
  mutate<Product>(room, [sku = std::move(sku), stock](Shop& s, std::int64_t now) { return s.set_stock(sku, stock, now); },
                  std::move(done));
}

void SqliteStore::edit_product(const std::string& room, std::string sku, Shop::ProductEdit change, Done<Product> done) {
  mutate<Product>(room, [sku = std::move(sku), change = std::move(change)](Shop& s, std::int64_t now) {
    return s.edit_product(sku, change, now);
  }, std::move(done));
}

void SqliteStore::remove_product(const std::string& room, std::string sku, Done<Product> done) {
  mutate<Product>(room, [sku = std::move(sku)](Shop& s, std::int64_t now) { return s.remove_product(sku, now); },
                  std::move(done));
}

void SqliteStore::set_shelf_order(const std::string& room, std::vector<std::string> skus,
                                  Done<std::vector<std::string>> done) {
  mutate<std::vector<std::string>>(
      room, [skus = std::move(skus)](Shop& s, std::int64_t) { return s.set_shelf_order(skus); }, std::move(done));
}

void SqliteStore::pin(const std::string& room, std::string sku, Done<std::string> done) {
  mutate<std::string>(room, [sku = std::move(sku)](Shop& s, std::int64_t) -> Result<std::string> {
    if (!sku.empty()) return s.pin(sku);
    s.unpin();
    return {std::string{}, {}};
  }, std::move(done));
}

void SqliteStore::start_sale(const std::string& room, FlashSale sale, Done<FlashSale> done) {
  mutate<FlashSale>(room, [sale = std::move(sale)](Shop& s, std::int64_t now) { return s.start_sale(sale, now); },
                    std::move(done));
}

void SqliteStore::stop_sale(const std::string& room, std::string id, Done<FlashSale> done) {
  mutate<FlashSale>(room, [id = std::move(id)](Shop& s, std::int64_t now) { return s.stop_sale(id, now); },
                    std::move(done));
}

void SqliteStore::create_coupon(const std::string& room, Coupon c, Done<Coupon> done) {
  mutate<Coupon>(room, [c = std::move(c)](Shop& s, std::int64_t now) { return s.create_coupon(c, now); },
                 std::move(done));
}

void SqliteStore::withdraw_coupon(const std::string& room, std::string id, Done<Coupon> done) {
  mutate<Coupon>(room, [id = std::move(id)](Shop& s, std::int64_t) { return s.withdraw_coupon(id); }, std::move(done));
}

void SqliteStore::claim_coupon(const std::string& room, std::string coupon_id, std::string user_id,
                               Done<CouponClaim> done) {
  mutate<CouponClaim>(room, [coupon_id = std::move(coupon_id), user_id = std::move(user_id)](Shop& s, std::int64_t now) {
    return s.claim_coupon(coupon_id, user_id, now);
  }, std::move(done));
}

void SqliteStore::put_pickup_point(const std::string& room, PickupPoint p, Done<PickupPoint> done) {
  mutate<PickupPoint>(room, [p = std::move(p)](Shop& s, std::int64_t) { return s.put_pickup_point(p); },
                      std::move(done));
}

void SqliteStore::remove_pickup_point(const std::string& room, std::string id, Done<PickupPoint> done) {
  mutate<PickupPoint>(room, [id = std::move(id)](Shop& s, std::int64_t) { return s.remove_pickup_point(id); },
                      std::move(done));
}

void SqliteStore::set_webhook(const std::string& room, std::string url, Done<std::string> done) {
  mutate<std::string>(room, [url = std::move(url)](Shop& s, std::int64_t) { return s.set_webhook(url); },
                      std::move(done));
}

void SqliteStore::purchase(PurchaseRequest r, bool room_open, std::function<void(PurchaseResult)> done) {
  // A refusal that needs nothing written (sold out, limits, a sale's window, bad fields) is
  // answered from memory now: in a flash sale most buyers get one, and none of them should
  // wait for the batch of the few that buy.
  if (!r.room.empty()) {
    std::optional<PurchaseResult> refused;
    {
      std::lock_guard lock(state_mutex_);
      if (auto it = shops_.find(r.room); it != shops_.end()) refused = it->second->refusal(r, now_ms(), room_open);
    }
    if (refused) {
      quick_refusals_.fetch_add(1, std::memory_order_relaxed);
      return done(std::move(*refused));
    }
  }
  std::string room = r.room;
  enqueue({room, [this, r = std::move(r), room_open, done = std::move(done)](Shop* shop) -> Completion {
             // Runs under the state mutex (commit_batch holds it while applying).
             auto result = std::make_shared<PurchaseResult>(
                 shop ? shop->purchase(r, next_order_id_, now_ms(), room_open)
                      : PurchaseResult{PurchaseOutcome::invalid, "a room is required", std::nullopt, false});
             if (result->outcome == PurchaseOutcome::ok && !result->replayed) ++next_order_id_;
             return [result, done](bool durable) {
               if (!durable && result->outcome == PurchaseOutcome::ok)
                 return done(PurchaseResult{PurchaseOutcome::unavailable,
                                            "the order could not be made durable; nothing was bought", std::nullopt, false});
               done(std::move(*result));
             };
           }});
}

void SqliteStore::set_order_status(const std::string& room, std::int64_t order_id, OrderStatus status,
                                   Done<Order> done) {
  mutate<Order>(room, [order_id, status](Shop& s, std::int64_t now) { return s.set_order_status(order_id, status, now); },
                std::move(done));
}

void SqliteStore::shelf(const std::string& room, Done<ShelfView> done) {
  read<ShelfView>(room, [](const Shop& s, std::int64_t now) { return Result<ShelfView>{s.shelf(now), {}}; }, done);
}

void SqliteStore::product(const std::string& room, std::string sku, Done<Product> done) {
  read<Product>(room, [&sku](const Shop& s, std::int64_t) {
    const Product* p = s.product(sku);
    return p && p->on_shelf ? Result<Product>{*p, {}} : Result<Product>::fail(Errc::not_found, "no such product");
  }, done);
}

void SqliteStore::orders(const std::string& room, OrderQuery q, Done<std::vector<Order>> done) {
  read<std::vector<Order>>(room, [&q](const Shop& s, std::int64_t) { return Result<std::vector<Order>>{s.orders(q), {}}; },
                           done);
}

void SqliteStore::order(const std::string& room, std::int64_t id, Done<Order> done) {
  read<Order>(room, [id](const Shop& s, std::int64_t) {
    const Order* o = s.order(id);
    return o ? Result<Order>{*o, {}} : Result<Order>::fail(Errc::not_found, "no such order");
  }, done);
}

void SqliteStore::claims_of(const std::string& room, std::string user_id, Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(
      room, [&user_id](const Shop& s, std::int64_t) { return Result<std::vector<CouponClaim>>{s.claims_of(user_id), {}}; },
      done);
}

void SqliteStore::catalogue(const std::string& room, Done<Catalogue> done) {
  read<Catalogue>(room, [](const Shop& s, std::int64_t) { return Result<Catalogue>{s.catalogue(), {}}; }, done);
}

void SqliteStore::coupon_claims(const std::string& room, std::string coupon_id, Done<std::vector<CouponClaim>> done) {
  read<std::vector<CouponClaim>>(room, [&coupon_id](const Shop& s, std::int64_t) {
    if (!s.coupon(coupon_id)) return Result<std::vector<CouponClaim>>::fail(Errc::not_found, "no such coupon");
    return Result<std::vector<CouponClaim>>{s.claims_of_coupon(coupon_id), {}};
  }, done);
}

void SqliteStore::webhook(const std::string& room, Done<std::string> done) {
  read<std::string>(room, [](const Shop& s, std::int64_t) { return Result<std::string>{s.webhook_url(), {}}; }, done);
}

void SqliteStore::due_deliveries(std::int64_t now_ms, std::size_t limit, Done<std::vector<PendingDelivery>> done) {
  enqueue({"", [this, now_ms, limit, done = std::move(done)](Shop*) -> Completion {
             auto out = std::make_shared<Result<std::vector<PendingDelivery>>>();
             try {
               Stmt s(db_.get(),
                      "SELECT order_id, room, url, attempts FROM outbox WHERE delivered_at_ms = 0 AND next_attempt_ms <= ?"
                      " ORDER BY next_attempt_ms, order_id LIMIT ?");
               s.bind(1, now_ms).bind(2, static_cast<std::int64_t>(limit));
               std::vector<PendingDelivery> due;
               while (s.step()) {
                 auto shop = shops_.find(s.text(1));
                 const Order* o = shop == shops_.end() ? nullptr : shop->second->order(s.integer(0));
                 if (o) due.push_back({*o, s.text(2), s.integer(3)});
               }
               out->value = std::move(due);
             } catch (const std::exception& e) {
               out->error = {Errc::unavailable, e.what()};
             }
             return [out, done](bool) { done(std::move(*out)); };
           }});
}

void SqliteStore::record_delivery(DeliveryAttempt a, std::int64_t next_attempt_ms, Done<bool> done) {
  enqueue({"", [this, a = std::move(a), next_attempt_ms, done = std::move(done)](Shop*) -> Completion {
             bool ok = true;
             try {
               Stmt(db_.get(), "INSERT INTO delivery_attempts (order_id, at_ms, http_status, error) VALUES (?, ?, ?, ?)")
                   .bind(1, a.order_id).bind(2, a.at_ms).bind(3, static_cast<std::int64_t>(a.http_status)).bind(4, a.error).run();
               // next_attempt_ms 0 means no more tries: a delivery is marked delivered (at least at
               // 1, since 0 means pending), a failure is parked where no due_deliveries reaches it.
               bool delivered = a.error.empty();
               bool finished = delivered || next_attempt_ms == 0;
               Stmt(db_.get(), "UPDATE outbox SET attempts = attempts + 1, next_attempt_ms = ?, delivered_at_ms = ?"
                               " WHERE order_id = ?")
                   .bind(1, finished && !delivered ? std::numeric_limits<std::int64_t>::max() : next_attempt_ms)
                   .bind(2, delivered ? std::max<std::int64_t>(a.at_ms, 1) : std::int64_t{0})
                   .bind(3, a.order_id)
                   .run();
             } catch (const std::exception& e) {
               spdlog::error("commerce store: delivery of order {}: {}", a.order_id, e.what());
               ok = false;
             }
             return [ok, done](bool durable) {
               if (ok && durable) return done(Result<bool>{true, {}});
               done(Result<bool>::fail(Errc::unavailable, "the attempt could not be recorded"));
             };
           }});
}

void SqliteStore::deliveries(const std::string& room, std::int64_t order_id, Done<std::vector<DeliveryAttempt>> done) {
  enqueue({"", [this, room, order_id, done = std::move(done)](Shop*) -> Completion {
             auto out = std::make_shared<Result<std::vector<DeliveryAttempt>>>();
             try {
               Stmt s(db_.get(),
                      "SELECT a.at_ms, a.http_status, a.error FROM delivery_attempts a JOIN outbox o"
                      " ON o.order_id = a.order_id WHERE a.order_id = ? AND o.room = ? ORDER BY a.at_ms, a.rowid");
               s.bind(1, order_id).bind(2, room);
               std::vector<DeliveryAttempt> list;
               while (s.step()) list.push_back({order_id, s.integer(0), static_cast<int>(s.integer(1)), s.text(2)});
               out->value = std::move(list);
             } catch (const std::exception& e) {
               out->error = {Errc::unavailable, e.what()};
             }
             return [out, done](bool) { done(std::move(*out)); };
           }});
}

std::uint64_t SqliteStore::commits() const {
  std::lock_guard lock(state_mutex_);
  return commits_;
}

std::uint64_t SqliteStore::operations() const {
  std::lock_guard lock(state_mutex_);
  return operations_;
}

void SqliteStore::fail_next_commits(int n) {
  std::lock_guard lock(state_mutex_);
  fail_commits_ = n;
}

}  // namespace commerce
