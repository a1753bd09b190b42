// The shop against the real server: the host stocks and pins, viewers buy over HTTP and the
// WebSocket, answers are clear for bad input, and no acknowledged order is lost to SIGKILL.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "fixture.hpp"

namespace testing_support {
namespace {

class CommerceTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    room_ = create_room("shop");
    host_key_ = std::string(room_.at("host_key").as_string());
  }

  HttpResult host(std::string_view method, const std::string& target, const json::object& body = {}) {
    return http_request(port(), method, "/api/rooms/shop" + target, body.empty() ? "" : json::serialize(body), host_key_);
  }
  void add_product(const std::string& sku, std::int64_t price, std::int64_t stock, std::int64_t limit = 0) {
    auto res = host("POST", "/products",
                    {{"sku", sku}, {"title", "低钠酱油"}, {"price_cents", price}, {"stock", stock}, {"tags", json::array{"低钠"}},
                     {"limit_per_viewer", limit}, {"trace", {{"origin", "广东佛山"}, {"produced_on", "2026-09-18"}}}});
    ASSERT_EQ(res.status, 201) << res.body;
  }
  HttpResult buy(const json::object& body, const std::string& key, const std::string& token = kAdminToken) {
    std::map<std::string, std::string> headers;
    if (!key.empty()) headers["Idempotency-Key"] = key;
    return http_request(port(), "POST", "/api/rooms/shop/orders", json::serialize(body), token, 10s, headers);
  }
  std::int64_t stock_of(const std::string& sku) {
    auto shelf = http_request(port(), "GET", "/api/rooms/shop/shelf").json();
    for (const auto& p : shelf.at("products").as_array())
      if (p.at("sku") == sku.c_str()) return p.at("stock").as_int64();
    return -1;
  }

  json::object room_;
  std::string host_key_;
};

TEST_F(CommerceTest, HostPinsAndViewersSeeTheCardThenBuyOverTheWebSocket) {
  add_product("soy", 1990, 10);
  auto a = join("shop");
  auto b = join("shop");
  ASSERT_TRUE(a && b);
  ASSERT_EQ(host("PUT", "/pin", {{"sku", "soy"}}).status, 200);
  for (auto* v : {a.get(), b.get()}) {
    auto pin = v->wait_type("pin");
    ASSERT_TRUE(pin);
    EXPECT_EQ(pin->at("product").at("sku"), "soy");
    EXPECT_EQ(pin->at("product").at("price_cents"), 1990);
  }
  a->send_json({{"type", "buy"}, {"sku", "soy"}, {"quantity", 2}, {"key", "buy-1"}, {"ref", "r1"}});
  auto result = a->wait_type("order_result");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->at("ref"), "r1");
  EXPECT_EQ(result->at("outcome"), "ok");
  EXPECT_EQ(result->at("order").at("total_cents"), 3980);
  // Every viewer sees the stock fall, and a purchase notice.
  auto stock = b->wait_for([](const json::object& e) { return e.at("type") == "stock" && e.at("stock") == 8; });
  EXPECT_TRUE(stock);
  auto notice = b->wait_type("purchase_notice");
  ASSERT_TRUE(notice);
  EXPECT_NE(std::string(notice->at("text").as_string()).find("刚刚购买了"), std::string::npos);
  // The same key again over the WebSocket: the same order, not a second one.
  a->send_json({{"type", "buy"}, {"sku", "soy"}, {"quantity", 2}, {"key", "buy-1"}, {"ref", "r2"}});
  auto again = a->wait_type("order_result");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->at("order").at("id"), result->at("order").at("id"));
  EXPECT_EQ(again->at("replayed"), true);
  EXPECT_EQ(stock_of("soy"), 8);
}

TEST_F(CommerceTest, PriceAndStockEditsReachViewers) {
  add_product("rice", 6990, 5);
  auto v = join("shop");
  ASSERT_TRUE(v);
  ASSERT_EQ(host("PATCH", "/products/rice", {{"price_cents", 5990}}).status, 200);
  auto product = v->wait_type("product");
  ASSERT_TRUE(product);
  EXPECT_EQ(product->at("product").at("price_cents"), 5990);
  ASSERT_EQ(host("PATCH", "/products/rice", {{"stock", 50}}).status, 200);
  auto restock = v->wait_for([](const json::object& e) { return e.at("type") == "product" && e.at("product").at("stock") == 50; });
  EXPECT_TRUE(restock);
}

TEST_F(CommerceTest, SameKeyAtOnceMakesOneOrder) {
  add_product("soy", 1990, 100);
  std::vector<HttpResult> results(8);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&] { r = buy({{"sku", "soy"}, {"quantity", 1}}, "same-key"); });
  for (auto& t : threads) t.join();
  std::set<std::int64_t> ids;
  int created = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r.status == 201 || r.status == 200) << r.body;
    created += r.status == 201;
    ids.insert(r.json().at("order").at("id").as_int64());
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(stock_of("soy"), 99);
}

TEST_F(CommerceTest, ConcurrentBuyersNeverTakeStockBelowZero) {
  add_product("soy", 1990, 37);
  std::atomic<int> ok{0}, sold_out{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 12; ++i) {
        auto r = buy({{"sku", "soy"}, {"quantity", 1}}, "k-" + std::to_string(t) + "-" + std::to_string(i));
        if (r.status == 201) ++ok;
        else if (r.status == 409 && r.json().at("error").at("code") == "sold_out") ++sold_out;
        else ++other;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 37);
  EXPECT_EQ(sold_out, 8 * 12 - 37);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(stock_of("soy"), 0);
}

TEST_F(CommerceTest, BadPurchasesAreRefusedClearlyAndChangeNothing) {
  add_product("soy", 1990, 10, 3);
  struct Case {
    std::string name;
    std::string body;
    std::string key;
    int status;
    std::string code;
  };
  std::vector<Case> cases{
      {"malformed JSON", "{\"sku\":", "k1", 400, "bad_json"},
      {"not an object", "[1,2]", "k2", 400, "bad_json"},
      {"zero quantity", R"({"sku":"soy","quantity":0})", "k3", 400, "invalid"},
      {"negative quantity", R"({"sku":"soy","quantity":-1})", "k4", 400, "invalid"},
      {"huge quantity", R"({"sku":"soy","quantity":99999999999})", "k5", 400, "invalid"},
      {"quantity as text", R"({"sku":"soy","quantity":"2"})", "k6", 400, "invalid"},
      {"unknown product", R"({"sku":"nope","quantity":1})", "k7", 400, "invalid"},
      {"tampered price", R"({"sku":"soy","quantity":1,"expected_price_cents":1})", "k8", 400, "invalid"},
      {"missing key", R"({"sku":"soy","quantity":1})", "", 400, "invalid"},
      {"overlong key", R"({"sku":"soy","quantity":1})", std::string(256, 'k'), 400, "invalid"},
      {"over the limit", R"({"sku":"soy","quantity":4})", "k9", 409, "limit_reached"},
      {"invalid UTF-8", "{\"sku\":\"so\xff\",\"quantity\":1}", "k10", 400, "bad_json"},
  };
  for (const auto& c : cases) {
    std::map<std::string, std::string> headers;
    if (!c.key.empty()) headers["Idempotency-Key"] = c.key;
    auto r = http_request(port(), "POST", "/api/rooms/shop/orders", c.body, kAdminToken, 10s, headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.json().at("error").at("code"), c.code.c_str()) << c.name;
    }
  }
  EXPECT_EQ(stock_of("soy"), 10) << "nothing was bought";
  EXPECT_EQ(buy({{"sku", "soy"}, {"quantity", 1}}, "").status, 400);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/shop/orders", R"({"sku":"soy","quantity":1})").status, 401);
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(CommerceTest, SameKeyForADifferentPurchaseIsAConflict) {
  add_product("soy", 1990, 10);
  ASSERT_EQ(buy({{"sku", "soy"}, {"quantity", 1}}, "k").status, 201);
  auto r = buy({{"sku", "soy"}, {"quantity", 2}}, "k");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.json().at("error").at("code"), "conflict");
  EXPECT_EQ(stock_of("soy"), 9);
}

TEST_F(CommerceTest, ClosedRoomRefusesPurchases) {
  add_product("soy", 1990, 10);
  ASSERT_EQ(http_request(port(), "POST", "/api/rooms/shop/close", "", kAdminToken).status, 200);
  auto r = buy({{"sku", "soy"}, {"quantity", 1}}, "k");
  EXPECT_EQ(r.status, 410);
  EXPECT_EQ(r.json().at("error").at("code"), "room_closed");
}

TEST_F(CommerceTest, CouponAppliesOnceAndOnlyToItsClaimer) {
  add_product("rice", 6990, 10);
  auto c = host("POST", "/coupons", {{"kind", "room"}, {"title", "满50减10"}, {"discount_cents", 1000}, {"min_spend_cents", 5000}});
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id(c.json().at("id").as_string());
  EXPECT_EQ(buy({{"sku", "rice"}, {"quantity", 1}, {"coupon", id}}, "k0").status, 400) << "claim it first";
  ASSERT_EQ(http_request(port(), "POST", "/api/rooms/shop/coupons/" + id + "/claim", "", kAdminToken).status, 200);
  auto first = buy({{"sku", "rice"}, {"quantity", 1}, {"coupon", id}}, "k1");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(first.json().at("order").at("total_cents"), 5990);
  auto second = buy({{"sku", "rice"}, {"quantity", 1}, {"coupon", id}}, "k2");
  EXPECT_EQ(second.status, 400);
  EXPECT_NE(second.body.find("used"), std::string::npos) << second.body;
}

TEST_F(CommerceTest, FlashSaleSellsItsQuantityAtTheSalePriceWithOnePerViewer) {
  add_product("oats", 2990, 100);
  auto in_an_hour = std::chrono::duration_cast<std::chrono::milliseconds>(
                        (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch()).count();
  auto sale = host("POST", "/flash-sales", {{"sku", "oats"}, {"price_cents", 990}, {"quantity", 3}, {"ends_at_ms", in_an_hour}});
  ASSERT_EQ(sale.status, 201) << sale.body;
  EXPECT_EQ(sale.json().at("limit_per_viewer"), 1);
  // Three different viewers (host, operator, admin) take the three units; the admin's second try hits the limit.
  auto r1 = buy({{"sku", "oats"}, {"quantity", 1}}, "a1");
  ASSERT_EQ(r1.status, 201) << r1.body;
  EXPECT_EQ(r1.json().at("order").at("unit_price_cents"), 990);
  EXPECT_EQ(buy({{"sku", "oats"}, {"quantity", 1}}, "a2").json().at("error").at("code"), "limit_reached");
  EXPECT_EQ(buy({{"sku", "oats"}, {"quantity", 1}}, "h1", host_key_).status, 201);
  EXPECT_EQ(buy({{"sku", "oats"}, {"quantity", 1}}, "o1", std::string(room_.at("operator_key").as_string())).status, 201);
  auto v = join("shop");
  ASSERT_TRUE(v);
  std::string sale_id(sale.json().at("id").as_string());
  v->send_json({{"type", "buy"}, {"sku", "oats"}, {"quantity", 1}, {"sale", sale_id}, {"key", "v1"}});
  auto r = v->wait_type("order_result");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("outcome"), "sold_out");
  EXPECT_EQ(stock_of("oats"), 97);
  // The sale is over: a purchase that names no sale pays the shelf price again.
  v->send_json({{"type", "buy"}, {"sku", "oats"}, {"quantity", 1}, {"key", "v2"}});
  auto full = v->wait_type("order_result");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->at("order").at("unit_price_cents"), 2990);
}

TEST_F(CommerceTest, OrdersAreListedForStaffAndMoveThroughTheirStatuses) {
  add_product("soy", 1990, 10);
  auto order = buy({{"sku", "soy"}, {"quantity", 3}}, "k").json().at("order");
  std::string id = std::to_string(order.at("id").as_int64());
  auto list = host("GET", "/orders?sku=soy&status=paid");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("orders").as_array().size(), 1u);
  EXPECT_EQ(host("POST", "/orders/" + id + "/status", {{"status", "collected"}}).status, 409) << "paid cannot jump to collected";
  EXPECT_EQ(host("POST", "/orders/" + id + "/status", {{"status", "packed"}}).status, 200);
  auto cancelled = host("POST", "/orders/" + id + "/status", {{"status", "cancelled"}});
  ASSERT_EQ(cancelled.status, 200);
  EXPECT_EQ(cancelled.json().at("status"), "cancelled");
  EXPECT_EQ(stock_of("soy"), 10) << "cancelling gives the stock back";
  auto viewer = join("shop");
  std::string token(viewer->welcome().at("token").as_string());
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/shop/orders", "", token).json().at("orders").as_array().size(), 0u)
      << "a viewer sees only its own orders";
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/shop/orders/" + id, "", token).status, 404);
}

TEST_F(CommerceTest, StaffListOffShelfProductsPastSalesAndWhoClaimedCoupons) {
  add_product("soy", 1990, 10);
  add_product("rice", 6990, 10);
  add_product("oats", 2990, 100);
  ASSERT_EQ(host("DELETE", "/products/rice").status, 200);
  auto in_an_hour = std::chrono::duration_cast<std::chrono::milliseconds>(
                        (std::chrono::system_clock::now() + std::chrono::hours(1)).time_since_epoch()).count();
  auto past = host("POST", "/flash-sales", {{"sku", "oats"}, {"price_cents", 990}, {"quantity", 3}, {"ends_at_ms", in_an_hour}});
  ASSERT_EQ(past.status, 201) << past.body;
  std::string past_id(past.json().at("id").as_string());
  ASSERT_EQ(host("POST", "/flash-sales/" + past_id + "/stop").status, 200);
  auto running = host("POST", "/flash-sales", {{"sku", "soy"}, {"price_cents", 990}, {"quantity", 3}, {"ends_at_ms", in_an_hour}});
  ASSERT_EQ(running.status, 201) << running.body;
  auto coupon = host("POST", "/coupons", {{"kind", "room"}, {"title", "满50减10"}, {"discount_cents", 1000}});
  ASSERT_EQ(coupon.status, 201);
  std::string coupon_id(coupon.json().at("id").as_string());
  auto viewer = join("shop");
  std::string viewer_id(viewer->welcome().at("you").at("id").as_string());
  std::string viewer_token(viewer->welcome().at("token").as_string());
  ASSERT_EQ(http_request(port(), "POST", "/api/rooms/shop/coupons/" + coupon_id + "/claim", "", viewer_token).status, 200);
  ASSERT_EQ(host("POST", "/coupons/" + coupon_id + "/withdraw").status, 200);  // gone from the shelf, claims stay

  auto skus = [](const json::value& list) {
    std::vector<std::string> out;
    for (const auto& p : list.as_array()) out.emplace_back(p.at("sku").as_string());
    return out;
  };
  auto off = host("GET", "/products?on_shelf=false");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(skus(off.json().at("products")), std::vector<std::string>{"rice"});
  EXPECT_EQ(off.json().at("products").as_array()[0].at("on_shelf"), false);
  EXPECT_EQ(skus(host("GET", "/products").json().at("products")), (std::vector<std::string>{"soy", "oats", "rice"}));
  EXPECT_EQ(skus(host("GET", "/products?on_shelf=true").json().at("products")), (std::vector<std::string>{"soy", "oats"}));

  auto over = host("GET", "/flash-sales?state=over");
  ASSERT_EQ(over.status, 200) << over.body;
  ASSERT_EQ(over.json().at("flash_sales").as_array().size(), 1u);
  EXPECT_EQ(over.json().at("flash_sales").as_array()[0].at("id"), past_id.c_str());
  EXPECT_EQ(over.json().at("flash_sales").as_array()[0].at("state"), "ended");
  EXPECT_EQ(host("GET", "/flash-sales?state=running").json().at("flash_sales").as_array().size(), 1u);
  EXPECT_EQ(host("GET", "/flash-sales").json().at("flash_sales").as_array().size(), 2u);

  auto coupons = host("GET", "/coupons");
  ASSERT_EQ(coupons.status, 200);
  ASSERT_EQ(coupons.json().at("coupons").as_array().size(), 1u);
  EXPECT_EQ(coupons.json().at("coupons").as_array()[0].at("active"), false);
  auto claims = http_request(port(), "GET", "/api/rooms/shop/coupons/" + coupon_id + "/claims", "",
                             std::string(room_.at("operator_key").as_string()));
  ASSERT_EQ(claims.status, 200) << claims.body;
  EXPECT_EQ(claims.json().at("coupon_id"), coupon_id.c_str());
  ASSERT_EQ(claims.json().at("claims").as_array().size(), 1u);
  EXPECT_EQ(claims.json().at("claims").as_array()[0].at("user_id"), viewer_id.c_str());
  EXPECT_GT(claims.json().at("claims").as_array()[0].at("claimed_at_ms").to_number<std::int64_t>(), 0);

  // Bad input and other callers.
  EXPECT_EQ(host("GET", "/products?on_shelf=maybe").status, 400);
  auto bad_state = host("GET", "/flash-sales?state=finished");
  EXPECT_EQ(bad_state.status, 400);
  EXPECT_EQ(bad_state.json().at("error").at("code"), "invalid");
  EXPECT_EQ(host("GET", "/coupons/cp-none/claims").status, 404);
  for (const std::string& target : std::vector<std::string>{"/products", "/flash-sales", "/coupons", "/coupons/" + coupon_id + "/claims"}) {
    EXPECT_EQ(http_request(port(), "GET", "/api/rooms/shop" + target).status, 401) << target;
    EXPECT_EQ(http_request(port(), "GET", "/api/rooms/shop" + target, "", viewer_token).status, 403) << target;
  }
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/nope/products", "", kAdminToken).status, 404);
}

TEST_F(CommerceTest, ShopEditsNeedTheHost) {
  auto viewer = join("shop");
  std::string token(viewer->welcome().at("token").as_string());
  json::object p{{"sku", "x"}, {"title", "t"}, {"price_cents", 100}, {"stock", 1}};
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/shop/products", json::serialize(p)).status, 401);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/shop/products", json::serialize(p), token).status, 403);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/nope/products", json::serialize(p), kAdminToken).status, 404);
  auto bad = host("POST", "/products", {{"sku", "x"}, {"title", "t"}, {"price_cents", 0}, {"stock", 1}});
  EXPECT_EQ(bad.status, 400);
  auto float_price = http_request(port(), "POST", "/api/rooms/shop/products",
                                  R"({"sku":"x","title":"t","price_cents":19.9,"stock":1})", host_key_);
  EXPECT_EQ(float_price.status, 400) << "money is integer cents";
}

// A WMS stand-in: accepts connections on 127.0.0.1, answers each POST with the next status of
// `statuses` (200 when they run out) and keeps the requests.
class WmsReceiver {
 public:
  explicit WmsReceiver(std::vector<int> statuses) : statuses_(std::move(statuses)), acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~WmsReceiver() {
    stop_ = true;
    // A blocking accept is not woken by close() from another thread: connect to wake it.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket wake(ioc);
    boost::system::error_code ec;
    wake.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  // Waits for the n-th request (1-based) and returns it.
  std::optional<boost::beast::http::request<boost::beast::http::string_body>> wait_request(std::size_t n) {
    std::unique_lock lock(m_);
    if (!cv_.wait_for(lock, 60s, [&] { return requests_.size() >= n; })) return std::nullopt;
    return requests_[n - 1];
  }

 private:
  void serve() {
    namespace http = boost::beast::http;
    while (!stop_) {
      boost::system::error_code ec;
      auto socket = acceptor_.accept(ec);
      if (ec || stop_) return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      int status = 200;
      {
        std::lock_guard lock(m_);
        if (requests_.size() < statuses_.size()) status = statuses_[requests_.size()];
        requests_.push_back(req);
      }
      cv_.notify_all();
      http::response<http::string_body> res{static_cast<http::status>(status), 11};
      res.body() = "{}";
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  }
  std::vector<int> statuses_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<boost::beast::http::request<boost::beast::http::string_body>> requests_;
};

TEST_F(CommerceTest, CommittedOrdersArePostedToTheWebhookWithRetries) {
  WmsReceiver wms({503});  // the first attempt fails, the retry (about 1 s later) succeeds
  add_product("soy", 1990, 10);
  ASSERT_EQ(host("PUT", "/webhook", {{"url", "http://127.0.0.1:" + std::to_string(wms.port()) + "/orders"}}).status, 200);
  auto bought = buy({{"sku", "soy"}, {"quantity", 2}}, "wk");
  ASSERT_EQ(bought.status, 201) << bought.body;
  auto id = bought.json().at("order").at("id").as_int64();
  auto second = wms.wait_request(2);
  ASSERT_TRUE(second) << "the order was not retried";
  EXPECT_EQ(second->target(), "/orders");
  EXPECT_EQ((*second)["Idempotency-Key"], "order-" + std::to_string(id));
  auto payload = json::parse(second->body()).as_object();
  EXPECT_EQ(payload.at("event"), "order.created");
  EXPECT_EQ(payload.at("order").at("id"), id);
  EXPECT_EQ(payload.at("order").at("total_cents"), 3980);
  ASSERT_TRUE(wait_metric("livecart_webhook_delivered_total", 1));
  auto detail = host("GET", "/orders/" + std::to_string(id)).json();
  const auto& deliveries = detail.at("deliveries").as_array();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[0].at("http_status"), 503);
  EXPECT_EQ(deliveries[0].at("delivered"), false);
  EXPECT_EQ(deliveries[1].at("delivered"), true);
  EXPECT_EQ(metric_value(port(), "livecart_purchases_total{outcome=\"ok\"}"), 1);
}

TEST_F(CommerceTest, WebhookUrlIsHttpOrHttps) {
  for (const char* url : {"https://wms.example/orders", "http://wms.example:8081/orders", ""}) {
    auto put = host("PUT", "/webhook", {{"url", url}});
    EXPECT_EQ(put.status, 200) << url << " " << put.body;
    EXPECT_EQ(host("GET", "/webhook").json().at("url"), url);
  }
  for (const char* url : {"ftp://wms.example/orders", "wms.example/orders", "https://wms example/", "javascript:alert(1)"}) {
    auto put = host("PUT", "/webhook", {{"url", url}});
    EXPECT_EQ(put.status, 400) << url;
    EXPECT_EQ(put.json().at("error").at("code"), "invalid") << url;
  }
  EXPECT_EQ(host("GET", "/webhook").json().at("url"), "");  // the refusals changed nothing
}

TEST_F(CommerceTest, AcknowledgedOrdersSurviveSigkillMidSale) {
  std::string dir = make_temp_dir();
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  room_ = create_room("shop");
  host_key_ = std::string(room_.at("host_key").as_string());
  constexpr std::int64_t kStock = 100000;
  add_product("soy", 1990, kStock);
  std::mutex m;
  std::map<std::string, std::int64_t> acknowledged;  // key → order id
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> buyers;
  for (int t = 0; t < 6; ++t)
    buyers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        std::string key = "sk-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = buy({{"sku", "soy"}, {"quantity", 1 + i % 3}}, key, kAdminToken);
        if (r.status != 201) break;  // the server is gone
        std::lock_guard lock(m);
        acknowledged[key] = r.json().at("order").at("id").as_int64();
        ++acks;
      }
    });
  auto until = std::chrono::steady_clock::now() + 60s;
  while (acks < 150 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
  server_->signal(SIGKILL);
  stop = true;
  for (auto& b : buyers) b.join();
  server_->wait_exit();
  ASSERT_GE(acks, 150) << "the buyers stopped before the kill";
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);

  std::set<std::int64_t> stored;
  std::int64_t units = 0;
  std::string before;
  for (;;) {
    auto page = host("GET", "/orders?limit=200" + before).json();
    for (const auto& o : page.at("orders").as_array()) {
      stored.insert(o.at("id").as_int64());
      units += o.at("quantity").as_int64();
    }
    if (page.at("next_before").is_null()) break;
    before = "&before=" + std::to_string(page.at("next_before").as_int64());
  }
  for (const auto& [key, id] : acknowledged) EXPECT_TRUE(stored.contains(id)) << "acknowledged order " << id << " lost";
  EXPECT_EQ(units + stock_of("soy"), kStock) << "orders plus stock equal the starting stock";
  // A retry of an acknowledged request answers the same order.
  auto [key, id] = *acknowledged.begin();
  auto retry = buy({{"sku", "soy"}, {"quantity", 1 + std::stoi(key.substr(key.rfind('-') + 1)) % 3}}, key, kAdminToken);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.json().at("order").at("id"), id);
  server_.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace testing_support
