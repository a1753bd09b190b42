// The Store contract, run against every backend (typed suites): SqliteStore on a file, and
// RedisStore on a redis-server each test starts. "Durable when done" is checked from inside
// `done` with a second store on the same file or Redis (what another process or node would see).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>

#include "commerce/redis_store.hpp"
#include "commerce/sqlite_store.hpp"
#include "store_test_support.hpp"
#include "support/redis_server.hpp"

namespace commerce {
namespace {

namespace fs = std::filesystem;
using namespace store_test;
using Clock = std::function<std::int64_t()>;

class SqliteBackend {
 public:
  SqliteBackend() {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("livecart_store_conformance_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~SqliteBackend() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<Store> open(Clock clock) {
    return std::make_unique<SqliteStore>((dir_ / "commerce.db").string(), std::move(clock));
  }

 private:
  fs::path dir_;
};

class RedisBackend {
 public:
  std::unique_ptr<Store> open(Clock clock) {
    std::string error;
    auto url = redis::parse_url(server_.url(), error);
    if (!url) throw std::runtime_error(error);
    return std::make_unique<RedisStore>(*url, std::move(clock));
  }

 private:
  testing_support::RedisServer server_;
};

struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteBackend> ? "Sqlite" : "Redis";
  }
};

template <class Backend>
class StoreTest : public testing::Test {
 protected:
  void SetUp() override {
    backend_ = std::make_unique<Backend>();
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    backend_.reset();
  }

  [[nodiscard]] std::unique_ptr<Store> open() {
    return backend_->open([this] { return now_.load(); });
  }

  // A second store on the same data sees only what was committed.
  template <class T>
  static Result<T> read_from(Store& s, const std::function<void(Store&, Store::Done<T>)>& start) {
    return call<Result<T>>([&](auto done) { start(s, done); });
  }
  Result<Product> product_elsewhere(const std::string& sku) {
    auto fresh = open();
    return read_from<Product>(*fresh, [&](Store& s, auto done) { s.product(kRoom, sku, done); });
  }
  ShelfView shelf_elsewhere() {
    auto fresh = open();
    return *read_from<ShelfView>(*fresh, [](Store& s, auto done) { s.shelf(kRoom, done); }).value;
  }
  std::vector<Order> orders_elsewhere(OrderQuery q = {}) {
    auto fresh = open();
    return *read_from<std::vector<Order>>(*fresh, [&](Store& s, auto done) {
              s.orders(kRoom, q, done);
            }).value;
  }
  // Runs a mutation and checks from inside its `done`, with a fresh store, that it is stored.
  template <class T>
  Result<T> durably(const std::function<void(Store::Done<T>)>& start,
                    const std::function<void()>& check_elsewhere) {
    return call<Result<T>>(start, check_elsewhere);
  }

  template <class T>
  Result<T> op(const std::function<void(Store::Done<T>)>& start) {
    return call<Result<T>>(start);
  }
  Result<Product> put(Product p, const std::string& room = kRoom) {
    return op<Product>([&](auto done) { store_->put_product(room, p, done); });
  }
  PurchaseResult buy(const PurchaseRequest& r, bool room_open = true) {
    return call<PurchaseResult>([&](auto done) { store_->purchase(r, room_open, done); });
  }
  Result<Product> product(const std::string& sku = "rice-5kg") {
    return read_from<Product>(*store_, [&](Store& s, auto done) { s.product(kRoom, sku, done); });
  }
  std::int64_t stock(const std::string& sku = "rice-5kg") {
    auto p = product(sku);
    EXPECT_TRUE(p.ok()) << p.error.message;
    return p.ok() ? p.value->stock : -1;
  }
  ShelfView shelf() {
    return *read_from<ShelfView>(*store_, [](Store& s, auto done) { s.shelf(kRoom, done); }).value;
  }
  Result<FlashSale> start_sale(std::int64_t quantity, std::int64_t limit = 1,
                               std::int64_t starts_at = 0) {
    FlashSale s;
    s.sku = "rice-5kg";
    s.price_cents = 3990;
    s.quantity = quantity;
    s.limit_per_viewer = limit;
    s.starts_at_ms = starts_at;
    s.ends_at_ms = now_.load() + 3'600'000;
    return op<FlashSale>([&](auto done) { store_->start_sale(kRoom, s, done); });
  }
  Result<Coupon> create_coupon(CouponKind kind = CouponKind::room, std::int64_t quantity = 0) {
    Coupon c;
    c.kind = kind;
    c.title = kind == CouponKind::welcome ? "新人券" : "满减券";
    c.discount_cents = 500;
    c.min_spend_cents = 1000;
    c.quantity = quantity;
    return op<Coupon>([&](auto done) { store_->create_coupon(kRoom, c, done); });
  }
  Result<CouponClaim> claim(const std::string& coupon_id, const std::string& user) {
    return op<CouponClaim>([&](auto done) { store_->claim_coupon(kRoom, coupon_id, user, done); });
  }
  Result<Order> set_status(std::int64_t id, OrderStatus s) {
    return op<Order>([&](auto done) { store_->set_order_status(kRoom, id, s, done); });
  }
  std::vector<PendingDelivery> due(std::int64_t at) {
    auto r = call<Result<std::vector<PendingDelivery>>>(
        [&](auto done) { store_->due_deliveries(at, 100, done); });
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.value.value_or(std::vector<PendingDelivery>{});
  }
  Result<bool> record(DeliveryAttempt a, std::int64_t next) {
    return call<Result<bool>>([&](auto done) { store_->record_delivery(a, next, done); });
  }
  std::vector<DeliveryAttempt> attempts(std::int64_t order_id) {
    auto r = call<Result<std::vector<DeliveryAttempt>>>(
        [&](auto done) { store_->deliveries(kRoom, order_id, done); });
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.value.value_or(std::vector<DeliveryAttempt>{});
  }

  std::unique_ptr<Backend> backend_;
  std::atomic<std::int64_t> now_{kStart};
  std::unique_ptr<Store> store_;
};

using Backends = testing::Types<SqliteBackend, RedisBackend>;
TYPED_TEST_SUITE(StoreTest, Backends, BackendNames);

// ---- each operation is durable before its done ----

TYPED_TEST(StoreTest, PutProductIsStoredWhenDone) {
  Result<Product> seen;
  auto r = this->template durably<Product>(
      [&](auto done) { this->store_->put_product(kRoom, rice(), done); },
      [&] { seen = this->product_elsewhere("rice-5kg"); });
  ASSERT_TRUE(r.ok()) << r.error.message;
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen.value->stock, 100);
  EXPECT_EQ(seen.value->updated_at_ms, kStart);
}

TYPED_TEST(StoreTest, SetStockIsStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  Result<Product> seen;
  ASSERT_TRUE(this->template durably<Product>(
                      [&](auto done) { this->store_->set_stock(kRoom, "rice-5kg", 7, done); },
                      [&] { seen = this->product_elsewhere("rice-5kg"); })
                  .ok());
  EXPECT_EQ(seen.value->stock, 7);
}

TYPED_TEST(StoreTest, RemoveProductIsStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  Result<Product> seen;
  ASSERT_TRUE(this->template durably<Product>(
                      [&](auto done) { this->store_->remove_product(kRoom, "rice-5kg", done); },
                      [&] { seen = this->product_elsewhere("rice-5kg"); })
                  .ok());
  EXPECT_EQ(seen.error.code, Errc::not_found);
}

TYPED_TEST(StoreTest, ShelfOrderAndPinAreStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(this->put(rice("oil")).ok());
  ShelfView seen;
  ASSERT_TRUE(this->template durably<std::vector<std::string>>(
                      [&](auto done) { this->store_->set_shelf_order(kRoom, {"oil"}, done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  ASSERT_EQ(seen.products.size(), 2u);
  EXPECT_EQ(seen.products[0].sku, "oil");
  ASSERT_TRUE(this->template durably<std::string>(
                      [&](auto done) { this->store_->pin(kRoom, "rice-5kg", done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  EXPECT_EQ(seen.pinned_sku, "rice-5kg");
  ASSERT_TRUE(
      this->template durably<std::string>([&](auto done) { this->store_->pin(kRoom, "", done); },
                                          [&] { seen = this->shelf_elsewhere(); })
          .ok());
  EXPECT_EQ(seen.pinned_sku, "");
}

TYPED_TEST(StoreTest, FlashSaleStartAndStopAreStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  FlashSale s;
  s.sku = "rice-5kg";
  s.price_cents = 3990;
  s.quantity = 5;
  s.ends_at_ms = kStart + 3'600'000;
  ShelfView seen;
  auto started = this->template durably<FlashSale>(
      [&](auto done) { this->store_->start_sale(kRoom, s, done); },
      [&] { seen = this->shelf_elsewhere(); });
  ASSERT_TRUE(started.ok()) << started.error.message;
  ASSERT_EQ(seen.sales.size(), 1u);
  EXPECT_EQ(seen.sales[0].id, started.value->id);
  EXPECT_EQ(seen.sales[0].price_cents, 3990);
  ASSERT_TRUE(this->template durably<FlashSale>(
                      [&](auto done) { this->store_->stop_sale(kRoom, started.value->id, done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  EXPECT_TRUE(seen.sales.empty());
}

TYPED_TEST(StoreTest, CouponCreateClaimAndWithdrawAreStoredWhenDone) {
  Coupon c;
  c.title = "满减券";
  c.discount_cents = 500;
  ShelfView seen;
  auto created = this->template durably<Coupon>(
      [&](auto done) { this->store_->create_coupon(kRoom, c, done); },
      [&] { seen = this->shelf_elsewhere(); });
  ASSERT_TRUE(created.ok()) << created.error.message;
  ASSERT_EQ(seen.coupons.size(), 1u);
  const std::string id = created.value->id;

  std::vector<CouponClaim> claims;
  auto claimed = this->template durably<CouponClaim>(
      [&](auto done) { this->store_->claim_coupon(kRoom, id, "u1", done); },
      [&] {
        auto fresh = this->open();
        claims = *this->template read_from<std::vector<CouponClaim>>(
                          *fresh, [](Store& s, auto done) { s.claims_of(kRoom, "u1", done); })
                      .value;
      });
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].coupon_id, id);
  EXPECT_EQ(claims[0].claimed_at_ms, kStart);

  ASSERT_TRUE(this->template durably<Coupon>(
                      [&](auto done) { this->store_->withdraw_coupon(kRoom, id, done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  EXPECT_TRUE(seen.coupons.empty());
}

TYPED_TEST(StoreTest, PickupPointPutAndRemoveAreStoredWhenDone) {
  ShelfView seen;
  PickupPoint p{"bj", "朝阳自提点", "北京市朝阳区 1 号", 39.9, 116.4};
  ASSERT_TRUE(this->template durably<PickupPoint>(
                      [&](auto done) { this->store_->put_pickup_point(kRoom, p, done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  ASSERT_EQ(seen.pickup_points.size(), 1u);
  EXPECT_EQ(seen.pickup_points[0].lat, 39.9);
  ASSERT_TRUE(this->template durably<PickupPoint>(
                      [&](auto done) { this->store_->remove_pickup_point(kRoom, "bj", done); },
                      [&] { seen = this->shelf_elsewhere(); })
                  .ok());
  EXPECT_TRUE(seen.pickup_points.empty());
}

TYPED_TEST(StoreTest, WebhookIsStoredWhenDone) {
  std::string seen;
  ASSERT_TRUE(
      this->template durably<std::string>(
              [&](auto done) { this->store_->set_webhook(kRoom, "http://wms.local/hook", done); },
              [&] {
                auto fresh = this->open();
                seen = *this->template read_from<std::string>(
                                *fresh, [](Store& s, auto done) { s.webhook(kRoom, done); })
                            .value;
              })
          .ok());
  EXPECT_EQ(seen, "http://wms.local/hook");
}

TYPED_TEST(StoreTest, PurchaseIsStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  Result<Product> stock_seen;
  std::vector<Order> orders_seen;
  auto r =
      call<PurchaseResult>([&](auto done) { this->store_->purchase(request("k1"), true, done); },
                           [&] {
                             stock_seen = this->product_elsewhere("rice-5kg");
                             orders_seen = this->orders_elsewhere();
                           });
  ASSERT_EQ(r.outcome, PurchaseOutcome::ok) << r.message;
  EXPECT_EQ(stock_seen.value->stock, 99);
  ASSERT_EQ(orders_seen.size(), 1u);
  EXPECT_EQ(orders_seen[0].id, r.order->id);
  EXPECT_EQ(orders_seen[0].number(), r.order->number());
}

TYPED_TEST(StoreTest, OrderStatusIsStoredWhenDone) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto id = this->buy(request("k1")).order->id;
  std::vector<Order> seen;
  Result<Product> stock_seen;
  ASSERT_TRUE(this->template durably<Order>(
                      [&](auto done) {
                        this->store_->set_order_status(kRoom, id, OrderStatus::cancelled, done);
                      },
                      [&] {
                        seen = this->orders_elsewhere();
                        stock_seen = this->product_elsewhere("rice-5kg");
                      })
                  .ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].status, OrderStatus::cancelled);
  EXPECT_EQ(stock_seen.value->stock, 100);
}

TYPED_TEST(StoreTest, RefusedMutationAnswersItsError) {
  Product bad = rice();
  bad.price_cents = 0;
  EXPECT_EQ(this->put(bad).error.code, Errc::invalid);
  EXPECT_EQ(this->template op<Product>(
                    [&](auto done) { this->store_->set_stock(kRoom, "ghost", 1, done); })
                .error.code,
            Errc::not_found);
}

TYPED_TEST(StoreTest, ReadsOfAnUnknownRoomAreEmpty) {
  auto shelf = this->template read_from<ShelfView>(
      *this->store_, [](Store& s, auto done) { s.shelf("nowhere", done); });
  ASSERT_TRUE(shelf.ok());
  EXPECT_TRUE(shelf.value->products.empty());
  auto p = this->template read_from<Product>(
      *this->store_, [](Store& s, auto done) { s.product("nowhere", "rice-5kg", done); });
  EXPECT_EQ(p.error.code, Errc::not_found);
}

// Regression: a purchase naming no room dereferenced a null shop on the writer thread.
TYPED_TEST(StoreTest, PurchaseWithNoRoomIsInvalid) {
  auto r = this->buy(request("k1", "u1", ""));
  EXPECT_EQ(r.outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(this->put(rice(), "").error.code, Errc::invalid);
}

// ---- a store opened again (a restart, or another node) ----

TYPED_TEST(StoreTest, PurchaseSurvivesAReopenWithItsStockAndKey) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto first = this->buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  this->store_.reset();
  this->store_ = this->open();
  EXPECT_EQ(this->stock(), 99);
  auto again = this->buy(request("k1"));
  ASSERT_EQ(again.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.order->id, first.order->id);
  EXPECT_EQ(again.order->created_at_ms, first.order->created_at_ms);
  EXPECT_EQ(this->stock(), 99);
  auto next = this->buy(request("k2"));
  ASSERT_EQ(next.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(next.order->id, first.order->id + 1);  // ids continue after a reopen
}

TYPED_TEST(StoreTest, ShelfSurvivesAReopen) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(this->put(rice("oil")).ok());
  ASSERT_TRUE(this->template op<std::vector<std::string>>(
                      [&](auto done) { this->store_->set_shelf_order(kRoom, {"oil"}, done); })
                  .ok());
  ASSERT_TRUE(
      this->template op<std::string>([&](auto done) { this->store_->pin(kRoom, "oil", done); })
          .ok());
  this->store_.reset();
  this->store_ = this->open();
  auto shelf = this->shelf();
  ASSERT_EQ(shelf.products.size(), 2u);
  EXPECT_EQ(shelf.products[0].sku, "oil");
  EXPECT_EQ(shelf.pinned_sku, "oil");
}

// ---- the rules, through the store ----

TYPED_TEST(StoreTest, EditKeepsTheStockThatPurchasesLeft) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_EQ(this->buy(request("k1")).outcome, PurchaseOutcome::ok);
  auto edited = this->template op<Product>([&](auto done) {
    this->store_->edit_product(
        kRoom, "rice-5kg",
        [](Product& p) {
          p.title = "五常大米 新米";
          return std::string{};
        },
        done);
  });
  ASSERT_TRUE(edited.ok()) << edited.error.message;
  EXPECT_EQ(edited.value->stock, 99);
  auto p = this->product();
  EXPECT_EQ(p.value->title, "五常大米 新米");
  EXPECT_EQ(p.value->stock, 99);
  auto refused = this->template op<Product>([&](auto done) {
    this->store_->edit_product(
        kRoom, "rice-5kg", [](Product&) { return std::string("no"); }, done);
  });
  EXPECT_EQ(refused.error.code, Errc::invalid);
}

TYPED_TEST(StoreTest, StockRunsOutAndSoldOutIsAnswered) {
  ASSERT_TRUE(this->put(rice("rice-5kg", 2)).ok());
  auto r = request("k1");
  r.quantity = 3;
  auto too_many = this->buy(r);
  EXPECT_EQ(too_many.outcome, PurchaseOutcome::sold_out);
  EXPECT_EQ(too_many.message, "only 2 left");
  r.quantity = 2;
  ASSERT_EQ(this->buy(r).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(this->buy(request("k2", "u2")).outcome, PurchaseOutcome::sold_out);
  EXPECT_EQ(this->stock(), 0);
}

TYPED_TEST(StoreTest, LimitPerViewerCountsEveryOrderButCancelledOnes) {
  Product p = rice();
  p.limit_per_viewer = 2;
  ASSERT_TRUE(this->put(p).ok());
  auto first = this->buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  ASSERT_EQ(this->buy(request("k2")).outcome, PurchaseOutcome::ok);
  auto third = this->buy(request("k3"));
  EXPECT_EQ(third.outcome, PurchaseOutcome::limit_reached);
  EXPECT_EQ(third.message, "at most 2 per viewer");
  EXPECT_EQ(this->buy(request("k3", "u2")).outcome, PurchaseOutcome::ok);
  ASSERT_TRUE(this->set_status(first.order->id, OrderStatus::cancelled).ok());
  EXPECT_EQ(this->buy(request("k4")).outcome, PurchaseOutcome::ok);
}

TYPED_TEST(StoreTest, IdempotencyKeyReplaysItsFirstAnswerOrRefusesAnotherPurchase) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto first = this->buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  EXPECT_FALSE(first.replayed);
  this->now_ += 5000;
  auto again = this->buy(request("k1"));
  ASSERT_EQ(again.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.order->id, first.order->id);
  EXPECT_EQ(again.order->created_at_ms, kStart);
  auto other = request("k1");
  other.quantity = 2;
  auto conflict = this->buy(other);
  EXPECT_EQ(conflict.outcome, PurchaseOutcome::conflict);
  EXPECT_NE(conflict.message.find(first.order->number()), std::string::npos) << conflict.message;
  EXPECT_EQ(this->buy(request("k1", "u2")).outcome, PurchaseOutcome::ok) << "keys are per viewer";
  EXPECT_EQ(this->stock(), 98);
}

TYPED_TEST(StoreTest, ChangedPriceAndClosedRoomAreRefused) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto r = request("k1");
  r.expected_unit_price_cents = 4990;
  auto changed = this->buy(r);
  EXPECT_EQ(changed.outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(changed.message, "the price is now ¥59.90; nothing was bought");
  r.expected_unit_price_cents = 5990;
  EXPECT_EQ(this->buy(r, false).outcome, PurchaseOutcome::room_closed);
  auto unknown = request("k2");
  unknown.sku = "ghost";
  EXPECT_EQ(this->buy(unknown).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(this->buy(r).outcome, PurchaseOutcome::ok);
}

TYPED_TEST(StoreTest, FlashSaleSellsItsQuantityAtItsPriceWithinItsWindow) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto sale = this->start_sale(2, 1, kStart + 60'000);
  ASSERT_TRUE(sale.ok()) << sale.error.message;
  EXPECT_EQ(this->buy(request("k1")).outcome, PurchaseOutcome::sale_not_started);
  this->now_ = kStart + 60'000;
  auto bought = this->buy(request("k1"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok) << bought.message;
  EXPECT_EQ(bought.order->unit_price_cents, 3990);
  EXPECT_EQ(bought.order->sale_id, sale.value->id);
  EXPECT_EQ(this->buy(request("k2")).outcome, PurchaseOutcome::limit_reached);
  ASSERT_EQ(this->buy(request("k1", "u2")).outcome, PurchaseOutcome::ok);
  auto late = request("k1", "u3");
  late.sale_id = sale.value->id;
  EXPECT_EQ(this->buy(late).outcome, PurchaseOutcome::sold_out);
  EXPECT_EQ(this->stock(), 98);
  // Cancelling while the sale runs gives its quota back.
  ASSERT_TRUE(this->set_status(bought.order->id, OrderStatus::cancelled).ok());
  auto sales = this->shelf().sales;
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_EQ(sales[0].sold, 1);
  EXPECT_EQ(this->buy(late).outcome, PurchaseOutcome::ok);
  this->now_ = kStart + 3'600'000;
  EXPECT_TRUE(this->shelf().sales.empty());
  auto ended = this->buy(late);
  EXPECT_EQ(ended.outcome, PurchaseOutcome::ok) << "the key replays";
  auto after = request("k9", "u4");
  after.sale_id = sale.value->id;
  EXPECT_EQ(this->buy(after).outcome, PurchaseOutcome::sold_out);
}

TYPED_TEST(StoreTest, CouponIsClaimedOnceUsedOnceAndGivenBackByACancel) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto coupon = this->create_coupon(CouponKind::room, 2);
  ASSERT_TRUE(coupon.ok()) << coupon.error.message;
  const std::string id = coupon.value->id;
  auto r = request("k1");
  r.coupon_id = id;
  EXPECT_EQ(this->buy(r).message, "claim the coupon first");
  ASSERT_TRUE(this->claim(id, "u1").ok());
  auto twice = this->claim(id, "u1");
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice.value->claimed_at_ms, kStart);
  ASSERT_TRUE(this->claim(id, "u2").ok());
  EXPECT_EQ(this->claim(id, "u3").error.code, Errc::conflict);
  auto bought = this->buy(r);
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok) << bought.message;
  EXPECT_EQ(bought.order->discount_cents, 500);
  EXPECT_EQ(bought.order->total_cents, 5490);
  r.idempotency_key = "k2";
  EXPECT_EQ(this->buy(r).message, "this coupon has been used");
  ASSERT_TRUE(this->set_status(bought.order->id, OrderStatus::cancelled).ok());
  auto claims = this->template op<std::vector<CouponClaim>>(
      [&](auto done) { this->store_->claims_of(kRoom, "u1", done); });
  ASSERT_EQ(claims.value->size(), 1u);
  EXPECT_EQ((*claims.value)[0].used_by_order, 0);
  EXPECT_EQ(this->buy(r).outcome, PurchaseOutcome::ok);
  auto of_coupon = this->template op<std::vector<CouponClaim>>(
      [&](auto done) { this->store_->coupon_claims(kRoom, id, done); });
  ASSERT_TRUE(of_coupon.ok());
  EXPECT_EQ(of_coupon.value->size(), 2u);
  EXPECT_EQ(this->template op<std::vector<CouponClaim>>(
                    [&](auto done) { this->store_->coupon_claims(kRoom, "cp99", done); })
                .error.code,
            Errc::not_found);
}

TYPED_TEST(StoreTest, WelcomeCouponIsForViewersWithNoOrderYet) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto welcome = this->create_coupon(CouponKind::welcome);
  ASSERT_TRUE(welcome.ok()) << welcome.error.message;
  ASSERT_EQ(this->buy(request("k1", "old")).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(this->claim(welcome.value->id, "old").error.code, Errc::invalid);
  ASSERT_TRUE(this->claim(welcome.value->id, "new").ok());
  auto r = request("k1", "new");
  r.coupon_id = welcome.value->id;
  auto first = this->buy(r);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok) << first.message;
  EXPECT_EQ(first.order->discount_cents, 500);
}

TYPED_TEST(StoreTest, PurchaseChoosesTheNearestPickupPoint) {
  ASSERT_TRUE(this->put(rice()).ok());
  for (const auto& p : {PickupPoint{"bj", "朝阳", "北京", 39.9, 116.4},
                        PickupPoint{"sh", "浦东", "上海", 31.2, 121.5}})
    ASSERT_TRUE(this->template op<PickupPoint>(
                        [&](auto done) { this->store_->put_pickup_point(kRoom, p, done); })
                    .ok());
  auto r = request("k1");
  r.location = Location{31.0, 121.0};
  auto near_shanghai = this->buy(r);
  ASSERT_EQ(near_shanghai.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(near_shanghai.order->pickup_point_id, "sh");
  auto named = request("k2");
  named.pickup_point_id = "nowhere";
  EXPECT_EQ(this->buy(named).message, "no such pickup point");
}

TYPED_TEST(StoreTest, OrderStatusMovesOnlyForward) {
  ASSERT_TRUE(this->put(rice()).ok());
  auto id = this->buy(request("k1")).order->id;
  ASSERT_TRUE(this->set_status(id, OrderStatus::packed).ok());
  EXPECT_EQ(this->set_status(id, OrderStatus::paid).error.code, Errc::conflict);
  EXPECT_EQ(this->set_status(id + 100, OrderStatus::packed).error.code, Errc::not_found);
  auto order = this->template op<Order>([&](auto done) { this->store_->order(kRoom, id, done); });
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order.value->status, OrderStatus::packed);
  EXPECT_EQ(this->stock(), 99);
}

TYPED_TEST(StoreTest, OrdersAreQueriedNewestFirstByViewerProductAndStatus) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(this->put(rice("oil")).ok());
  ASSERT_EQ(this->buy(request("k1", "u1")).outcome, PurchaseOutcome::ok);
  auto oil = request("k2", "u2");
  oil.sku = "oil";
  ASSERT_EQ(this->buy(oil).outcome, PurchaseOutcome::ok);
  ASSERT_EQ(this->buy(request("k3", "u1")).outcome, PurchaseOutcome::ok);
  auto query = [&](OrderQuery q) {
    return *this->template op<std::vector<Order>>(
                    [&](auto done) { this->store_->orders(kRoom, q, done); })
                .value;
  };
  auto all = query({});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_GT(all[0].id, all[1].id);
  OrderQuery of_u1;
  of_u1.user_id = "u1";
  EXPECT_EQ(query(of_u1).size(), 2u);
  OrderQuery of_oil;
  of_oil.sku = "oil";
  EXPECT_EQ(query(of_oil).size(), 1u);
  OrderQuery paged;
  paged.before_id = all[0].id;
  paged.limit = 1;
  auto page = query(paged);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, all[1].id);
}

// Every backend pages the same way: a page is the next `limit` matches below `before_id`, newest
// first, and walking page after page lists every match once.
TYPED_TEST(StoreTest, OrderPagesWithFiltersWalkEveryMatchNewestFirst) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(this->put(rice("oil")).ok());
  std::vector<Order> made;  // as the test made them, oldest first
  for (int i = 0; i < 12; ++i) {
    auto r = request("k" + std::to_string(i), "u" + std::to_string(i % 3));
    if (i % 4 != 0) r.sku = "oil";
    auto bought = this->buy(r);
    ASSERT_EQ(bought.outcome, PurchaseOutcome::ok) << bought.message;
    made.push_back(*bought.order);
  }
  for (int i : {1, 4, 5, 9}) {
    ASSERT_TRUE(this->set_status(made[i].id, OrderStatus::cancelled).ok());
    made[i].status = OrderStatus::cancelled;
  }
  ASSERT_TRUE(this->set_status(made[7].id, OrderStatus::packed).ok());
  made[7].status = OrderStatus::packed;

  auto query = [&](const OrderQuery& q) {
    auto r = this->template op<std::vector<Order>>(
        [&](auto done) { this->store_->orders(kRoom, q, done); });
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.value.value_or(std::vector<Order>{});
  };
  auto matches = [](const OrderQuery& q, const Order& o) {
    return (q.sku.empty() || o.sku == q.sku) && (!q.status || o.status == *q.status) &&
           (q.user_id.empty() || o.user_id == q.user_id);
  };
  auto expected = [&](const OrderQuery& q) {  // every match below before_id, newest first
    std::vector<std::int64_t> ids;
    for (auto it = made.rbegin(); it != made.rend(); ++it)
      if ((q.before_id == 0 || it->id < q.before_id) && matches(q, *it)) ids.push_back(it->id);
    return ids;
  };
  auto walk = [&](OrderQuery q) {
    std::vector<std::int64_t> ids;
    for (int pages = 0; pages <= 12; ++pages) {
      auto page = query(q);
      EXPECT_LE(page.size(), q.limit);
      for (const auto& o : page) {
        EXPECT_TRUE(matches(q, o)) << o.id;
        ids.push_back(o.id);
      }
      if (page.size() < q.limit) break;
      q.before_id = page.back().id;
    }
    return ids;
  };

  std::vector<OrderQuery> queries(7);
  queries[1].sku = "oil";
  queries[2].status = OrderStatus::cancelled;
  queries[3].sku = "oil";
  queries[3].status = OrderStatus::paid;
  queries[4].sku = "rice-5kg";
  queries[4].status = OrderStatus::packed;  // none
  queries[5].user_id = "u1";
  queries[5].sku = "oil";
  queries[6].user_id = "u2";
  queries[6].status = OrderStatus::cancelled;
  for (std::size_t limit : {1, 2, 5, 50}) {
    for (auto q : queries) {
      q.limit = limit;
      EXPECT_EQ(walk(q), expected(q))
          << "limit " << limit << ", sku '" << q.sku << "', user '" << q.user_id << "'";
    }
  }

  OrderQuery middle;  // a page that starts inside the list
  middle.sku = "oil";
  middle.before_id = made[8].id;
  middle.limit = 3;
  auto ids = expected(middle);
  ids.resize(3);
  auto page = query(middle);
  std::vector<std::int64_t> got;
  for (const auto& o : page) got.push_back(o.id);
  EXPECT_EQ(got, ids);
  OrderQuery none;
  none.limit = 0;
  EXPECT_TRUE(query(none).empty());
  OrderQuery before_the_first;
  before_the_first.before_id = made[0].id;
  EXPECT_TRUE(query(before_the_first).empty());
}

TYPED_TEST(StoreTest, CatalogueListsWhatTheShelfHides) {
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(this->put(rice("oil")).ok());
  ASSERT_TRUE(this->template op<Product>(
                      [&](auto done) { this->store_->remove_product(kRoom, "oil", done); })
                  .ok());
  auto coupon = this->create_coupon();
  ASSERT_TRUE(this->template op<Coupon>([&](auto done) {
                    this->store_->withdraw_coupon(kRoom, coupon.value->id, done);
                  })
                  .ok());
  auto c = this->template op<Catalogue>([&](auto done) { this->store_->catalogue(kRoom, done); });
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c.value->products.size(), 2u);
  EXPECT_EQ(c.value->products[1].sku, "oil");
  EXPECT_FALSE(c.value->products[1].on_shelf);
  ASSERT_EQ(c.value->coupons.size(), 1u);
  EXPECT_FALSE(c.value->coupons[0].active);
  EXPECT_EQ(this->shelf().products.size(), 1u);
}

// ---- listener ----

TYPED_TEST(StoreTest, ListenerHearsTheCommittedPurchase) {
  RecordingListener listener;
  this->store_->set_listener(&listener);
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(
      this->template op<std::string>([&](auto done) { this->store_->pin(kRoom, "rice-5kg", done); })
          .ok());
  listener.wait_for([](const RoomChanges& c) { return c.pin_changed; });
  auto bought = this->buy(request("k1"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok);
  auto c = listener.wait_for([](const RoomChanges& c) { return !c.new_orders.empty(); });
  EXPECT_EQ(c.room, kRoom);
  EXPECT_TRUE(c.from_this_node);
  ASSERT_EQ(c.products.size(), 1u);
  EXPECT_EQ(c.products[0].stock, 99);
  ASSERT_EQ(c.new_orders.size(), 1u);
  EXPECT_EQ(c.new_orders[0].id, bought.order->id);
  EXPECT_TRUE(c.changed_orders.empty());
  EXPECT_TRUE(c.pin_changed);  // the pinned product's stock changed
  ASSERT_TRUE(c.pinned);
  EXPECT_EQ(c.pinned->sku, "rice-5kg");
  EXPECT_EQ(c.pinned->stock, 99);
  this->store_->set_listener(nullptr);
}

TYPED_TEST(StoreTest, ListenerHearsPinAndUnpin) {
  RecordingListener listener;
  this->store_->set_listener(&listener);
  ASSERT_TRUE(this->put(rice()).ok());
  ASSERT_TRUE(
      this->template op<std::string>([&](auto done) { this->store_->pin(kRoom, "rice-5kg", done); })
          .ok());
  auto pin = listener.wait_for([](const RoomChanges& c) { return c.pin_changed; });
  ASSERT_TRUE(pin.pinned);
  EXPECT_EQ(pin.pinned->sku, "rice-5kg");
  EXPECT_TRUE(pin.shelf_changed);
  ASSERT_TRUE(
      this->template op<std::string>([&](auto done) { this->store_->pin(kRoom, "", done); }).ok());
  auto unpin = listener.wait_for([](const RoomChanges& c) { return c.pin_changed && !c.pinned; });
  EXPECT_FALSE(unpin.pinned);
  this->store_->set_listener(nullptr);
}

TYPED_TEST(StoreTest, ListenerHearsStatusChangesAsChangedOrders) {
  RecordingListener listener;
  this->store_->set_listener(&listener);
  ASSERT_TRUE(this->put(rice()).ok());
  auto id = this->buy(request("k1")).order->id;
  ASSERT_TRUE(this->set_status(id, OrderStatus::packed).ok());
  auto c = listener.wait_for([](const RoomChanges& c) { return !c.changed_orders.empty(); });
  EXPECT_TRUE(c.new_orders.empty());
  EXPECT_EQ(c.changed_orders[0].status, OrderStatus::packed);
  this->store_->set_listener(nullptr);
}

// ---- fulfilment outbox ----

template <class Backend>
class StoreOutboxTest : public StoreTest<Backend> {
 protected:
  void SetUp() override {
    StoreTest<Backend>::SetUp();
    ASSERT_TRUE(this->put(rice()).ok());
    ASSERT_TRUE(this->template op<std::string>([&](auto done) {
                      this->store_->set_webhook(kRoom, "http://wms.local/hook", done);
                    })
                    .ok());
    auto r = this->buy(request("k1"));
    ASSERT_EQ(r.outcome, PurchaseOutcome::ok);
    order_id_ = r.order->id;
  }
  std::int64_t order_id_ = 0;
};

TYPED_TEST_SUITE(StoreOutboxTest, Backends, BackendNames);

TYPED_TEST(StoreOutboxTest, OrderInARoomWithAWebhookIsDue) {
  auto list = this->due(kStart);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, this->order_id_);
  EXPECT_EQ(list[0].order.sku, "rice-5kg");
  EXPECT_EQ(list[0].url, "http://wms.local/hook");
  EXPECT_EQ(list[0].attempts, 0);
}

TYPED_TEST(StoreOutboxTest, DueDeliveriesSurviveAReopen) {
  this->store_.reset();
  this->store_ = this->open();
  auto list = this->due(kStart);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, this->order_id_);
}

TYPED_TEST(StoreOutboxTest, FailedAttemptHidesTheOrderUntilItsNextAttempt) {
  ASSERT_TRUE(this->record({this->order_id_, kStart, 503, "HTTP 503"}, kStart + 60'000).ok());
  EXPECT_TRUE(this->due(kStart).empty());
  EXPECT_TRUE(this->due(kStart + 59'999).empty());
  auto list = this->due(kStart + 60'000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].attempts, 1);
}

TYPED_TEST(StoreOutboxTest, SuccessfulAttemptRemovesTheOrder) {
  ASSERT_TRUE(this->record({this->order_id_, kStart, 200, ""}, 0).ok());
  EXPECT_TRUE(this->due(kStart).empty());
  EXPECT_TRUE(this->due(kStart + 86'400'000).empty());
}

// Regression: `next_attempt_ms` 0 means no more tries, but a failed attempt recorded with it
// (giving up) stayed due at once, forever.
TYPED_TEST(StoreOutboxTest, GivingUpRemovesTheOrder) {
  ASSERT_TRUE(this->record({this->order_id_, kStart, 400, "HTTP 400"}, 0).ok());
  EXPECT_TRUE(this->due(kStart + 86'400'000).empty());
  EXPECT_EQ(this->attempts(this->order_id_).size(), 1u);
}

// Regression: a success recorded at time 0 left the order due.
TYPED_TEST(StoreOutboxTest, SuccessAtTimeZeroRemovesTheOrder) {
  ASSERT_TRUE(this->record({this->order_id_, 0, 200, ""}, 0).ok());
  EXPECT_TRUE(this->due(kStart).empty());
}

TYPED_TEST(StoreOutboxTest, DeliveriesListEveryAttemptInOrder) {
  ASSERT_TRUE(this->record({this->order_id_, kStart, 0, "connection refused"}, kStart + 1000).ok());
  ASSERT_TRUE(this->record({this->order_id_, kStart + 1000, 200, ""}, 0).ok());
  auto list = this->attempts(this->order_id_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].order_id, this->order_id_);
  EXPECT_EQ(list[0].at_ms, kStart);
  EXPECT_EQ(list[0].http_status, 0);
  EXPECT_EQ(list[0].error, "connection refused");
  EXPECT_EQ(list[1].at_ms, kStart + 1000);
  EXPECT_EQ(list[1].http_status, 200);
  EXPECT_EQ(list[1].error, "");
  EXPECT_TRUE(this->attempts(this->order_id_ + 100).empty());
}

TYPED_TEST(StoreOutboxTest, OrderInARoomWithoutAWebhookHasNoOutboxRow) {
  ASSERT_TRUE(this->put(rice(), "r2").ok());
  auto other = this->buy(request("k1", "u1", "r2"));
  ASSERT_EQ(other.outcome, PurchaseOutcome::ok);
  auto list = this->due(kStart + 86'400'000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, this->order_id_);
  auto r = call<Result<std::vector<DeliveryAttempt>>>(
      [&](auto done) { this->store_->deliveries("r2", other.order->id, done); });
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value->empty());
}

}  // namespace
}  // namespace commerce
