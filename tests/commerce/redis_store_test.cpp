// What only the Redis backend does: several nodes (RedisStore instances) on one Redis sell the
// same stock without overselling, share idempotency keys, hear each other's commits and share
// the outbox; Redis going away answers unavailable at once and loses no acknowledged order.
#include "commerce/redis_store.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <map>
#include <set>

#include "store_test_support.hpp"
#include "support/redis_server.hpp"

namespace commerce {
namespace {

using namespace store_test;
using testing_support::RedisServer;

// A TCP relay between a store and Redis that can lose the answer to a purchase: it passes the
// purchase's commit (the script's arguments hold the "#ID#" placeholder) to Redis, waits for
// Redis's answer, and then closes the store's connection instead of relaying it.
class LossyRelay {
 public:
  explicit LossyRelay(std::uint16_t upstream_port) : upstream_port_(upstream_port) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("relay: cannot listen");
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~LossyRelay() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : relays_) t.join();
    ::close(listener_);
  }
  LossyRelay(const LossyRelay&) = delete;
  LossyRelay& operator=(const LossyRelay&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void lose_next_purchase_answer() { lose_ = true; }
  // While held, what the store sends waits (in the kernel's buffers) instead of reaching Redis.
  void hold(bool on) {
    std::lock_guard lock(hold_mutex_);
    hold_ = on;
  }
  [[nodiscard]] bool lost() const { return lost_; }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(upstream_port_);
      if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(client);
        ::close(upstream);
        continue;
      }
      relays_.emplace_back([this, client, upstream] { relay(client, upstream); });
    }
  }
  static bool send_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
      ssize_t sent = ::send(fd, data, n, MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data += sent;
      n -= static_cast<std::size_t>(sent);
    }
    return true;
  }
  void relay(int client, int upstream) {
    std::vector<char> buf(1 << 16);
    bool losing = false;
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    while (!stop_) {
      fds[0].events = hold_ ? 0 : POLLIN;
      fds[0].revents = 0;
      if (::poll(fds, 2, 20) < 0) break;
      if (fds[0].revents) {
        std::lock_guard lock(hold_mutex_);  // hold() returns once no read is under way
        if (!hold_) {
          ssize_t n = ::read(client, buf.data(), buf.size());
          if (n <= 0) break;
          if (lose_ && std::string_view(buf.data(), static_cast<std::size_t>(n)).find("#ID#") !=
                           std::string_view::npos) {
            lose_ = false;
            losing = true;
          }
          if (!send_all(upstream, buf.data(), static_cast<std::size_t>(n))) break;
        }
      }
      if (fds[1].revents) {
        ssize_t n = ::read(upstream, buf.data(), buf.size());
        if (n <= 0) break;
        if (losing) {  // Redis has answered: the commit ran; its answer goes nowhere
          lost_ = true;
          break;
        }
        if (!send_all(client, buf.data(), static_cast<std::size_t>(n))) break;
      }
    }
    ::close(client);
    ::close(upstream);
  }

  std::uint16_t upstream_port_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  std::atomic<bool> stop_{false}, lose_{false}, lost_{false}, hold_{false};
  std::mutex hold_mutex_;
  std::thread acceptor_;
  std::vector<std::thread> relays_;  // touched by the acceptor only, joined after it
};

class RedisStoreTest : public testing::Test {
 protected:
  std::unique_ptr<RedisStore> node(RedisStoreOptions options = {}, redis::Options redis = {}) {
    std::string error;
    auto url = redis::parse_url(server_.url(), error);
    if (!url) throw std::runtime_error(error);
    return std::make_unique<RedisStore>(
        *url, [this] { return now_.load(); }, redis, std::move(options));
  }
  static Result<Product> put(Store& s, Product p) {
    return call<Result<Product>>([&](auto done) { s.put_product(kRoom, p, done); });
  }
  static PurchaseResult buy(Store& s, const PurchaseRequest& r) {
    return call<PurchaseResult>([&](auto done) { s.purchase(r, true, done); });
  }
  static std::vector<Order> all_orders(Store& s) {
    OrderQuery q;
    q.limit = 100'000;
    auto r = call<Result<std::vector<Order>>>([&](auto done) { s.orders(kRoom, q, done); });
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return *r.value;
  }
  static std::int64_t stock(Store& s) {
    auto r = call<Result<Product>>([&](auto done) { s.product(kRoom, "rice-5kg", done); });
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return r.value->stock;
  }

  RedisServer server_;
  std::atomic<std::int64_t> now_{kStart};
};

struct Tally {
  std::mutex mutex;
  std::condition_variable cv;
  int answered = 0;
  std::map<PurchaseOutcome, int> outcomes;
  void add(PurchaseOutcome o) {
    {
      std::lock_guard lock(mutex);
      ++answered;
      ++outcomes[o];
    }
    cv.notify_all();
  }
  bool wait(int n) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, kDeadline, [&] { return answered == n; });
  }
};

// Viewers u0 … u(n-1) each buy one on `node`, all at once; every purchase must succeed.
void each_buys_one(RedisStore& node, int n) {
  Tally tally;
  for (int i = 0; i < n; ++i)
    node.purchase(request("k", "u" + std::to_string(i)), true,
                  [&tally](PurchaseResult r) { tally.add(r.outcome); });
  ASSERT_TRUE(tally.wait(n));
  ASSERT_EQ(tally.outcomes[PurchaseOutcome::ok], n);
}

// 8 threads buy from two nodes at once, each request answered asynchronously.
void buy_concurrently(RedisStore& a, RedisStore& b, int threads, int per_thread,
                      const std::function<PurchaseRequest(int t, int i)>& make, Tally& tally) {
  std::latch go(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      go.arrive_and_wait();
      for (int i = 0; i < per_thread; ++i)
        ((i + t) % 2 ? a : b).purchase(make(t, i), true, [&tally](PurchaseResult r) {
          tally.add(r.outcome);
        });
    });
  for (auto& w : workers) w.join();
}

TEST_F(RedisStoreTest, TwoNodesSellAFlashSaleExactlyOnce) {
  constexpr int kThreads = 8, kPerThread = 30, kQuantity = 40;
  auto a = node(), b = node();
  RecordingListener heard_a, heard_b;
  a->set_listener(&heard_a);
  b->set_listener(&heard_b);
  ASSERT_TRUE(put(*a, rice("rice-5kg", 1000)).ok());
  FlashSale s;
  s.sku = "rice-5kg";
  s.price_cents = 1990;
  s.quantity = kQuantity;
  s.ends_at_ms = kStart + 600'000;
  auto sale = call<Result<FlashSale>>([&](auto done) { b->start_sale(kRoom, s, done); });
  ASSERT_TRUE(sale.ok()) << sale.error.message;

  Tally tally;
  buy_concurrently(
      *a, *b, kThreads, kPerThread,
      [&](int t, int i) {
        auto r = request("k", "u" + std::to_string(t) + "-" + std::to_string(i));
        r.sale_id = sale.value->id;
        return r;
      },
      tally);
  ASSERT_TRUE(tally.wait(kThreads * kPerThread)) << tally.answered;
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::ok], kQuantity);
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::sold_out], kThreads * kPerThread - kQuantity);
  EXPECT_EQ(all_orders(*a).size(), static_cast<std::size_t>(kQuantity));
  EXPECT_EQ(stock(*b), 1000 - kQuantity);
  auto shelf = call<Result<ShelfView>>([&](auto done) { a->shelf(kRoom, done); });
  EXPECT_TRUE(shelf.value->sales.empty()) << "sold out";
  EXPECT_GE(heard_a.min_stock(), 1000 - kQuantity);
  EXPECT_GE(heard_b.min_stock(), 1000 - kQuantity);
  a->set_listener(nullptr);
  b->set_listener(nullptr);
}

TEST_F(RedisStoreTest, TwoNodesNeverOversellStock) {
  constexpr int kThreads = 8, kPerThread = 25, kStock = 50;
  auto a = node(), b = node();
  ASSERT_TRUE(put(*a, rice("rice-5kg", kStock)).ok());
  Tally tally;
  buy_concurrently(
      *a, *b, kThreads, kPerThread,
      [](int t, int i) { return request("k" + std::to_string(i), "u" + std::to_string(t)); },
      tally);
  ASSERT_TRUE(tally.wait(kThreads * kPerThread));
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::ok], kStock);
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::sold_out], kThreads * kPerThread - kStock);
  EXPECT_EQ(stock(*a), 0);
  EXPECT_EQ(all_orders(*b).size(), static_cast<std::size_t>(kStock));
}

// Each node keeps a room's catalogue parsed while its version holds: a change by another node
// is seen at once, by the next read or purchase.
TEST_F(RedisStoreTest, EachNodeSeesTheOtherNodesCatalogueChangesAtOnce) {
  auto a = node(), b = node();
  auto shelf = [&](RedisStore& s) {
    return *call<Result<ShelfView>>([&](auto done) { s.shelf(kRoom, done); }).value;
  };
  ASSERT_TRUE(put(*a, rice()).ok());
  ASSERT_EQ(shelf(*a).products.size(), 1u);
  ASSERT_EQ(shelf(*b).products.size(), 1u);
  Product dearer = rice();
  dearer.price_cents = 6990;
  ASSERT_TRUE(put(*b, dearer).ok());
  ASSERT_TRUE(put(*b, rice("oil")).ok());
  EXPECT_EQ(shelf(*a).products.size(), 2u);
  auto r = request("k1");
  r.expected_unit_price_cents = 5990;
  auto refused = buy(*a, r);
  EXPECT_EQ(refused.outcome, PurchaseOutcome::invalid) << "the price node a saw before";
  r.expected_unit_price_cents = 6990;
  EXPECT_EQ(buy(*a, r).outcome, PurchaseOutcome::ok);
  ASSERT_TRUE(
      call<Result<Product>>([&](auto done) { b->remove_product(kRoom, "oil", done); }).ok());
  EXPECT_EQ(shelf(*a).products.size(), 1u);
}

TEST_F(RedisStoreTest, TheSameKeyOnTwoNodesMakesOneOrder) {
  constexpr int kKeys = 20;
  auto a = node(), b = node();
  ASSERT_TRUE(put(*a, rice()).ok());
  for (int k = 0; k < kKeys; ++k) {
    std::promise<PurchaseResult> from_a, from_b;
    a->purchase(request("k" + std::to_string(k)), true,
                [&](PurchaseResult r) { from_a.set_value(std::move(r)); });
    b->purchase(request("k" + std::to_string(k)), true,
                [&](PurchaseResult r) { from_b.set_value(std::move(r)); });
    auto ra = from_a.get_future().get(), rb = from_b.get_future().get();
    ASSERT_EQ(ra.outcome, PurchaseOutcome::ok) << ra.message;
    ASSERT_EQ(rb.outcome, PurchaseOutcome::ok) << rb.message;
    EXPECT_EQ(ra.order->id, rb.order->id);
    EXPECT_NE(ra.replayed, rb.replayed) << "one made it, the other replays it";
  }
  EXPECT_EQ(all_orders(*a).size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(stock(*b), 100 - kKeys);
}

TEST_F(RedisStoreTest, CancelsOfOneOrderOnTwoNodesGiveItsStockBackOnce) {
  constexpr int kOrders = 10;
  auto a = node(), b = node();
  ASSERT_TRUE(put(*a, rice()).ok());
  for (int k = 0; k < kOrders; ++k) {
    auto bought = buy(*a, request("k" + std::to_string(k)));
    ASSERT_EQ(bought.outcome, PurchaseOutcome::ok);
    std::promise<Result<Order>> from_a, from_b;
    a->set_order_status(kRoom, bought.order->id, OrderStatus::cancelled,
                        [&](Result<Order> r) { from_a.set_value(std::move(r)); });
    b->set_order_status(kRoom, bought.order->id, OrderStatus::cancelled,
                        [&](Result<Order> r) { from_b.set_value(std::move(r)); });
    auto ra = from_a.get_future().get(), rb = from_b.get_future().get();
    ASSERT_TRUE(ra.ok()) << ra.error.message;
    ASSERT_TRUE(rb.ok()) << rb.error.message;
    EXPECT_EQ(ra.value->status, OrderStatus::cancelled);
    EXPECT_EQ(rb.value->status, OrderStatus::cancelled);
    EXPECT_EQ(stock(*b), 100) << "once, not twice";
  }
}

// A node decides a purchase on the room as it last saw it and commits at once: one round trip.
// Only the first purchase after a catalogue change reads first; a refusal (the counters it saw
// may be behind) reads before it is answered.
TEST_F(RedisStoreTest, APurchaseTakesOneRoundTripOnceTheNodeKnowsTheRoom) {
  auto a = node();
  ASSERT_TRUE(put(*a, rice("rice-5kg", 2)).ok());
  auto first = buy(*a, request("k1", "u1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(a->purchases(), 1u);
  EXPECT_EQ(a->purchase_round_trips(), 2u) << "a new catalogue: read, then commit";
  auto second = buy(*a, request("k2", "u2"));
  ASSERT_EQ(second.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(a->purchase_round_trips(), 3u) << "decided ahead: the commit alone";
  EXPECT_EQ(second.order->unit_price_cents, 5990);
  ASSERT_EQ(buy(*a, request("k3", "u3")).outcome, PurchaseOutcome::sold_out);
  EXPECT_EQ(a->purchase_round_trips(), 4u) << "a refusal reads before it is answered";
  auto replay = buy(*a, request("k1", "u1"));  // seen as sold out here, but its key is used
  ASSERT_EQ(replay.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.order->id, first.order->id);
  EXPECT_EQ(a->purchase_round_trips(), 6u) << "the room's read finds the key, the viewer's read the order";
  EXPECT_EQ(a->retries(), 0u);
  // Each round trip is one command: the scripts run by their SHA1 once Redis has them.
  ASSERT_TRUE(
      call<Result<Product>>([&](auto done) { a->set_stock(kRoom, "rice-5kg", 5, done); }).ok());
  ASSERT_EQ(buy(*a, request("k4", "u4")).outcome, PurchaseOutcome::ok);
  const auto before = a->redis_commands();
  ASSERT_EQ(buy(*a, request("k5", "u5")).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(a->redis_commands() - before, 1u);
  auto invalid = request("k6");
  invalid.quantity = 0;
  EXPECT_EQ(buy(*a, invalid).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(a->redis_commands() - before, 1u) << "bad fields are answered without Redis";
  EXPECT_EQ(stock(*a), 3);
}

// What node A saw is behind what node B did since; the commit's guards catch each case and the
// answer is what a fresh read would have given. (A has no listener, so it does not read the
// room on B's commit notices: what it saw stays behind until a purchase finds out.)
TEST_F(RedisStoreTest, ANodeDecidingOnWhatItSawBeforeAnotherNodeChangedItIsCorrectedByTheCommit) {
  auto a = node(), b = node();
  ASSERT_TRUE(put(*a, rice("rice-5kg", 4)).ok());
  ASSERT_EQ(buy(*a, request("a1", "u1")).outcome, PurchaseOutcome::ok);  // A saw: 3 left

  // Repriced on B: A's commit is refused on the catalogue's version; A reads and buys at the
  // new price.
  auto repriced = rice("rice-5kg", 3);
  repriced.price_cents = 4990;
  ASSERT_TRUE(put(*b, repriced).ok());
  auto trips = a->purchase_round_trips();
  auto bought = buy(*a, request("a2", "u2"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok) << bought.message;
  EXPECT_EQ(bought.order->unit_price_cents, 4990);
  EXPECT_EQ(a->purchase_round_trips() - trips, 3u) << "the refused commit, a read, the commit";
  EXPECT_EQ(a->retries(), 1u);

  // Sold out on B: A's commit is refused on the stock, and that refusal is the answer.
  for (const char* user : {"u3", "u4"})
    ASSERT_EQ(buy(*b, request(std::string("b-") + user, user)).outcome, PurchaseOutcome::ok);
  trips = a->purchase_round_trips();
  auto late = buy(*a, request("a3", "u5"));
  EXPECT_EQ(late.outcome, PurchaseOutcome::sold_out) << late.message;
  EXPECT_EQ(a->purchase_round_trips() - trips, 1u) << "no read after the refused commit";
  EXPECT_EQ(a->retries(), 2u);
  EXPECT_EQ(stock(*a), 0);

  // A viewer's limit reached on B: A knows none of that viewer's orders, the commit's guard on
  // the viewer's units refuses, and A reads them.
  auto tea = rice("tea", 10);
  tea.limit_per_viewer = 1;
  ASSERT_TRUE(put(*a, tea).ok());
  auto tea_for = [](std::string key, std::string user) {
    auto r = request(std::move(key), std::move(user));
    r.sku = "tea";
    return r;
  };
  ASSERT_EQ(buy(*a, tea_for("t1", "u6")).outcome, PurchaseOutcome::ok);  // A saw the room again
  ASSERT_EQ(buy(*b, tea_for("t2", "u7")).outcome, PurchaseOutcome::ok);
  auto again = buy(*a, tea_for("t3", "u7"));
  EXPECT_EQ(again.outcome, PurchaseOutcome::limit_reached) << again.message;

  // The same key used on B: A's commit finds it taken and A answers B's order.
  auto on_b = buy(*b, tea_for("shared", "u8"));
  ASSERT_EQ(on_b.outcome, PurchaseOutcome::ok);
  auto on_a = buy(*a, tea_for("shared", "u8"));
  ASSERT_EQ(on_a.outcome, PurchaseOutcome::ok) << on_a.message;
  EXPECT_TRUE(on_a.replayed);
  EXPECT_EQ(on_a.order->id, on_b.order->id);
  EXPECT_EQ(all_orders(*a).size(), 7u);
  EXPECT_EQ(a->retries(), 4u);
}

TEST_F(RedisStoreTest, RedisKilledMidRunAnswersUnavailableAtOnceAndKeepsAcknowledgedOrders) {
  constexpr int kThreads = 4, kStock = 100'000;
  redis::Options fast;
  fast.command_timeout = 1000ms;
  auto a = node({}, fast);
  ASSERT_TRUE(put(*a, rice("rice-5kg", kStock)).ok());

  std::mutex mutex;
  std::condition_variable cv;
  std::set<std::int64_t> acknowledged;
  std::vector<std::string> unconfirmed;  // keys answered unavailable
  int unavailable_per_thread[kThreads] = {};
  std::chrono::milliseconds slowest_unavailable{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t)
    workers.emplace_back([&, t] {
      // Each thread stops after its third unavailable answer (or when told).
      for (int i = 0; !stop && unavailable_per_thread[t] < 3; ++i) {
        auto r = request("k" + std::to_string(i), "u" + std::to_string(t));
        auto began = std::chrono::steady_clock::now();
        auto result = buy(*a, r);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
        {
          std::lock_guard lock(mutex);
          if (result.outcome == PurchaseOutcome::ok) {
            acknowledged.insert(result.order->id);
          } else {
            EXPECT_EQ(result.outcome, PurchaseOutcome::unavailable) << result.message;
            EXPECT_FALSE(result.message.empty());
            unconfirmed.push_back(r.user_id + "/" + r.idempotency_key);
            ++unavailable_per_thread[t];
            slowest_unavailable = std::max(slowest_unavailable, took);
          }
        }
        cv.notify_all();
      }
    });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] { return acknowledged.size() >= 50; }));
  }
  server_.stop(9);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, kDeadline, [&] {
      return std::all_of(std::begin(unavailable_per_thread), std::end(unavailable_per_thread),
                         [](int n) { return n >= 3; });
    }));
  }
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_LT(slowest_unavailable, 2500ms) << "in flight: the command timeout; after: at once";
  EXPECT_FALSE(a->available());
  // Decided on what the node saw, the commit never reached Redis: it says nothing was bought.
  auto while_down = buy(*a, request("while-down", "u-down"));
  EXPECT_EQ(while_down.outcome, PurchaseOutcome::unavailable);
  EXPECT_NE(while_down.message.find("nothing was bought"), std::string::npos)
      << while_down.message;
  auto down = call<Result<ShelfView>>([&](auto done) { a->shelf(kRoom, done); });
  EXPECT_EQ(down.error.code, Errc::unavailable);
  auto write = call<Result<Product>>([&](auto done) { a->set_stock(kRoom, "rice-5kg", 1, done); });
  EXPECT_EQ(write.error.code, Errc::unavailable);

  server_.start();
  ASSERT_TRUE(eventually([&] { return a->available(); }));
  auto fresh = node();
  auto orders = all_orders(*fresh);
  std::set<std::int64_t> stored;
  for (const auto& o : orders) stored.insert(o.id);
  for (auto id : acknowledged) EXPECT_TRUE(stored.contains(id)) << "acknowledged order " << id;
  EXPECT_EQ(stock(*fresh) + static_cast<std::int64_t>(orders.size()), kStock);

  // The viewers whose answer was lost try again with the same key: each gets one order.
  for (const auto& key : unconfirmed) {
    auto slash = key.find('/');
    auto again = buy(*a, request(key.substr(slash + 1), key.substr(0, slash)));
    ASSERT_EQ(again.outcome, PurchaseOutcome::ok) << again.message;
    if (again.replayed) {
      EXPECT_TRUE(stored.contains(again.order->id));
    }
  }
  auto after = all_orders(*fresh);
  EXPECT_EQ(after.size(), acknowledged.size() + unconfirmed.size());
  EXPECT_EQ(stock(*fresh) + static_cast<std::int64_t>(after.size()), kStock);
}

TEST_F(RedisStoreTest, ALostAnswerIsUnavailableAndTheSameKeyThenReplaysTheOrder) {
  LossyRelay relay(server_.port());
  redis::Url through_relay;
  through_relay.port = relay.port();
  RedisStore a(through_relay, [this] { return now_.load(); });
  auto direct = node();
  ASSERT_TRUE(put(a, rice()).ok());
  relay.lose_next_purchase_answer();
  auto lost = buy(a, request("k1"));
  EXPECT_TRUE(relay.lost());
  EXPECT_EQ(lost.outcome, PurchaseOutcome::unavailable);
  EXPECT_NE(lost.message.find("same key"), std::string::npos) << lost.message;
  auto stored = all_orders(*direct);
  ASSERT_EQ(stored.size(), 1u) << "the order was made; only its answer was lost";

  ASSERT_TRUE(eventually([&] { return a.available(); }));
  auto again = buy(a, request("k1"));
  ASSERT_EQ(again.outcome, PurchaseOutcome::ok) << again.message;
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.order->id, stored[0].id);
  EXPECT_EQ(stock(*direct), 99);
  EXPECT_EQ(all_orders(*direct).size(), 1u);
}

// Purchases refused on what the node saw wait for a read of the room that starts after they
// came: the one in flight when they come is not theirs; the next answers all of them. A key that
// made an order is answered with that order, not the refusal.
TEST_F(RedisStoreTest, RefusalsWaitingTogetherShareOneReadOfTheRoom) {
  constexpr int kBuyers = 200;
  LossyRelay relay(server_.port());
  redis::Url through_relay;
  through_relay.port = relay.port();
  RedisStore a(through_relay, [this] { return now_.load(); });
  ASSERT_TRUE(put(a, rice("rice-5kg", 1)).ok());
  auto first = buy(a, request("k0", "u0"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);  // the node saw the room: sold out

  relay.hold(true);
  const auto trips = a.purchase_round_trips();
  Tally tally;
  std::mutex replay_mutex;
  std::optional<PurchaseResult> replay;
  for (int i = 1; i <= kBuyers; ++i)
    a.purchase(request("k" + std::to_string(i), "u" + std::to_string(i)), true,
               [&](PurchaseResult r) { tally.add(r.outcome); });
  a.purchase(request("k0", "u0"), true, [&](PurchaseResult r) {  // u0's retry
    {
      std::lock_guard lock(replay_mutex);
      replay = r;
    }
    tally.add(r.outcome);
  });
  relay.hold(false);
  ASSERT_TRUE(tally.wait(kBuyers + 1)) << tally.answered;
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::sold_out], kBuyers);
  std::lock_guard lock(replay_mutex);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->order->id, first.order->id);
  EXPECT_EQ(a.purchase_round_trips() - trips, 3u)
      << "the first buyer's read, one read for the 199 others and u0's retry, u0's read of its order";
  EXPECT_EQ(stock(a), 0);
}

// A node that has not seen the room (here: it just changed the catalogue) reads it once for all
// the buyers who came meanwhile; each then commits, and those the stock ran out for are answered
// from the script's count.
TEST_F(RedisStoreTest, BuyersOfARoomTheNodeHasNotSeenShareOneReadThenCommitEach) {
  constexpr int kBuyers = 100, kStock = 60;
  LossyRelay relay(server_.port());
  redis::Url through_relay;
  through_relay.port = relay.port();
  RedisStore a(through_relay, [this] { return now_.load(); });
  ASSERT_TRUE(put(a, rice("rice-5kg", kStock)).ok());
  relay.hold(true);
  Tally tally;
  for (int i = 0; i < kBuyers; ++i)
    a.purchase(request("k" + std::to_string(i), "u" + std::to_string(i)), true,
               [&](PurchaseResult r) { tally.add(r.outcome); });
  relay.hold(false);
  ASSERT_TRUE(tally.wait(kBuyers)) << tally.answered;
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::ok], kStock);
  EXPECT_EQ(tally.outcomes[PurchaseOutcome::sold_out], kBuyers - kStock);
  EXPECT_EQ(a.purchase_round_trips(), 2u + kBuyers)
      << "the first buyer's read, one read for the other 99, a commit each";
  EXPECT_EQ(a.retries(), static_cast<std::uint64_t>(kBuyers - kStock));
  EXPECT_EQ(stock(a), 0);
  EXPECT_EQ(all_orders(a).size(), static_cast<std::size_t>(kStock));
}

TEST_F(RedisStoreTest, ACommitOnOneNodeIsHeardByAnother) {
  auto a = node(), b = node();
  RecordingListener heard_a, heard_b;
  a->set_listener(&heard_a);
  b->set_listener(&heard_b);
  ASSERT_TRUE(eventually([&] { return b->hears_other_nodes(); }));
  ASSERT_TRUE(put(*a, rice()).ok());
  ASSERT_TRUE(call<Result<std::string>>([&](auto done) { a->pin(kRoom, "rice-5kg", done); }).ok());
  auto bought = buy(*a, request("k1"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok);
  auto remote = heard_b.wait_for([](const RoomChanges& c) { return !c.new_orders.empty(); });
  EXPECT_FALSE(remote.from_this_node);
  EXPECT_EQ(remote.room, kRoom);
  EXPECT_EQ(remote.new_orders[0].id, bought.order->id);
  ASSERT_EQ(remote.products.size(), 1u);
  EXPECT_EQ(remote.products[0].stock, 99);
  EXPECT_TRUE(remote.pin_changed);
  auto pinned = heard_b.wait_for([](const RoomChanges& c) { return c.pin_changed && c.pinned; });
  EXPECT_EQ(pinned.pinned->sku, "rice-5kg");
  auto local = heard_a.wait_for([](const RoomChanges& c) { return !c.new_orders.empty(); });
  EXPECT_TRUE(local.from_this_node);
  ASSERT_TRUE(call<Result<Order>>([&](auto done) {
                a->set_order_status(kRoom, bought.order->id, OrderStatus::packed, done);
              }).ok());
  auto moved = heard_b.wait_for([](const RoomChanges& c) { return !c.changed_orders.empty(); });
  EXPECT_EQ(moved.changed_orders[0].status, OrderStatus::packed);
  // A node hears its own commits once (from itself, not again from Redis); another node hears
  // them as not its own (maybe merged, when they come faster than it reads them).
  ASSERT_TRUE(eventually([&] { return heard_a.count() >= 4; }));
  EXPECT_EQ(heard_a.count(), 4u);
  for (const auto& c : heard_a.seen()) EXPECT_TRUE(c.from_this_node);
  for (const auto& c : heard_b.seen()) EXPECT_FALSE(c.from_this_node);
  a->set_listener(nullptr);
  b->set_listener(nullptr);
}

TEST_F(RedisStoreTest, AnotherNodeHearsEveryOrderOfABurst) {
  constexpr int kOrders = 60;
  auto a = node(), b = node();
  RecordingListener heard_b;
  b->set_listener(&heard_b);
  ASSERT_TRUE(eventually([&] { return b->hears_other_nodes(); }));
  ASSERT_TRUE(put(*a, rice()).ok());
  ASSERT_NO_FATAL_FAILURE(each_buys_one(*a, kOrders));
  std::set<std::int64_t> heard;
  ASSERT_TRUE(eventually([&] {
    heard.clear();
    for (const auto& c : heard_b.seen())
      for (const auto& o : c.new_orders) heard.insert(o.id);
    return heard.size() == kOrders;
  })) << heard.size();
  auto last = heard_b.seen().back();
  ASSERT_FALSE(last.products.empty());
  EXPECT_EQ(last.products[0].stock, 100 - kOrders) << "the latest stock, once every order is read";
  b->set_listener(nullptr);
}

std::vector<std::int64_t> ids_of(const std::vector<Order>& orders) {
  std::vector<std::int64_t> ids;
  for (const auto& o : orders) ids.push_back(o.id);
  return ids;
}

// A page of the room's orders is read inside Redis: what Redis sends for it is about one page,
// not every order of the room (counted by Redis itself, INFO's total_net_output_bytes).
TEST_F(RedisStoreTest, APageOfTheRoomsOrdersMovesAboutAPageNotEveryOrder) {
  constexpr int kOrders = 1000;
  auto a = node();
  ASSERT_TRUE(put(*a, rice("rice-5kg", kOrders)).ok());
  ASSERT_NO_FATAL_FAILURE(each_buys_one(*a, kOrders));
  auto sent_by_redis = [&] {
    const std::string info = server_.cli({"INFO", "stats"});
    const std::string field = "total_net_output_bytes:";
    auto at = info.find(field);
    if (at == std::string::npos) throw std::runtime_error("no " + field + " in INFO");
    return std::stoll(info.substr(at + field.size()));
  };

  const auto before_page = sent_by_redis();
  OrderQuery fifty;
  fifty.limit = 50;
  auto page = call<Result<std::vector<Order>>>([&](auto done) { a->orders(kRoom, fifty, done); });
  const auto page_bytes = sent_by_redis() - before_page;
  const auto before_all = sent_by_redis();
  auto all = all_orders(*a);
  const auto all_bytes = sent_by_redis() - before_all;

  ASSERT_TRUE(page.ok()) << page.error.message;
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kOrders));
  all.resize(50);
  EXPECT_EQ(ids_of(*page.value), ids_of(all)) << "the newest 50";
  EXPECT_LT(page_bytes * 10, all_bytes)
      << page_bytes << " bytes for 50 orders, " << all_bytes << " for " << kOrders;
}

// Orders made before the room's order index existed (data from an older version, or orders an
// older node makes during a rolling upgrade) are listed too: a page fills the index from them.
TEST_F(RedisStoreTest, OrdersMadeBeforeTheOrderIndexAreListedInTheirPlace) {
  auto a = node();
  ASSERT_TRUE(put(*a, rice()).ok());
  std::vector<std::int64_t> made;
  for (int i = 0; i < 5; ++i)
    made.push_back(buy(*a, request("k" + std::to_string(i), "u" + std::to_string(i))).order->id);
  ASSERT_EQ(server_.cli({"DEL", "lc:{r1}:order_ids"}), "1\n") << "as an older version left it";
  made.push_back(buy(*a, request("k5", "u5")).order->id);
  ASSERT_EQ(server_.cli({"ZCARD", "lc:{r1}:order_ids"}), "1\n") << "only the newest is indexed";

  auto page = [&](std::int64_t before_id) {
    OrderQuery q;
    q.before_id = before_id;
    q.limit = 4;
    auto r = call<Result<std::vector<Order>>>([&](auto done) { a->orders(kRoom, q, done); });
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return ids_of(*r.value);
  };
  auto first = page(0);
  EXPECT_EQ(first, (std::vector<std::int64_t>{made[5], made[4], made[3], made[2]}));
  EXPECT_EQ(page(first.back()), (std::vector<std::int64_t>{made[1], made[0]}));
  EXPECT_EQ(server_.cli({"ZCARD", "lc:{r1}:order_ids"}), "6\n");
}

// Regression: a store stopped with purchases in flight sent their commits through a client
// that was being destroyed.
TEST_F(RedisStoreTest, StoppingWithPurchasesInFlightAnswersEachOfThem) {
  for (int round = 0; round < 5; ++round) {
    auto a = node();
    ASSERT_TRUE(put(*a, rice("rice-5kg", 1000)).ok());
    Tally tally;
    for (int i = 0; i < 200; ++i)
      a->purchase(request("k" + std::to_string(round), "u" + std::to_string(i)), true,
                  [&tally](PurchaseResult r) { tally.add(r.outcome); });
    a.reset();
    EXPECT_TRUE(tally.wait(200));
    EXPECT_EQ(tally.outcomes[PurchaseOutcome::ok] + tally.outcomes[PurchaseOutcome::unavailable],
              200);
  }
}

TEST_F(RedisStoreTest, TwoNodesDeliverEachOrderOnce) {
  constexpr int kOrders = 20;
  auto a = node(), b = node();
  ASSERT_TRUE(put(*a, rice()).ok());
  ASSERT_TRUE(call<Result<std::string>>([&](auto done) {
                a->set_webhook(kRoom, "http://wms.local/hook", done);
              }).ok());
  for (int i = 0; i < kOrders; ++i)
    ASSERT_EQ(buy(i % 2 ? *a : *b, request("k" + std::to_string(i))).outcome, PurchaseOutcome::ok);
  auto due = [&](RedisStore& s) {
    auto r = call<Result<std::vector<PendingDelivery>>>(
        [&](auto done) { s.due_deliveries(kStart, 5, done); });
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.value.value_or(std::vector<PendingDelivery>{});
  };
  // What one node holds, the other does not get, until it is settled.
  auto held = due(*a);
  ASSERT_EQ(held.size(), 5u);
  std::map<std::int64_t, int> delivered;
  for (int round = 0; delivered.size() < kOrders && round < 100; ++round) {
    for (RedisStore* s : {b.get(), a.get()}) {
      for (const auto& d : due(*s)) {
        if (s == b.get()) {
          for (const auto& h : held) {
            EXPECT_NE(d.order.id, h.order.id);
          }
        }
        ++delivered[d.order.id];
        ASSERT_TRUE(call<Result<bool>>([&](auto done) {
                      s->record_delivery({d.order.id, kStart, 200, ""}, 0, done);
                    }).ok());
      }
    }
  }
  EXPECT_EQ(delivered.size(), static_cast<std::size_t>(kOrders));
  for (const auto& [id, times] : delivered) EXPECT_EQ(times, 1) << "order " << id;
  EXPECT_TRUE(due(*a).empty());
  EXPECT_TRUE(due(*b).empty());
  EXPECT_EQ(server_.cli({"XLEN", "lc:outbox"}), "0\n") << "settled entries leave the stream";
}

TEST_F(RedisStoreTest, DeliveriesHeldByAStoppedNodeAreTakenOver) {
  RedisStoreOptions quick;
  quick.claim_after = 200ms;
  auto a = node(quick), b = node(quick);
  ASSERT_TRUE(put(*a, rice()).ok());
  ASSERT_TRUE(call<Result<std::string>>([&](auto done) {
                a->set_webhook(kRoom, "http://wms.local/hook", done);
              }).ok());
  auto bought = buy(*a, request("k1"));
  ASSERT_EQ(bought.outcome, PurchaseOutcome::ok);
  auto due = [&](RedisStore& s) {
    auto r = call<Result<std::vector<PendingDelivery>>>(
        [&](auto done) { s.due_deliveries(kStart, 10, done); });
    return r.value.value_or(std::vector<PendingDelivery>{});
  };
  ASSERT_EQ(due(*a).size(), 1u);
  a.reset();  // a node stops with the delivery in hand
  std::vector<PendingDelivery> taken;
  ASSERT_TRUE(eventually([&] {
    taken = due(*b);
    return !taken.empty();
  }));
  EXPECT_EQ(taken[0].order.id, bought.order->id);
}

}  // namespace
}  // namespace commerce
