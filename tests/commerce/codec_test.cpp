#include "commerce/codec.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace commerce {
namespace {

namespace json = boost::json;

constexpr std::int64_t kNow = 1'767'000'000'000;

json::object parse(std::string_view text) { return json::parse(text).as_object(); }

// Through the text form, as the store and the API see it.
template <class T, class... Now>
T round_trip(const T& in, Now... now) {
  T out{};
  auto text = json::serialize(to_json(in, now...));
  auto e = from_json(parse(text), out);
  EXPECT_EQ(e, "") << text;
  return out;
}

Product full_product() {
  Product p;
  p.sku = "rice-5kg";
  p.title = "五常大米 5kg";
  p.price_cents = 5990;
  p.stock = 42;
  p.images = {"https://img.example.com/a.jpg", "/img/b.jpg"};
  p.description = "稻花香2号\n新米";
  p.tags = {"有机", "低钠"};
  p.trace = {"黑龙江五常", "五常市民乐合作社", "2026-10-08", "秋收"};
  p.limit_per_viewer = 3;
  p.on_shelf = false;
  p.updated_at_ms = kNow;
  return p;
}

Order full_order() {
  Order o;
  o.id = 1234;
  o.room = "r1";
  o.user_id = "u1";
  o.nick = "小王";
  o.sku = "rice-5kg";
  o.title = "五常大米";
  o.quantity = 2;
  o.unit_price_cents = 5990;
  o.discount_cents = 500;
  o.total_cents = 11480;
  o.sale_id = "fs1";
  o.coupon_id = "cp1";
  o.pickup_point_id = "bj";
  o.status = OrderStatus::ready;
  o.idempotency_key = "k-1";
  o.created_at_ms = kNow;
  o.updated_at_ms = kNow + 5;
  return o;
}

// ---- round trips ----

TEST(CodecTest, ProductRoundTrips) {
  Product p = full_product();
  Product q = round_trip(p);
  EXPECT_EQ(q.sku, p.sku);
  EXPECT_EQ(q.title, p.title);
  EXPECT_EQ(q.price_cents, p.price_cents);
  EXPECT_EQ(q.stock, p.stock);
  EXPECT_EQ(q.images, p.images);
  EXPECT_EQ(q.description, p.description);
  EXPECT_EQ(q.tags, p.tags);
  EXPECT_EQ(q.trace.origin, p.trace.origin);
  EXPECT_EQ(q.trace.producer, p.trace.producer);
  EXPECT_EQ(q.trace.produced_on, p.trace.produced_on);
  EXPECT_EQ(q.trace.story, p.trace.story);
  EXPECT_EQ(q.limit_per_viewer, p.limit_per_viewer);
  EXPECT_EQ(q.on_shelf, p.on_shelf);
  EXPECT_EQ(q.updated_at_ms, p.updated_at_ms);
}

TEST(CodecTest, FlashSaleRoundTrips) {
  FlashSale s{"fs3", "rice-5kg", 3990, 10, 4, 2, kNow, kNow + 3'600'000, true};
  FlashSale t = round_trip(s, kNow);
  EXPECT_EQ(t.id, s.id);
  EXPECT_EQ(t.sku, s.sku);
  EXPECT_EQ(t.price_cents, s.price_cents);
  EXPECT_EQ(t.quantity, s.quantity);
  EXPECT_EQ(t.sold, s.sold);
  EXPECT_EQ(t.limit_per_viewer, s.limit_per_viewer);
  EXPECT_EQ(t.starts_at_ms, s.starts_at_ms);
  EXPECT_EQ(t.ends_at_ms, s.ends_at_ms);
  EXPECT_EQ(t.stopped, s.stopped);
}

TEST(CodecTest, CouponRoundTrips) {
  Coupon c{"cp2", CouponKind::welcome, "新人券", 500, 3000, 100, 7, kNow, false};
  Coupon d = round_trip(c);
  EXPECT_EQ(d.id, c.id);
  EXPECT_EQ(d.kind, CouponKind::welcome);
  EXPECT_EQ(d.title, c.title);
  EXPECT_EQ(d.discount_cents, c.discount_cents);
  EXPECT_EQ(d.min_spend_cents, c.min_spend_cents);
  EXPECT_EQ(d.quantity, c.quantity);
  EXPECT_EQ(d.claimed, c.claimed);
  EXPECT_EQ(d.expires_at_ms, c.expires_at_ms);
  EXPECT_EQ(d.active, c.active);
}

TEST(CodecTest, CouponClaimRoundTrips) {
  CouponClaim c{"cp2", "u1", kNow, 77};
  CouponClaim d = round_trip(c);
  EXPECT_EQ(d.coupon_id, c.coupon_id);
  EXPECT_EQ(d.user_id, c.user_id);
  EXPECT_EQ(d.claimed_at_ms, c.claimed_at_ms);
  EXPECT_EQ(d.used_by_order, c.used_by_order);
}

TEST(CodecTest, PickupPointRoundTripsItsCoordinatesExactly) {
  PickupPoint p{"bj", "朝阳自提点", "北京市朝阳区 1 号", 39.904211, 116.407395};
  PickupPoint q = round_trip(p);
  EXPECT_EQ(q.id, p.id);
  EXPECT_EQ(q.name, p.name);
  EXPECT_EQ(q.address, p.address);
  EXPECT_EQ(q.lat, p.lat);
  EXPECT_EQ(q.lng, p.lng);
}

TEST(CodecTest, OrderRoundTripsEveryStatus) {
  for (auto status : {OrderStatus::paid, OrderStatus::packed, OrderStatus::ready,
                      OrderStatus::collected, OrderStatus::cancelled}) {
    Order o = full_order();
    o.status = status;
    Order p = round_trip(o);
    EXPECT_EQ(p.id, o.id);
    EXPECT_EQ(p.room, o.room);
    EXPECT_EQ(p.user_id, o.user_id);
    EXPECT_EQ(p.nick, o.nick);
    EXPECT_EQ(p.sku, o.sku);
    EXPECT_EQ(p.title, o.title);
    EXPECT_EQ(p.quantity, o.quantity);
    EXPECT_EQ(p.unit_price_cents, o.unit_price_cents);
    EXPECT_EQ(p.discount_cents, o.discount_cents);
    EXPECT_EQ(p.total_cents, o.total_cents);
    EXPECT_EQ(p.sale_id, o.sale_id);
    EXPECT_EQ(p.coupon_id, o.coupon_id);
    EXPECT_EQ(p.pickup_point_id, o.pickup_point_id);
    EXPECT_EQ(p.status, status);
    EXPECT_EQ(p.idempotency_key, o.idempotency_key);
    EXPECT_EQ(p.created_at_ms, o.created_at_ms);
    EXPECT_EQ(p.updated_at_ms, o.updated_at_ms);
  }
}

TEST(CodecTest, OrderJsonCarriesItsNumber) {
  EXPECT_EQ(to_json(full_order()).at("number").as_string(), "LC00001234");
}

TEST(CodecTest, PartialObjectPatchesARecord) {
  Product p = full_product();
  ASSERT_EQ(from_json(parse(R"({"stock": 5, "title": null})"), p), "");
  EXPECT_EQ(p.stock, 5);
  EXPECT_EQ(p.title, "五常大米 5kg");
  EXPECT_EQ(p.price_cents, 5990);
}

// ---- state and result forms ----

TEST(CodecTest, FlashSaleStateFollowsTheClock) {
  FlashSale s{"fs1", "rice", 100, 2, 0, 1, kNow, kNow + 1000, false};
  EXPECT_EQ(to_json(s, kNow - 1).at("state").as_string(), "scheduled");
  EXPECT_EQ(to_json(s, kNow).at("state").as_string(), "running");
  EXPECT_EQ(to_json(s, kNow + 1000).at("state").as_string(), "ended");
  s.sold = 2;
  EXPECT_EQ(to_json(s, kNow).at("state").as_string(), "sold_out");
  EXPECT_EQ(to_json(s, kNow).at("remaining").as_int64(), 0);
  s.stopped = true;
  EXPECT_EQ(to_json(s, kNow).at("state").as_string(), "ended");
}

TEST(CodecTest, PurchaseResultCarriesOutcomeOrderAndReplay) {
  PurchaseResult ok{PurchaseOutcome::ok, {}, full_order(), true};
  auto j = to_json(ok);
  EXPECT_EQ(j.at("outcome").as_string(), "ok");
  EXPECT_EQ(j.at("order").at("id").as_int64(), 1234);
  EXPECT_TRUE(j.at("replayed").as_bool());
  EXPECT_FALSE(j.contains("message"));

  PurchaseResult refused{PurchaseOutcome::sold_out, "only 2 left", std::nullopt, false};
  auto k = to_json(refused);
  EXPECT_EQ(k.at("outcome").as_string(), "sold_out");
  EXPECT_EQ(k.at("message").as_string(), "only 2 left");
  EXPECT_FALSE(k.contains("order"));
  EXPECT_FALSE(k.contains("replayed"));
}

TEST(CodecTest, ShelfViewHasNullPinWhenNothingIsPinned) {
  ShelfView v;
  v.products.push_back(full_product());
  auto j = to_json(v, kNow);
  EXPECT_TRUE(j.at("pinned").is_null());
  EXPECT_EQ(j.at("products").as_array().size(), 1u);
  v.pinned_sku = "rice-5kg";
  EXPECT_EQ(to_json(v, kNow).at("pinned").as_string(), "rice-5kg");
}

TEST(CodecTest, DeliveryAttemptSaysWhetherItWasDelivered) {
  EXPECT_TRUE(to_json(DeliveryAttempt{1, kNow, 200, ""}).at("delivered").as_bool());
  EXPECT_FALSE(to_json(DeliveryAttempt{1, kNow, 0, "refused"}).at("delivered").as_bool());
}

// ---- wrong types ----

struct WrongType {
  const char* name;
  const char* json;
  const char* error;
};

class ProductWrongTypeTest : public testing::TestWithParam<WrongType> {};

TEST_P(ProductWrongTypeTest, NamesTheField) {
  Product p;
  EXPECT_EQ(from_json(parse(GetParam().json), p), GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ProductWrongTypeTest,
    testing::Values(
        WrongType{"StockString", R"({"stock": "5"})", "'stock' must be an integer"},
        WrongType{"StockFloat", R"({"stock": 5.5})", "'stock' must be an integer"},
        WrongType{"StockWholeFloat", R"({"stock": 5.0})", "'stock' must be an integer"},
        WrongType{"StockHuge", R"({"stock": 100000000000000000000000})",
                  "'stock' must be an integer"},
        WrongType{"StockAboveInt64", R"({"stock": 9223372036854775808})",
                  "'stock' must be an integer"},
        WrongType{"PriceBool", R"({"price_cents": true})", "'price_cents' must be an integer"},
        WrongType{"TitleNumber", R"({"title": 5})", "'title' must be a string"},
        WrongType{"TagsString", R"({"tags": "有机"})",
                  "'tags' must be an array of at most 64 strings"},
        WrongType{"TagsOfNumbers", R"({"tags": [1]})", "'tags' must be an array of strings"},
        WrongType{"OnShelfNumber", R"({"on_shelf": 1})", "'on_shelf' must be true or false"},
        WrongType{"TraceString", R"({"trace": "x"})", "'trace' must be an object"},
        WrongType{"TraceOriginNumber", R"({"trace": {"origin": 1}})",
                  "trace: 'origin' must be a string"},
        WrongType{"FirstErrorWins", R"({"sku": 1, "stock": "x"})", "'sku' must be a string"}),
    [](const testing::TestParamInfo<WrongType>& info) { return std::string(info.param.name); });

TEST(CodecTest, Int64MaxIsAnInteger) {
  Product p;
  ASSERT_EQ(from_json(parse(R"({"stock": 9223372036854775807})"), p), "");
  EXPECT_EQ(p.stock, INT64_MAX);
}

TEST(CodecTest, OrderWithAnUnknownStatusIsRefused) {
  Order o;
  EXPECT_EQ(from_json(parse(R"({"status": "lost"})"), o),
            "'status' must be paid, packed, ready, collected or cancelled");
}

TEST(CodecTest, CouponWithAnUnknownKindIsRefused) {
  Coupon c;
  EXPECT_EQ(from_json(parse(R"({"kind": "vip"})"), c), "'kind' must be \"welcome\" or \"room\"");
  EXPECT_EQ(from_json(parse(R"({"discount_cents": "5"})"), c),
            "'discount_cents' must be an integer");
}

TEST(CodecTest, PickupPointLatitudeMustBeANumber) {
  PickupPoint p;
  EXPECT_EQ(from_json(parse(R"({"lat": "39.9"})"), p), "'lat' must be a number");
  ASSERT_EQ(from_json(parse(R"({"lat": 39, "lng": 116.5})"), p), "");
  EXPECT_EQ(p.lat, 39.0);
  EXPECT_EQ(p.lng, 116.5);
}

TEST(CodecTest, FlashSaleWrongTypeNamesTheField) {
  FlashSale s;
  EXPECT_EQ(from_json(parse(R"({"quantity": 1.5})"), s), "'quantity' must be an integer");
  EXPECT_EQ(from_json(parse(R"({"stopped": "no"})"), s), "'stopped' must be true or false");
}

// ---- purchase requests ----

TEST(CodecTest, PurchaseRequestReadsEveryViewerField) {
  PurchaseRequest r;
  auto e = from_json(parse(R"({"sku": "rice-5kg", "quantity": 2, "sale": "fs1", "coupon": "cp1",
      "pickup_point": "bj", "key": "k-1", "expected_price_cents": 3990,
      "location": {"lat": 31.23, "lng": 121}})"),
                     r);
  ASSERT_EQ(e, "");
  EXPECT_EQ(r.sku, "rice-5kg");
  EXPECT_EQ(r.quantity, 2);
  EXPECT_EQ(r.sale_id, "fs1");
  EXPECT_EQ(r.coupon_id, "cp1");
  EXPECT_EQ(r.pickup_point_id, "bj");
  EXPECT_EQ(r.idempotency_key, "k-1");
  ASSERT_TRUE(r.expected_unit_price_cents);
  EXPECT_EQ(*r.expected_unit_price_cents, 3990);
  ASSERT_TRUE(r.location);
  EXPECT_EQ(r.location->lat, 31.23);
  EXPECT_EQ(r.location->lng, 121.0);
}

TEST(CodecTest, PurchaseRequestWithOnlyASkuKeepsTheDefaults) {
  PurchaseRequest r;
  ASSERT_EQ(from_json(parse(R"({"sku": "rice-5kg"})"), r), "");
  EXPECT_EQ(r.quantity, 1);
  EXPECT_FALSE(r.expected_unit_price_cents);
  EXPECT_FALSE(r.location);
}

// Regression: a null expected price used to become an expected price of 0, so every such
// purchase was refused as "the price is now ...".
TEST(CodecTest, PurchaseRequestWithANullExpectedPriceHasNone) {
  PurchaseRequest r;
  ASSERT_EQ(from_json(parse(R"({"sku": "rice-5kg", "expected_price_cents": null})"), r), "");
  EXPECT_FALSE(r.expected_unit_price_cents);
}

TEST(CodecTest, PurchaseRequestExpectedPriceMustBeAnInteger) {
  PurchaseRequest r;
  EXPECT_EQ(from_json(parse(R"({"expected_price_cents": 39.9})"), r),
            "'expected_price_cents' must be an integer");
  EXPECT_EQ(from_json(parse(R"({"expected_price_cents": "3990"})"), r),
            "'expected_price_cents' must be an integer");
}

TEST(CodecTest, PurchaseRequestQuantityMustBeAnInteger) {
  PurchaseRequest r;
  EXPECT_EQ(from_json(parse(R"({"quantity": 1.0})"), r), "'quantity' must be an integer");
  EXPECT_EQ(from_json(parse(R"({"quantity": 1e300})"), r), "'quantity' must be an integer");
  EXPECT_EQ(from_json(parse(R"({"quantity": 99999999999999999999999})"), r),
            "'quantity' must be an integer");
}

TEST(CodecTest, PurchaseRequestLocationNeedsLatAndLng) {
  PurchaseRequest r;
  EXPECT_EQ(from_json(parse(R"({"location": {"lat": 31}})"), r),
            "'location' needs 'lat' and 'lng'");
  EXPECT_FALSE(r.location);
  EXPECT_EQ(from_json(parse(R"({"location": {"lat": "31", "lng": 121}})"), r),
            "location: 'lat' must be a number");
  EXPECT_EQ(from_json(parse(R"({"location": [31, 121]})"), r), "'location' must be an object");
}

TEST(CodecTest, PurchaseRequestKeyMustBeAString) {
  PurchaseRequest r;
  EXPECT_EQ(from_json(parse(R"({"key": 12})"), r), "'key' must be a string");
}

}  // namespace
}  // namespace commerce
