// What only the SQLite backend does: group commit, and failed commits (the backend-independent
// contract is in store_conformance_test.cpp).
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

#include "store_test_support.hpp"

namespace commerce {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace store_test;

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
  std::vector<Order> orders_on_disk(OrderQuery q = {}) {
    auto fresh = open();
    return *read_from<std::vector<Order>>(*fresh, [&](SqliteStore& s, auto done) {
              s.orders(kRoom, q, done);
            }).value;
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
  fs::path dir_;
  std::atomic<std::int64_t> now_{kStart};
  std::unique_ptr<SqliteStore> store_;
};

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

}  // namespace
}  // namespace commerce
