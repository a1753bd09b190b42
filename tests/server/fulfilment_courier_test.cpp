// The courier against a real SqliteStore on a temp file, a real I/O thread and a real HTTP (or
// HTTPS, with the certificates in tests/data/tls) receiver on 127.0.0.1 that records what it
// gets and answers from a programmed sequence.
#include "server/fulfilment_courier.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "commerce/codec.hpp"
#include "commerce/sqlite_store.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr auto kDeadline = 15s;  // generous: the sanitizer build is slow
constexpr const char* kRoom = "r1";

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An HTTP receiver standing in for the WMS, on its own I/O thread.
class WebhookReceiver {
 public:
  static constexpr int kNoAnswer = 0;  // in the status sequence: keep the request unanswered
  struct Received {
    std::string method;
    std::string target;
    std::string content_type;
    std::string idempotency_key;
    std::string attempt;
    std::string body;
    SteadyTime received_at;
    std::optional<SteadyTime> answered_at;  // when the answer started to go out
  };

  // The i-th request gets statuses[i]; the last one repeats. Answers wait `answer_delay`.
  // With `tls_name`, the receiver speaks HTTPS with tests/data/tls/{tls_name}.pem and .key.
  explicit WebhookReceiver(std::vector<int> statuses, std::chrono::milliseconds answer_delay = 0ms,
                           std::string tls_name = {})
      : statuses_(std::move(statuses)),
        answer_delay_(answer_delay),
        acceptor_(ioc_, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}) {
    if (!tls_name.empty()) {
      tls_.emplace(ssl::context::tls_server);
      std::string base = std::string(LIVECART_TEST_TLS_DIR) + "/" + tls_name;
      tls_->use_certificate_chain_file(base + ".pem");
      tls_->use_private_key_file(base + ".key", ssl::context::pem);
    }
    accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }

  ~WebhookReceiver() {
    asio::post(ioc_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      for (auto& weak : connections_)
        if (auto c = weak.lock()) c->close();
      unanswered_.clear();
    });
    thread_.join();
  }

  [[nodiscard]] std::string url() const {
    return std::string(tls_ ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/wms/orders";
  }

  // TLS handshakes that failed (the courier refusing the certificate ends its side).
  [[nodiscard]] std::size_t failed_handshakes() const {
    std::lock_guard lock(mutex_);
    return failed_handshakes_;
  }

  // Waits until `n` requests have arrived; throws at the deadline.
  std::vector<Received> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kDeadline, [&] { return received_.size() >= n; }))
      throw std::runtime_error("the receiver got " + std::to_string(received_.size()) +
                               " requests, not " + std::to_string(n));
    return received_;
  }

  [[nodiscard]] std::size_t max_concurrent() const {
    std::lock_guard lock(mutex_);
    return max_concurrent_;
  }

 private:
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    void close() {
      boost::system::error_code ignored;
      timer.cancel();
      socket.close(ignored);
    }
    // Calls `f` with the stream the HTTP exchange goes over: TLS or plain.
    template <class F>
    void with_stream(F&& f) {
      if (tls)
        f(*tls);
      else
        f(socket);
    }
    tcp::socket socket;
    std::optional<ssl::stream<tcp::socket&>> tls;
    asio::steady_timer timer;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
    std::size_t index = 0;
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto c = std::make_shared<Connection>(std::move(socket));
      connections_.push_back(c);
      if (tls_) {
        c->tls.emplace(c->socket, *tls_);
        c->tls->async_handshake(ssl::stream_base::server, [this, c](boost::system::error_code ec) {
          if (!ec) return read(c);
          {
            std::lock_guard lock(mutex_);
            ++failed_handshakes_;
          }
          cv_.notify_all();
        });
      } else {
        read(c);
      }
      accept();
    });
  }

  void read(const std::shared_ptr<Connection>& c) {
    c->with_stream([&](auto& stream) {
      http::async_read(stream, c->buffer, c->request,
                       [this, c](boost::system::error_code ec, std::size_t) {
                         if (!ec) on_request(c);
                       });
    });
  }

  void on_request(const std::shared_ptr<Connection>& c) {
    int status = 0;
    {
      std::lock_guard lock(mutex_);
      const auto& r = c->request;
      received_.push_back({std::string(r.method_string()), std::string(r.target()),
                           std::string(r[http::field::content_type]),
                           std::string(r["Idempotency-Key"]), std::string(r["X-Livecart-Attempt"]),
                           r.body(), std::chrono::steady_clock::now(), std::nullopt});
      c->index = received_.size() - 1;
      max_concurrent_ = std::max(max_concurrent_, ++outstanding_);
      status = statuses_[std::min(c->index, statuses_.size() - 1)];
    }
    cv_.notify_all();
    if (status == kNoAnswer) {
      unanswered_.push_back(c);
      return;
    }
    if (answer_delay_ == 0ms) return answer(c, status);
    c->timer.expires_after(answer_delay_);
    c->timer.async_wait([this, c, status](boost::system::error_code ec) {
      if (!ec) answer(c, status);
    });
  }

  void answer(const std::shared_ptr<Connection>& c, int status) {
    {
      std::lock_guard lock(mutex_);
      received_[c->index].answered_at = std::chrono::steady_clock::now();
      --outstanding_;
    }
    c->response = {static_cast<http::status>(status), 11};
    c->response.set(http::field::content_type, "application/json");
    c->response.body() = "{}";
    c->response.keep_alive(false);
    c->response.prepare_payload();
    c->with_stream([&](auto& stream) {
      http::async_write(stream, c->response, [c](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        c->socket.shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
  }

  const std::vector<int> statuses_;
  const std::chrono::milliseconds answer_delay_;
  std::optional<ssl::context> tls_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::vector<std::weak_ptr<Connection>> connections_;   // on the receiver's thread
  std::vector<std::shared_ptr<Connection>> unanswered_;  // kept open until the end
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Received> received_;
  std::size_t outstanding_ = 0;
  std::size_t max_concurrent_ = 0;
  std::size_t failed_handshakes_ = 0;
  std::thread thread_;
};

// What the courier recorded, as its listener hears it.
class AttemptLog final : public server::FulfilmentListener {
 public:
  struct Entry {
    commerce::DeliveryAttempt attempt;
    std::int64_t next_attempt_ms = 0;
  };
  void on_attempt_recorded(const commerce::DeliveryAttempt& attempt,
                           std::int64_t next_attempt_ms) override {
    {
      std::lock_guard lock(mutex_);
      entries_.push_back({attempt, next_attempt_ms});
    }
    cv_.notify_all();
  }
  std::vector<Entry> wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kDeadline, [&] { return entries_.size() >= n; }))
      throw std::runtime_error("the courier recorded " + std::to_string(entries_.size()) +
                               " attempts, not " + std::to_string(n));
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Entry> entries_;
};

// Calls `call` with a completion and waits for it.
template <class T, class Call>
T await(Call call) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  call([promise](T value) { promise->set_value(std::move(value)); });
  if (future.wait_for(kDeadline) != std::future_status::ready)
    throw std::runtime_error("no answer before the deadline");
  return future.get();
}

std::string tls_file(const std::string& name) {
  return std::string(LIVECART_TEST_TLS_DIR) + "/" + name;
}

// A free port with nothing listening on it.
std::uint16_t closed_port() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

class FulfilmentCourierTest : public ::testing::Test {
 protected:
  FulfilmentCourierTest()
      : path_(fs::temp_directory_path() / ("livecart-courier-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(next_file_++) + ".db")),
        work_(asio::make_work_guard(ioc_)),
        io_thread_([this] { ioc_.run(); }) {
    open_store();
  }

  ~FulfilmentCourierTest() override {
    stop_courier();
    store_.reset();  // completes its queued operations while the I/O thread still runs
    work_.reset();
    io_thread_.join();
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path_.string() + suffix);
  }

  void open_store() { store_ = std::make_unique<commerce::SqliteStore>(path_.string()); }

  static server::FulfilmentConfig quick_config() {
    server::FulfilmentConfig c;
    c.poll_interval = 50ms;
    c.request_timeout = 5s;
    c.backoff_base = 60s;  // no retry within a test unless the test asks for one
    c.backoff_cap = 10min;
    return c;
  }

  void start_courier(const server::FulfilmentConfig& config,
                     server::FulfilmentCourier::Clock clock = {}) {
    courier_ = std::make_unique<server::FulfilmentCourier>(ioc_.get_executor(), *store_, config,
                                                           std::move(clock));
    courier_->set_listener(&log_);
    courier_->start();
  }

  void stop_courier() {
    if (!courier_) return;
    await<bool>([&](auto done) { courier_->stop([done] { done(true); }); });
    courier_.reset();
  }

  void set_webhook(const std::string& url) {
    auto r = await<commerce::Result<std::string>>(
        [&](auto done) { store_->set_webhook(kRoom, url, done); });
    ASSERT_TRUE(r.ok()) << r.error.message;
    commerce::Product p;
    p.sku = "rice";
    p.title = "五常大米 5kg";
    p.price_cents = 6990;
    p.stock = 100;
    auto put = await<commerce::Result<commerce::Product>>(
        [&](auto done) { store_->put_product(kRoom, p, done); });
    ASSERT_TRUE(put.ok()) << put.error.message;
  }

  commerce::Order buy(const std::string& key) {
    commerce::PurchaseRequest r;
    r.room = kRoom;
    r.user_id = "u-" + key;
    r.nick = "viewer";
    r.idempotency_key = key;
    r.sku = "rice";
    auto result =
        await<commerce::PurchaseResult>([&](auto done) { store_->purchase(r, true, done); });
    if (!result.order) throw std::runtime_error("purchase failed: " + result.message);
    return *result.order;
  }

  // A WMS speaking TLS with tests/data/tls/{name}.pem, which the courier must refuse: the
  // attempt fails as a TLS error, is retried later, and the WMS never gets the order.
  void expect_certificate_refused(const std::string& name) {
    WebhookReceiver wms({200}, 0ms, name);
    set_webhook(wms.url());
    buy("k1");
    auto config = quick_config();
    config.extra_ca_file = tls_file("ca.pem");
    start_courier(config);
    auto log = log_.wait_for(1);
    EXPECT_EQ(log[0].attempt.http_status, 0);
    EXPECT_TRUE(log[0].attempt.error.starts_with("tls: ")) << log[0].attempt.error;
    EXPECT_NE(log[0].attempt.error.find("certificate verify failed"), std::string::npos)
        << log[0].attempt.error;
    EXPECT_GT(log[0].next_attempt_ms, 0);
    EXPECT_TRUE(wms.wait_for(0).empty());
    EXPECT_EQ(courier_->delivered_total(), 0u);
    EXPECT_EQ(courier_->failed_attempts_total(), 1u);
  }

  std::vector<commerce::DeliveryAttempt> deliveries(std::int64_t order_id) {
    auto r = await<commerce::Result<std::vector<commerce::DeliveryAttempt>>>(
        [&](auto done) { store_->deliveries(kRoom, order_id, done); });
    if (!r.ok()) throw std::runtime_error(r.error.message);
    return *r.value;
  }

  static inline std::atomic<int> next_file_{0};
  fs::path path_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread io_thread_;
  std::unique_ptr<commerce::SqliteStore> store_;
  AttemptLog log_;
  std::unique_ptr<server::FulfilmentCourier> courier_;
};

TEST_F(FulfilmentCourierTest, PostsAnOrderOnceWithItsJsonAndHeaders) {
  WebhookReceiver wms({200});
  set_webhook(wms.url());
  auto order = buy("k1");
  start_courier(quick_config());

  auto log = log_.wait_for(1);
  EXPECT_EQ(log[0].attempt.order_id, order.id);
  EXPECT_EQ(log[0].attempt.http_status, 200);
  EXPECT_EQ(log[0].attempt.error, "");
  EXPECT_EQ(log[0].next_attempt_ms, 0);

  auto got = wms.wait_for(1);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/wms/orders");
  EXPECT_EQ(got[0].content_type, "application/json");
  EXPECT_EQ(got[0].idempotency_key, "order-" + std::to_string(order.id));
  EXPECT_EQ(got[0].attempt, "1");
  boost::json::object expected;
  expected["event"] = "order.created";
  expected["order"] = commerce::to_json(order);
  EXPECT_EQ(boost::json::parse(got[0].body), boost::json::value(expected));

  auto attempts = deliveries(order.id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 200);
  EXPECT_EQ(attempts[0].error, "");

  // A second order, woken by notify(): had the first stayed due it would be posted again.
  auto second = buy("k2");
  courier_->notify();
  log = log_.wait_for(2);
  EXPECT_EQ(log[1].attempt.order_id, second.id);
  got = wms.wait_for(2);
  EXPECT_EQ(got[1].idempotency_key, "order-" + std::to_string(second.id));
  EXPECT_EQ(courier_->delivered_total(), 2u);
  EXPECT_EQ(courier_->failed_attempts_total(), 0u);
  EXPECT_EQ(courier_->in_flight(), 0u);
}

TEST_F(FulfilmentCourierTest, PostsOverHttpsToAWmsWhoseCertificateItTrusts) {
  WebhookReceiver wms({200}, 0ms, "wms");
  set_webhook(wms.url());
  auto order = buy("k1");
  auto config = quick_config();
  config.extra_ca_file = tls_file("ca.pem");
  start_courier(config);

  auto log = log_.wait_for(1);
  EXPECT_EQ(log[0].attempt.http_status, 200);
  EXPECT_EQ(log[0].attempt.error, "");
  EXPECT_EQ(log[0].next_attempt_ms, 0);
  auto got = wms.wait_for(1);
  EXPECT_EQ(got[0].idempotency_key, "order-" + std::to_string(order.id));
  boost::json::object expected;
  expected["event"] = "order.created";
  expected["order"] = commerce::to_json(order);
  EXPECT_EQ(boost::json::parse(got[0].body), boost::json::value(expected));
  EXPECT_EQ(wms.failed_handshakes(), 0u);
}

TEST_F(FulfilmentCourierTest, RefusesAnHttpsCertificateWithoutATrustedChain) {
  expect_certificate_refused("untrusted");
}

TEST_F(FulfilmentCourierTest, RefusesAnHttpsCertificateForAnotherName) {
  expect_certificate_refused("wrong-name");
}

TEST_F(FulfilmentCourierTest, RetriesWithGrowingBackoffUntilDelivered) {
  WebhookReceiver wms({503, 503, 200});
  set_webhook(wms.url());
  auto order = buy("k1");
  auto config = quick_config();
  config.backoff_base = 100ms;
  config.backoff_cap = 1s;
  start_courier(config);

  auto log = log_.wait_for(3);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].attempt.http_status, 503);
  EXPECT_EQ(log[0].attempt.error, "HTTP 503");
  EXPECT_EQ(log[1].attempt.error, "HTTP 503");
  EXPECT_EQ(log[2].attempt.http_status, 200);
  EXPECT_EQ(log[2].next_attempt_ms, 0);
  // Each retry waits its backoff (100 ms, then 200 ms), and no try comes before it is due.
  EXPECT_GE(log[0].next_attempt_ms, log[0].attempt.at_ms + 100);
  EXPECT_GE(log[1].next_attempt_ms, log[1].attempt.at_ms + 200);
  EXPECT_GE(log[1].attempt.at_ms, log[0].next_attempt_ms);
  EXPECT_GE(log[2].attempt.at_ms, log[1].next_attempt_ms);
  // The schedule itself grows (the gaps actually observed also hold scheduling delays).
  EXPECT_GT(log[1].next_attempt_ms - log[1].attempt.at_ms,
            log[0].next_attempt_ms - log[0].attempt.at_ms);

  auto got = wms.wait_for(3);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i].attempt, std::to_string(i + 1));
    EXPECT_EQ(got[i].idempotency_key, "order-" + std::to_string(order.id));
  }
  auto attempts = deliveries(order.id);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].error, "HTTP 503");
  EXPECT_EQ(attempts[1].error, "HTTP 503");
  EXPECT_EQ(attempts[2].error, "");
  EXPECT_EQ(courier_->failed_attempts_total(), 2u);
  EXPECT_EQ(courier_->delivered_total(), 1u);
}

TEST_F(FulfilmentCourierTest, RecordsConnectionRefusedWithALaterAttempt) {
  set_webhook("http://127.0.0.1:" + std::to_string(closed_port()) + "/wms");
  auto order = buy("k1");
  start_courier(quick_config());

  auto log = log_.wait_for(1);
  EXPECT_EQ(log[0].attempt.order_id, order.id);
  EXPECT_EQ(log[0].attempt.http_status, 0);
  EXPECT_EQ(log[0].attempt.error, "connection refused");
  EXPECT_GE(log[0].next_attempt_ms, log[0].attempt.at_ms + 60'000);
  auto attempts = deliveries(order.id);
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].error, "connection refused");
  EXPECT_EQ(courier_->failed_attempts_total(), 1u);
}

TEST_F(FulfilmentCourierTest, RecordsASlowAnswerAsTimeout) {
  WebhookReceiver wms({WebhookReceiver::kNoAnswer});
  set_webhook(wms.url());
  auto order = buy("k1");
  auto config = quick_config();
  config.request_timeout = 300ms;
  start_courier(config);

  auto log = log_.wait_for(1);
  EXPECT_EQ(log[0].attempt.http_status, 0);
  EXPECT_EQ(log[0].attempt.error, "timeout");
  EXPECT_GT(log[0].next_attempt_ms, log[0].attempt.at_ms);
  EXPECT_EQ(wms.wait_for(1).size(), 1u);
  EXPECT_EQ(deliveries(order.id).size(), 1u);
}

TEST_F(FulfilmentCourierTest, DeliversAfterRestartFromTheOutbox) {
  WebhookReceiver wms({503, 200});
  set_webhook(wms.url());
  auto order = buy("k1");
  start_courier(quick_config());
  ASSERT_EQ(log_.wait_for(1)[0].attempt.error, "HTTP 503");  // the next try is a minute away

  stop_courier();
  store_.reset();
  open_store();
  // A minute and more later: the retry is due.
  start_courier(quick_config(), [] { return system_ms() + 120'000; });

  auto log = log_.wait_for(2);
  EXPECT_EQ(log[1].attempt.order_id, order.id);
  EXPECT_EQ(log[1].attempt.http_status, 200);
  EXPECT_EQ(log[1].next_attempt_ms, 0);
  auto got = wms.wait_for(2);
  EXPECT_EQ(got[1].attempt, "2");  // the count of attempts survived too
  EXPECT_EQ(got[1].idempotency_key, "order-" + std::to_string(order.id));
  auto attempts = deliveries(order.id);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error, "HTTP 503");
  EXPECT_EQ(attempts[1].error, "");
}

TEST_F(FulfilmentCourierTest, DeliversOneAtATimeWithMaxInFlightOne) {
  WebhookReceiver wms({200}, 100ms);
  set_webhook(wms.url());
  auto first = buy("k1");
  auto second = buy("k2");
  auto config = quick_config();
  config.max_in_flight = 1;
  start_courier(config);

  auto log = log_.wait_for(2);
  EXPECT_EQ(log[0].attempt.order_id, first.id);
  EXPECT_EQ(log[1].attempt.order_id, second.id);
  EXPECT_EQ(log[0].next_attempt_ms, 0);
  EXPECT_EQ(log[1].next_attempt_ms, 0);
  auto got = wms.wait_for(2);
  ASSERT_TRUE(got[0].answered_at.has_value());
  EXPECT_GE(got[1].received_at, *got[0].answered_at);
  EXPECT_EQ(wms.max_concurrent(), 1u);
}

TEST_F(FulfilmentCourierTest, SendsOrdersInParallelUpToMaxInFlight) {
  WebhookReceiver wms({200}, 300ms);
  set_webhook(wms.url());
  buy("k1");
  buy("k2");
  buy("k3");
  auto config = quick_config();
  config.max_in_flight = 2;
  start_courier(config);

  log_.wait_for(3);
  EXPECT_EQ(wms.max_concurrent(), 2u);
  EXPECT_EQ(wms.wait_for(3).size(), 3u);
}

TEST_F(FulfilmentCourierTest, StopCancelsAnAttemptInFlightWithoutRecordingIt) {
  WebhookReceiver wms({WebhookReceiver::kNoAnswer});
  set_webhook(wms.url());
  auto order = buy("k1");
  auto config = quick_config();
  config.request_timeout = 60s;
  start_courier(config);
  wms.wait_for(1);

  auto before = std::chrono::steady_clock::now();
  stop_courier();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
  EXPECT_TRUE(deliveries(order.id).empty());  // still due: the next start sends it again
}

TEST(FulfilmentBackoff, DoublesFromTheBaseUpToTheCap) {
  server::FulfilmentConfig c;
  EXPECT_EQ(server::fulfilment_backoff(c, 1), 1s);
  EXPECT_EQ(server::fulfilment_backoff(c, 2), 2s);
  EXPECT_EQ(server::fulfilment_backoff(c, 3), 4s);
  EXPECT_EQ(server::fulfilment_backoff(c, 9), 256s);
  EXPECT_EQ(server::fulfilment_backoff(c, 10), 5min);
  EXPECT_EQ(server::fulfilment_backoff(c, 1'000'000), 5min);
}

TEST_F(FulfilmentCourierTest, RefusesAConfigItCannotRunWith) {
  auto make = [&](const server::FulfilmentConfig& c) {
    server::FulfilmentCourier courier(ioc_.get_executor(), *store_, c);
  };
  server::FulfilmentConfig c;
  c.max_in_flight = 0;
  EXPECT_THROW(make(c), std::invalid_argument);
  c = {};
  c.backoff_cap = 1ms;
  EXPECT_THROW(make(c), std::invalid_argument);
  c = {};
  c.poll_interval = 0ms;
  EXPECT_THROW(make(c), std::invalid_argument);
  c = {};
  c.extra_ca_file = tls_file("no-such-ca.pem");
  EXPECT_THROW(make(c), std::invalid_argument);
}

TEST(FulfilmentWebhookUrl, SplitsHostPortAndTarget) {
  struct Case {
    const char* url;
    const char* host;
    const char* port;
    const char* target;
  };
  for (const auto& c : std::vector<Case>{
           {"http://wms.example.com/orders", "wms.example.com", "80", "/orders"},
           {"http://127.0.0.1:8080/hook?x=1", "127.0.0.1", "8080", "/hook?x=1"},
           {"http://wms.example.com", "wms.example.com", "80", "/"},
           {"http://wms.example.com?x=1", "wms.example.com", "80", "/?x=1"},
           {"http://wms.example.com/a#frag", "wms.example.com", "80", "/a"},
           {"http://[::1]:9000/h", "::1", "9000", "/h"},
           {"https://wms.example.com/orders", "wms.example.com", "443", "/orders"},
           {"https://127.0.0.1:8443/hook", "127.0.0.1", "8443", "/hook"},
       }) {
    auto u = server::parse_webhook_url(c.url);
    ASSERT_TRUE(u) << c.url;
    EXPECT_EQ(u->tls, std::string_view(c.url).starts_with("https://")) << c.url;
    EXPECT_EQ(u->host, c.host) << c.url;
    EXPECT_EQ(u->port, c.port) << c.url;
    EXPECT_EQ(u->target, c.target) << c.url;
  }
}

TEST(FulfilmentWebhookUrl, RefusesWhatIsNotAnHttpOrHttpsUrl) {
  for (const char* url :
       {"", "https:/wms.example.com/", "HTTPS://x/", "https://", "https://user@h/", "ftp://x/",
        "http://", "http:///path", "http://h:/x", "http://h:0/", "http://h:65536/", "http://h:80a/",
        "http://user:pw@h/", "http://h/a b", "http://[::1/", "http://[::1]x/",
        "wms.example.com/orders"}) {
    EXPECT_FALSE(server::parse_webhook_url(url)) << url;
  }
}

}  // namespace
