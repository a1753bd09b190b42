#include "commerce/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <latch>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace commerce {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::int64_t kStart = 1'767'000'000'000;
constexpr auto kDeadline = 30s;  // generous: sanitizers and a shared two-core machine
const std::string kRoom = "r1";

// Starts an operation with a completion callback and waits for it, with a deadline. `probe`
// runs inside the callback, before the operation is reported done to the test.
template <class R>
R call(const std::function<void(std::function<void(R)>)>& start, std::function<void()> probe = {}) {
  auto promise = std::make_shared<std::promise<R>>();
  auto future = promise->get_future();
  start([promise, probe = std::move(probe)](R r) {
    if (probe) probe();
    promise->set_value(std::move(r));
  });
  if (future.wait_for(kDeadline) != std::future_status::ready)
    throw std::runtime_error("no answer before the deadline");
  return future.get();
}

Product rice(std::string sku = "rice-5kg", std::int64_t stock = 100) {
  Product p;
  p.sku = std::move(sku);
  p.title = "五常大米 5kg";
  p.price_cents = 5990;
  p.stock = stock;
  return p;
}

PurchaseRequest request(std::string key, std::string user = "u1", std::string room = kRoom) {
  PurchaseRequest r;
  r.room = std::move(room);
  r.user_id = std::move(user);
  r.nick = "小王";
  r.idempotency_key = std::move(key);
  r.sku = "rice-5kg";
  return r;
}

// Remembers every committed change and wakes a waiting test.
class RecordingListener final : public StoreListener {
 public:
  void on_committed(const RoomChanges& changes) override {
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(changes);
      for (const auto& p : changes.products) min_stock_ = std::min(min_stock_, p.stock);
    }
    cv_.notify_all();
  }
  // Waits for a change that `match` accepts and returns it.
  RoomChanges wait_for(const std::function<bool(const RoomChanges&)>& match) {
    std::unique_lock lock(mutex_);
    RoomChanges found;
    bool ok = cv_.wait_for(lock, kDeadline, [&] {
      for (const auto& c : seen_)
        if (match(c)) {
          found = c;
          return true;
        }
      return false;
    });
    if (!ok) throw std::runtime_error("no matching change before the deadline");
    return found;
  }
  std::size_t count() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::int64_t min_stock() {
    std::lock_guard lock(mutex_);
    return min_stock_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<RoomChanges> seen_;
  std::int64_t min_stock_ = INT64_MAX;
};

class SqliteStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("livecart_commerce_store_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = open();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  [[nodiscard]] std::unique_ptr<SqliteStore> open() {
    return std::make_unique<SqliteStore>((dir_ / "commerce.db").string(),
                                         [this] { return now_.load(); });
  }

  // A second store on the same file sees only what was committed.
  template <class T>
  static Result<T> read_from(SqliteStore& s,
                             const std::function<void(SqliteStore&, Store::Done<T>)>& start) {
    return call<Result<T>>([&](auto done) { start(s, done); });
  }
  Result<Product> product_on_disk(const std::string& sku) {
    auto fresh = open();
    return read_from<Product>(*fresh,
                              [&](SqliteStore& s, auto done) { s.product(kRoom, sku, done); });
  }
  ShelfView shelf_on_disk() {
    auto fresh = open();
    return *read_from<ShelfView>(*fresh, [](SqliteStore& s, auto done) {
              s.shelf(kRoom, done);
            }).value;
  }
  std::vector<Order> orders_on_disk(OrderQuery q = {}) {
    auto fresh = open();
    return *read_from<std::vector<Order>>(*fresh, [&](SqliteStore& s, auto done) {
              s.orders(kRoom, q, done);
            }).value;
  }

  // Runs a mutation and checks from inside its `done`, with a fresh store, that the file holds it.
  template <class T>
  Result<T> durably(const std::function<void(Store::Done<T>)>& start,
                    const std::function<void()>& check_on_disk) {
    return call<Result<T>>(start, check_on_disk);
  }

  Result<Product> put(Product p) {
    return call<Result<Product>>([&](auto done) { store_->put_product(kRoom, p, done); });
  }
  PurchaseResult buy(const PurchaseRequest& r, bool room_open = true) {
    return call<PurchaseResult>([&](auto done) { store_->purchase(r, room_open, done); });
  }
  Result<Product> product(const std::string& sku = "rice-5kg") {
    return read_from<Product>(*store_,
                              [&](SqliteStore& s, auto done) { s.product(kRoom, sku, done); });
  }
  std::int64_t stock() {
    auto p = product();
    EXPECT_TRUE(p.ok()) << p.error.message;
    return p.ok() ? p.value->stock : -1;
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

  fs::path dir_;
  std::atomic<std::int64_t> now_{kStart};
  std::unique_ptr<SqliteStore> store_;
};

// ---- each operation is durable before its done ----

TEST_F(SqliteStoreTest, PutProductIsOnDiskWhenDone) {
  Result<Product> seen;
  auto r = durably<Product>([&](auto done) { store_->put_product(kRoom, rice(), done); },
                            [&] { seen = product_on_disk("rice-5kg"); });
  ASSERT_TRUE(r.ok()) << r.error.message;
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen.value->stock, 100);
  EXPECT_EQ(seen.value->updated_at_ms, kStart);
}

TEST_F(SqliteStoreTest, SetStockIsOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  Result<Product> seen;
  ASSERT_TRUE(durably<Product>([&](auto done) { store_->set_stock(kRoom, "rice-5kg", 7, done); },
                               [&] { seen = product_on_disk("rice-5kg"); })
                  .ok());
  EXPECT_EQ(seen.value->stock, 7);
}

TEST_F(SqliteStoreTest, RemoveProductIsOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  Result<Product> seen;
  ASSERT_TRUE(durably<Product>([&](auto done) { store_->remove_product(kRoom, "rice-5kg", done); },
                               [&] { seen = product_on_disk("rice-5kg"); })
                  .ok());
  EXPECT_EQ(seen.error.code, Errc::not_found);
}

TEST_F(SqliteStoreTest, ShelfOrderAndPinAreOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  ASSERT_TRUE(put(rice("oil")).ok());
  ShelfView seen;
  ASSERT_TRUE(durably<std::vector<std::string>>(
                  [&](auto done) { store_->set_shelf_order(kRoom, {"oil"}, done); },
                  [&] { seen = shelf_on_disk(); })
                  .ok());
  ASSERT_EQ(seen.products.size(), 2u);
  EXPECT_EQ(seen.products[0].sku, "oil");
  ASSERT_TRUE(durably<std::string>([&](auto done) { store_->pin(kRoom, "rice-5kg", done); },
                                   [&] { seen = shelf_on_disk(); })
                  .ok());
  EXPECT_EQ(seen.pinned_sku, "rice-5kg");
  ASSERT_TRUE(durably<std::string>([&](auto done) { store_->pin(kRoom, "", done); },
                                   [&] { seen = shelf_on_disk(); })
                  .ok());
  EXPECT_EQ(seen.pinned_sku, "");
}

TEST_F(SqliteStoreTest, FlashSaleStartAndStopAreOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  FlashSale s;
  s.sku = "rice-5kg";
  s.price_cents = 3990;
  s.quantity = 5;
  s.ends_at_ms = kStart + 3'600'000;
  ShelfView seen;
  auto started = durably<FlashSale>([&](auto done) { store_->start_sale(kRoom, s, done); },
                                    [&] { seen = shelf_on_disk(); });
  ASSERT_TRUE(started.ok()) << started.error.message;
  ASSERT_EQ(seen.sales.size(), 1u);
  EXPECT_EQ(seen.sales[0].id, started.value->id);
  EXPECT_EQ(seen.sales[0].price_cents, 3990);
  ASSERT_TRUE(
      durably<FlashSale>([&](auto done) { store_->stop_sale(kRoom, started.value->id, done); },
                         [&] { seen = shelf_on_disk(); })
          .ok());
  EXPECT_TRUE(seen.sales.empty());
}

TEST_F(SqliteStoreTest, CouponCreateClaimAndWithdrawAreOnDiskWhenDone) {
  Coupon c;
  c.title = "满减券";
  c.discount_cents = 500;
  ShelfView seen;
  auto created = durably<Coupon>([&](auto done) { store_->create_coupon(kRoom, c, done); },
                                 [&] { seen = shelf_on_disk(); });
  ASSERT_TRUE(created.ok()) << created.error.message;
  ASSERT_EQ(seen.coupons.size(), 1u);
  const std::string id = created.value->id;

  std::vector<CouponClaim> claims;
  auto claimed = durably<CouponClaim>(
      [&](auto done) { store_->claim_coupon(kRoom, id, "u1", done); },
      [&] {
        auto fresh = open();
        claims = *read_from<std::vector<CouponClaim>>(*fresh, [](SqliteStore& s, auto done) {
                    s.claims_of(kRoom, "u1", done);
                  }).value;
      });
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].coupon_id, id);
  EXPECT_EQ(claims[0].claimed_at_ms, kStart);

  ASSERT_TRUE(durably<Coupon>([&](auto done) { store_->withdraw_coupon(kRoom, id, done); },
                              [&] { seen = shelf_on_disk(); })
                  .ok());
  EXPECT_TRUE(seen.coupons.empty());
}

TEST_F(SqliteStoreTest, PickupPointPutAndRemoveAreOnDiskWhenDone) {
  ShelfView seen;
  PickupPoint p{"bj", "朝阳自提点", "北京市朝阳区 1 号", 39.9, 116.4};
  ASSERT_TRUE(durably<PickupPoint>([&](auto done) { store_->put_pickup_point(kRoom, p, done); },
                                   [&] { seen = shelf_on_disk(); })
                  .ok());
  ASSERT_EQ(seen.pickup_points.size(), 1u);
  EXPECT_EQ(seen.pickup_points[0].lat, 39.9);
  ASSERT_TRUE(
      durably<PickupPoint>([&](auto done) { store_->remove_pickup_point(kRoom, "bj", done); },
                           [&] { seen = shelf_on_disk(); })
          .ok());
  EXPECT_TRUE(seen.pickup_points.empty());
}

TEST_F(SqliteStoreTest, WebhookIsOnDiskWhenDone) {
  std::string seen;
  ASSERT_TRUE(durably<std::string>(
                  [&](auto done) { store_->set_webhook(kRoom, "http://wms.local/hook", done); },
                  [&] {
                    auto fresh = open();
                    seen = *read_from<std::string>(*fresh, [](SqliteStore& s, auto done) {
                              s.webhook(kRoom, done);
                            }).value;
                  })
                  .ok());
  EXPECT_EQ(seen, "http://wms.local/hook");
}

TEST_F(SqliteStoreTest, PurchaseIsOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  Result<Product> stock_seen;
  std::vector<Order> orders_seen;
  auto r = call<PurchaseResult>([&](auto done) { store_->purchase(request("k1"), true, done); },
                                [&] {
                                  stock_seen = product_on_disk("rice-5kg");
                                  orders_seen = orders_on_disk();
                                });
  ASSERT_EQ(r.outcome, PurchaseOutcome::ok) << r.message;
  EXPECT_EQ(stock_seen.value->stock, 99);
  ASSERT_EQ(orders_seen.size(), 1u);
  EXPECT_EQ(orders_seen[0].id, r.order->id);
}

TEST_F(SqliteStoreTest, OrderStatusIsOnDiskWhenDone) {
  ASSERT_TRUE(put(rice()).ok());
  auto id = buy(request("k1")).order->id;
  std::vector<Order> seen;
  Result<Product> stock_seen;
  ASSERT_TRUE(
      durably<Order>(
          [&](auto done) { store_->set_order_status(kRoom, id, OrderStatus::cancelled, done); },
          [&] {
            seen = orders_on_disk();
            stock_seen = product_on_disk("rice-5kg");
          })
          .ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].status, OrderStatus::cancelled);
  EXPECT_EQ(stock_seen.value->stock, 100);
}

TEST_F(SqliteStoreTest, RefusedMutationAnswersItsError) {
  Product bad = rice();
  bad.price_cents = 0;
  EXPECT_EQ(put(bad).error.code, Errc::invalid);
  EXPECT_EQ(call<Result<Product>>([&](auto done) {
              store_->set_stock(kRoom, "ghost", 1, done);
            }).error.code,
            Errc::not_found);
}

TEST_F(SqliteStoreTest, ReadsOfAnUnknownRoomAreEmpty) {
  auto shelf =
      read_from<ShelfView>(*store_, [](SqliteStore& s, auto done) { s.shelf("nowhere", done); });
  ASSERT_TRUE(shelf.ok());
  EXPECT_TRUE(shelf.value->products.empty());
  auto p = read_from<Product>(
      *store_, [](SqliteStore& s, auto done) { s.product("nowhere", "rice-5kg", done); });
  EXPECT_EQ(p.error.code, Errc::not_found);
}

// Regression: a purchase naming no room dereferenced a null shop on the writer thread.
TEST_F(SqliteStoreTest, PurchaseWithNoRoomIsInvalid) {
  auto r = buy(request("k1", "u1", ""));
  EXPECT_EQ(r.outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(
      call<Result<Product>>([&](auto done) { store_->put_product("", rice(), done); }).error.code,
      Errc::invalid);
}

// ---- reopen ----

TEST_F(SqliteStoreTest, PurchaseSurvivesAReopenWithItsStockAndKey) {
  ASSERT_TRUE(put(rice()).ok());
  auto first = buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  store_.reset();
  store_ = open();
  EXPECT_EQ(stock(), 99);
  auto again = buy(request("k1"));
  ASSERT_EQ(again.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.order->id, first.order->id);
  EXPECT_EQ(again.order->created_at_ms, first.order->created_at_ms);
  EXPECT_EQ(stock(), 99);
  auto next = buy(request("k2"));
  ASSERT_EQ(next.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(next.order->id, first.order->id + 1);  // ids continue after a reopen
}

TEST_F(SqliteStoreTest, ShelfSurvivesAReopen) {
  ASSERT_TRUE(put(rice()).ok());
  ASSERT_TRUE(put(rice("oil")).ok());
  ASSERT_TRUE(call<Result<std::vector<std::string>>>([&](auto done) {
                store_->set_shelf_order(kRoom, {"oil"}, done);
              }).ok());
  ASSERT_TRUE(call<Result<std::string>>([&](auto done) { store_->pin(kRoom, "oil", done); }).ok());
  store_.reset();
  store_ = open();
  auto shelf =
      read_from<ShelfView>(*store_, [](SqliteStore& s, auto done) { s.shelf(kRoom, done); });
  ASSERT_EQ(shelf.value->products.size(), 2u);
  EXPECT_EQ(shelf.value->products[0].sku, "oil");
  EXPECT_EQ(shelf.value->pinned_sku, "oil");
}

// ---- group commit ----

TEST_F(SqliteStoreTest, ConcurrentPurchasesAreGroupCommittedAndNeverOversell) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  constexpr int kStock = 500;
  RecordingListener listener;
  store_->set_listener(&listener);
  ASSERT_TRUE(put(rice("rice-5kg", kStock)).ok());
  const auto commits_before = store_->commits();
  const auto operations_before = store_->operations();

  std::mutex mutex;
  std::condition_variable cv;
  int answered = 0, ok = 0, sold_out = 0, other = 0;
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        auto user = "u" + std::to_string(t) + "-" + std::to_string(i);
        store_->purchase(request("k", user), true, [&](PurchaseResult r) {
          {
            std::lock_guard lock(mutex);
            ++answered;
            if (r.outcome == PurchaseOutcome::ok)
              ++ok;
            else if (r.outcome == PurchaseOutcome::sold_out)
              ++sold_out;
            else
              ++other;
          }
          cv.notify_all();
        });
      }
    });
  for (auto& t : threads) t.join();
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return answered == kThreads * kPerThread; }))
        << answered;
  }
  EXPECT_EQ(ok, kStock);
  EXPECT_EQ(sold_out, kThreads * kPerThread - kStock);
  EXPECT_EQ(other, 0);
  (void)commits_before;
  // Every purchase went through a batch, or was refused from memory once the stock was gone.
  const auto operations = store_->operations() - operations_before;
  EXPECT_EQ(operations + store_->quick_refusals(), static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(stock(), 0);
  EXPECT_GE(listener.min_stock(), 0);

  store_.reset();
  store_ = open();
  EXPECT_EQ(stock(), 0);
  OrderQuery all;
  all.limit = 10'000;
  EXPECT_EQ(orders_on_disk(all).size(), static_cast<std::size_t>(kStock));
}

TEST_F(SqliteStoreTest, PurchasesQueuedBehindABusyWriterCommitTogether) {
  ASSERT_TRUE(put(rice("rice-5kg", 100)).ok());
  const auto commits_before = store_->commits();
  // The first purchase's completion runs on the writer thread: holding it there keeps the
  // writer busy while the others queue up, so they must all land in the next batch.
  std::promise<void> in_callback, release;
  std::promise<PurchaseResult> first;
  auto release_future = release.get_future().share();
  store_->purchase(request("first", "u0"), true, [&, release_future](PurchaseResult r) {
    in_callback.set_value();
    release_future.wait();
    first.set_value(std::move(r));
  });
  ASSERT_EQ(in_callback.get_future().wait_for(kDeadline), std::future_status::ready);
  constexpr int kQueued = 300;
  std::mutex mutex;
  std::condition_variable cv;
  int ok = 0, answered = 0;
  for (int i = 1; i <= kQueued; ++i)
    store_->purchase(request("k", "u" + std::to_string(i)), true, [&](PurchaseResult r) {
      std::lock_guard lock(mutex);
      ok += r.outcome == PurchaseOutcome::ok;
      ++answered;
      cv.notify_all();
    });
  release.set_value();
  EXPECT_EQ(first.get_future().get().outcome, PurchaseOutcome::ok);
  std::unique_lock lock(mutex);
  ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return answered == kQueued; }));
  EXPECT_EQ(ok, 99) << "100 in stock, one taken by the first";
  EXPECT_EQ(store_->commits() - commits_before, 2u) << "the first purchase's batch, then one for all the queued";
  EXPECT_EQ(stock(), 0);
}

// ---- failed commits ----

TEST_F(SqliteStoreTest, FailedCommitAnswersUnavailableAndRestoresMemory) {
  RecordingListener listener;
  store_->set_listener(&listener);
  ASSERT_TRUE(put(rice("rice-5kg", 10)).ok());
  listener.wait_for([](const RoomChanges& c) { return !c.products.empty(); });
  const auto changes_before = listener.count();

  store_->fail_next_commits(1);
  auto failed = buy(request("k1"));
  EXPECT_EQ(failed.outcome, PurchaseOutcome::unavailable);
  EXPECT_FALSE(failed.order);
  EXPECT_EQ(stock(), 10);
  EXPECT_TRUE(orders_on_disk().empty());

  auto next = buy(request("k1"));  // the same key: the failed one left no trace
  ASSERT_EQ(next.outcome, PurchaseOutcome::ok) << next.message;
  EXPECT_FALSE(next.replayed);
  EXPECT_EQ(next.order->id, 1);
  EXPECT_EQ(stock(), 9);
  EXPECT_EQ(product_on_disk("rice-5kg").value->stock, 9);
  listener.wait_for([](const RoomChanges& c) { return !c.new_orders.empty(); });
  EXPECT_EQ(listener.count(), changes_before + 1);  // nothing for the failed batch
}

TEST_F(SqliteStoreTest, FailedCommitFailsEveryPurchaseOfTheBatch) {
  ASSERT_TRUE(put(rice("rice-5kg", 10)).ok());
  store_->fail_next_commits(3);
  std::vector<PurchaseResult> results;
  for (int i = 0; i < 3; ++i)
    results.push_back(buy(request("k" + std::to_string(i), "u" + std::to_string(i))));
  for (const auto& r : results) EXPECT_EQ(r.outcome, PurchaseOutcome::unavailable);
  EXPECT_EQ(stock(), 10);
  EXPECT_EQ(buy(request("k9")).outcome, PurchaseOutcome::ok);
}

TEST_F(SqliteStoreTest, FailedCommitAnswersUnavailableForAMutation) {
  ASSERT_TRUE(put(rice("rice-5kg", 10)).ok());
  store_->fail_next_commits(1);
  auto r = call<Result<Product>>([&](auto done) { store_->set_stock(kRoom, "rice-5kg", 3, done); });
  EXPECT_EQ(r.error.code, Errc::unavailable);
  EXPECT_EQ(stock(), 10);
}

// ---- listener ----

TEST_F(SqliteStoreTest, ListenerHearsTheCommittedPurchase) {
  RecordingListener listener;
  store_->set_listener(&listener);
  ASSERT_TRUE(put(rice()).ok());
  ASSERT_TRUE(
      call<Result<std::string>>([&](auto done) { store_->pin(kRoom, "rice-5kg", done); }).ok());
  listener.wait_for([](const RoomChanges& c) { return c.pin_changed; });
  auto bought = buy(request("k1"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok);
  auto c = listener.wait_for([](const RoomChanges& c) { return !c.new_orders.empty(); });
  EXPECT_EQ(c.room, kRoom);
  ASSERT_EQ(c.products.size(), 1u);
  EXPECT_EQ(c.products[0].stock, 99);
  ASSERT_EQ(c.new_orders.size(), 1u);
  EXPECT_EQ(c.new_orders[0].id, bought.order->id);
  EXPECT_TRUE(c.changed_orders.empty());
  EXPECT_TRUE(c.pin_changed);  // the pinned product's stock changed
  ASSERT_TRUE(c.pinned);
  EXPECT_EQ(c.pinned->sku, "rice-5kg");
  EXPECT_EQ(c.pinned->stock, 99);
}

TEST_F(SqliteStoreTest, ListenerHearsPinAndUnpin) {
  RecordingListener listener;
  store_->set_listener(&listener);
  ASSERT_TRUE(put(rice()).ok());
  ASSERT_TRUE(
      call<Result<std::string>>([&](auto done) { store_->pin(kRoom, "rice-5kg", done); }).ok());
  auto pin = listener.wait_for([](const RoomChanges& c) { return c.pin_changed; });
  ASSERT_TRUE(pin.pinned);
  EXPECT_EQ(pin.pinned->sku, "rice-5kg");
  EXPECT_TRUE(pin.shelf_changed);
  ASSERT_TRUE(call<Result<std::string>>([&](auto done) { store_->pin(kRoom, "", done); }).ok());
  auto unpin = listener.wait_for([](const RoomChanges& c) { return c.pin_changed && !c.pinned; });
  EXPECT_FALSE(unpin.pinned);
}

TEST_F(SqliteStoreTest, ListenerHearsStatusChangesAsChangedOrders) {
  RecordingListener listener;
  store_->set_listener(&listener);
  ASSERT_TRUE(put(rice()).ok());
  auto id = buy(request("k1")).order->id;
  ASSERT_TRUE(call<Result<Order>>([&](auto done) {
                store_->set_order_status(kRoom, id, OrderStatus::packed, done);
              }).ok());
  auto c = listener.wait_for([](const RoomChanges& c) { return !c.changed_orders.empty(); });
  EXPECT_TRUE(c.new_orders.empty());
  EXPECT_EQ(c.changed_orders[0].status, OrderStatus::packed);
}

// ---- fulfilment outbox ----

class SqliteOutboxTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(put(rice()).ok());
    ASSERT_TRUE(call<Result<std::string>>([&](auto done) {
                  store_->set_webhook(kRoom, "http://wms.local/hook", done);
                }).ok());
    auto r = buy(request("k1"));
    ASSERT_EQ(r.outcome, PurchaseOutcome::ok);
    order_id_ = r.order->id;
  }
  std::int64_t order_id_ = 0;
};

TEST_F(SqliteOutboxTest, OrderInARoomWithAWebhookIsDue) {
  auto list = due(kStart);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, order_id_);
  EXPECT_EQ(list[0].url, "http://wms.local/hook");
  EXPECT_EQ(list[0].attempts, 0);
}

TEST_F(SqliteOutboxTest, DueDeliveriesSurviveAReopen) {
  store_.reset();
  store_ = open();
  auto list = due(kStart);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, order_id_);
}

TEST_F(SqliteOutboxTest, FailedAttemptHidesTheOrderUntilItsNextAttempt) {
  ASSERT_TRUE(record({order_id_, kStart, 503, "HTTP 503"}, kStart + 60'000).ok());
  EXPECT_TRUE(due(kStart).empty());
  EXPECT_TRUE(due(kStart + 59'999).empty());
  auto list = due(kStart + 60'000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].attempts, 1);
}

TEST_F(SqliteOutboxTest, SuccessfulAttemptRemovesTheOrder) {
  ASSERT_TRUE(record({order_id_, kStart, 200, ""}, 0).ok());
  EXPECT_TRUE(due(kStart).empty());
  EXPECT_TRUE(due(kStart + 86'400'000).empty());
}

// Regression: `next_attempt_ms` 0 means no more tries, but a failed attempt recorded with it
// (giving up) stayed due at once, forever.
TEST_F(SqliteOutboxTest, GivingUpRemovesTheOrder) {
  ASSERT_TRUE(record({order_id_, kStart, 400, "HTTP 400"}, 0).ok());
  EXPECT_TRUE(due(kStart + 86'400'000).empty());
  EXPECT_EQ(attempts(order_id_).size(), 1u);
}

// Regression: a success recorded at time 0 left the order due.
TEST_F(SqliteOutboxTest, SuccessAtTimeZeroRemovesTheOrder) {
  ASSERT_TRUE(record({order_id_, 0, 200, ""}, 0).ok());
  EXPECT_TRUE(due(kStart).empty());
}

TEST_F(SqliteOutboxTest, DeliveriesListEveryAttemptInOrder) {
  ASSERT_TRUE(record({order_id_, kStart, 0, "connection refused"}, kStart + 1000).ok());
  ASSERT_TRUE(record({order_id_, kStart + 1000, 200, ""}, 0).ok());
  auto list = attempts(order_id_);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].order_id, order_id_);
  EXPECT_EQ(list[0].at_ms, kStart);
  EXPECT_EQ(list[0].http_status, 0);
  EXPECT_EQ(list[0].error, "connection refused");
  EXPECT_EQ(list[1].at_ms, kStart + 1000);
  EXPECT_EQ(list[1].http_status, 200);
  EXPECT_EQ(list[1].error, "");
  EXPECT_TRUE(attempts(order_id_ + 100).empty());
}

TEST_F(SqliteOutboxTest, OrderInARoomWithoutAWebhookHasNoOutboxRow) {
  ASSERT_TRUE(
      call<Result<Product>>([&](auto done) { store_->put_product("r2", rice(), done); }).ok());
  auto other = buy(request("k1", "u1", "r2"));
  ASSERT_EQ(other.outcome, PurchaseOutcome::ok);
  auto list = due(kStart + 86'400'000);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].order.id, order_id_);
  auto r = call<Result<std::vector<DeliveryAttempt>>>(
      [&](auto done) { store_->deliveries("r2", other.order->id, done); });
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value->empty());
}

}  // namespace
}  // namespace commerce
