#include "commerce/shop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace commerce {
namespace {

constexpr std::int64_t kNow = 1'767'000'000'000;  // a fixed Unix millisecond
constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

Product rice(std::string sku = "rice-5kg", Cents price = 5990, std::int64_t stock = 100) {
  Product p;
  p.sku = std::move(sku);
  p.title = "五常大米 5kg";
  p.price_cents = price;
  p.stock = stock;
  p.images = {"https://img.example.com/rice.jpg"};
  p.tags = {"有机"};
  p.trace = {"黑龙江五常", "五常市民乐合作社", "2026-10-08", "秋收新米"};
  return p;
}

// A shop with rice on the shelf and helpers for the purchase path.
class ShopTest : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(shop_.put_product(rice(), kNow).ok());
    (void)shop_.take_changes();
  }

  PurchaseRequest request(std::string key, std::string user = "u1", std::int64_t quantity = 1,
                          std::string sku = "rice-5kg") {
    PurchaseRequest r;
    r.room = "r1";
    r.user_id = std::move(user);
    r.nick = "小王";
    r.idempotency_key = std::move(key);
    r.sku = std::move(sku);
    r.quantity = quantity;
    return r;
  }

  PurchaseResult buy(const PurchaseRequest& r, std::int64_t now = kNow, bool open = true) {
    auto result = shop_.purchase(r, next_id_, now, open);
    if (result.outcome == PurchaseOutcome::ok && !result.replayed) ++next_id_;
    return result;
  }

  std::int64_t stock(const std::string& sku = "rice-5kg") const {
    return shop_.product(sku)->stock;
  }

  FlashSale sale(Cents price = 3990, std::int64_t quantity = 10, std::int64_t starts = kNow,
                 std::int64_t ends = kNow + kHour) {
    FlashSale s;
    s.sku = "rice-5kg";
    s.price_cents = price;
    s.quantity = quantity;
    s.starts_at_ms = starts;
    s.ends_at_ms = ends;
    return s;
  }

  std::string start(FlashSale s) {
    auto r = shop_.start_sale(std::move(s), kNow);
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.ok() ? r.value->id : std::string{};
  }

  Coupon coupon(Cents discount = 500, Cents min_spend = 0, CouponKind kind = CouponKind::room) {
    Coupon c;
    c.kind = kind;
    c.title = "满减券";
    c.discount_cents = discount;
    c.min_spend_cents = min_spend;
    return c;
  }

  std::string create(Coupon c) {
    auto r = shop_.create_coupon(std::move(c), kNow);
    EXPECT_TRUE(r.ok()) << r.error.message;
    return r.ok() ? r.value->id : std::string{};
  }

  Shop shop_{"r1"};
  std::int64_t next_id_ = 1;
};

// ---- product validation ----

struct BadProduct {
  const char* name;
  void (*spoil)(Product&);
};

class ProductValidationTest : public testing::TestWithParam<BadProduct> {};

TEST_P(ProductValidationTest, IsRefusedAsInvalid) {
  Shop shop("r1");
  Product p = rice();
  GetParam().spoil(p);
  auto r = shop.put_product(p, kNow);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error.code, Errc::invalid);
  EXPECT_FALSE(r.error.message.empty());
  EXPECT_EQ(shop.product(p.sku), nullptr);
  EXPECT_TRUE(shop.take_changes().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ProductValidationTest,
    testing::Values(
        BadProduct{"EmptyTitle", [](Product& p) { p.title.clear(); }},
        BadProduct{"TitleOver60Chars", [](Product& p) { p.title = std::string(61, 'a'); }},
        BadProduct{"TitleOver60ChineseChars",
                   [](Product& p) {
                     p.title.clear();
                     for (int i = 0; i < 61; ++i) p.title += "米";
                   }},
        BadProduct{"TitleInvalidUtf8", [](Product& p) { p.title = "rice \xC3\x28"; }},
        BadProduct{"TitleControlChar", [](Product& p) { p.title = "rice\x07"; }},
        BadProduct{"DescriptionC1Control", [](Product& p) { p.description = "a\xC2\x85z"; }},
        BadProduct{"PriceZero", [](Product& p) { p.price_cents = 0; }},
        BadProduct{"PriceNegative", [](Product& p) { p.price_cents = -1; }},
        BadProduct{"PriceHuge", [](Product& p) { p.price_cents = kMaxPriceCents + 1; }},
        BadProduct{"StockNegative", [](Product& p) { p.stock = -1; }},
        BadProduct{"StockHuge", [](Product& p) { p.stock = kMaxStock + 1; }},
        BadProduct{"LimitNegative", [](Product& p) { p.limit_per_viewer = -1; }},
        BadProduct{"TooManyTags", [](Product& p) { p.tags.assign(kMaxTags + 1, "有机"); }},
        BadProduct{"EmptyTag", [](Product& p) { p.tags = {""}; }},
        BadProduct{"TagTooLong", [](Product& p) { p.tags = {std::string(kMaxTagChars + 1, 't')}; }},
        BadProduct{
            "TooManyImages",
            [](Product& p) { p.images.assign(kMaxImages + 1, "https://img.example.com/a.jpg"); }},
        BadProduct{"ImageJavascriptUrl", [](Product& p) { p.images = {"javascript:alert(1)"}; }},
        BadProduct{"ImageFtpUrl", [](Product& p) { p.images = {"ftp://img.example.com/a.jpg"}; }},
        BadProduct{"ImageUrlWithSpace",
                   [](Product& p) { p.images = {"https://img.example.com/a b.jpg"}; }},
        BadProduct{"ImageUrlWithQuote",
                   [](Product& p) { p.images = {"https://img.example.com/\"a.jpg"}; }},
        BadProduct{"ImageUrlTooLong",
                   [](Product& p) { p.images = {"https://x/" + std::string(kMaxUrlBytes, 'a')}; }},
        BadProduct{"TraceStoryTooLong",
                   [](Product& p) { p.trace.story = std::string(kMaxTraceChars + 1, 's'); }},
        BadProduct{"SkuEmpty", [](Product& p) { p.sku.clear(); }},
        BadProduct{"SkuWithSpace", [](Product& p) { p.sku = "rice 5kg"; }},
        BadProduct{"SkuWithSlash", [](Product& p) { p.sku = "rice/5kg"; }},
        BadProduct{"SkuNonAscii", [](Product& p) { p.sku = "大米"; }},
        BadProduct{"SkuTooLong", [](Product& p) { p.sku = std::string(kMaxSkuBytes + 1, 's'); }}),
    [](const testing::TestParamInfo<BadProduct>& info) { return std::string(info.param.name); });

TEST(ShopProductTest, ValidProductAtTheLimitsIsAccepted) {
  Shop shop("r1");
  Product p = rice(std::string(kMaxSkuBytes, 's'), kMaxPriceCents, kMaxStock);
  p.title.clear();
  for (std::size_t i = 0; i < kMaxTitleChars; ++i) p.title += "米";
  p.tags.assign(kMaxTags, "有机");
  p.images.assign(kMaxImages, "/img/a.jpg");
  auto r = shop.put_product(p, kNow);
  ASSERT_TRUE(r.ok()) << r.error.message;
  EXPECT_TRUE(r.value->on_shelf);
  EXPECT_EQ(r.value->updated_at_ms, kNow);
}

// ---- shelf ----

TEST_F(ShopTest, PutOfAListedProductKeepsItsShelfPosition) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice("salt"), kNow).ok());
  Product changed = rice("rice-5kg", 4990, 7);
  ASSERT_TRUE(shop_.put_product(changed, kNow + 1).ok());
  EXPECT_EQ(shop_.shelf_order(), (std::vector<std::string>{"rice-5kg", "oil", "salt"}));
  EXPECT_EQ(shop_.product("rice-5kg")->price_cents, 4990);
  EXPECT_EQ(stock(), 7);
}

TEST_F(ShopTest, RemoveTakesTheProductOffTheShelfAndUnpinsIt) {
  ASSERT_TRUE(shop_.pin("rice-5kg").ok());
  (void)shop_.take_changes();
  auto r = shop_.remove_product("rice-5kg", kNow + 1);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value->on_shelf);
  EXPECT_TRUE(shop_.pinned().empty());
  EXPECT_TRUE(shop_.shelf_order().empty());
  EXPECT_TRUE(shop_.shelf(kNow).products.empty());
  ASSERT_NE(shop_.product("rice-5kg"), nullptr);  // orders keep pointing at it
  auto c = shop_.take_changes();
  EXPECT_TRUE(c.pin);
  EXPECT_TRUE(c.settings);
  EXPECT_TRUE(c.products.contains("rice-5kg"));
}

TEST_F(ShopTest, CatalogueListsTheShelfThenProductsTakenOffItAndEverySale) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice("bean"), kNow).ok());
  ASSERT_TRUE(shop_.remove_product("bean", kNow).ok());
  std::string first = start(sale(3990, 10, kNow, kNow + kHour));
  ASSERT_TRUE(shop_.stop_sale(first, kNow + 1).ok());
  std::string second = start(sale(3990, 10, kNow + kMinute, kNow + kHour));
  auto c = shop_.catalogue();
  std::vector<std::string> skus;
  for (const auto& p : c.products) skus.push_back(p.sku);
  EXPECT_EQ(skus, (std::vector<std::string>{"rice-5kg", "oil", "bean"}));
  EXPECT_FALSE(c.products.back().on_shelf);
  ASSERT_EQ(c.sales.size(), 2u);
  EXPECT_EQ(c.sales[0].id, second) << "the latest start first";
  EXPECT_EQ(c.sales[1].state(kNow + 2), "ended");
  EXPECT_EQ(c.sales[0].state(kNow + 2), "scheduled");
}

TEST_F(ShopTest, ClaimsOfACouponAreListedLatestFirstAndOnlyItsOwn) {
  std::string a = create(coupon());
  std::string b = create(coupon(300));
  ASSERT_TRUE(shop_.claim_coupon(a, "u1", kNow).ok());
  ASSERT_TRUE(shop_.claim_coupon(b, "u1", kNow + 1).ok());
  ASSERT_TRUE(shop_.claim_coupon(a, "u2", kNow + 2).ok());
  auto claims = shop_.claims_of_coupon(a);
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_EQ(claims[0].user_id, "u2");
  EXPECT_EQ(claims[1].user_id, "u1");
  EXPECT_TRUE(shop_.claims_of_coupon("cp-none").empty());
  ASSERT_TRUE(shop_.withdraw_coupon(a).ok());
  EXPECT_EQ(shop_.claims_of_coupon(a).size(), 2u) << "withdrawing keeps the claims";
  EXPECT_EQ(shop_.catalogue().coupons.size(), 2u);
}

TEST_F(ShopTest, RemoveOfAnUnknownProductIsNotFound) {
  EXPECT_EQ(shop_.remove_product("nope", kNow).error.code, Errc::not_found);
  ASSERT_TRUE(shop_.remove_product("rice-5kg", kNow).ok());
  EXPECT_EQ(shop_.remove_product("rice-5kg", kNow).error.code, Errc::not_found);
}

TEST_F(ShopTest, PutOfARemovedProductListsItLast) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_TRUE(shop_.remove_product("rice-5kg", kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice(), kNow).ok());
  EXPECT_EQ(shop_.shelf_order(), (std::vector<std::string>{"oil", "rice-5kg"}));
}

TEST_F(ShopTest, ShelfOrderPutsTheListedFirstAndKeepsTheRest) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice("salt"), kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice("tea"), kNow).ok());
  auto r = shop_.set_shelf_order({"tea", "oil"});
  ASSERT_TRUE(r.ok());
  std::vector<std::string> want{"tea", "oil", "rice-5kg", "salt"};
  EXPECT_EQ(*r.value, want);
  EXPECT_EQ(shop_.shelf_order(), want);
  auto view = shop_.shelf(kNow);
  ASSERT_EQ(view.products.size(), 4u);
  EXPECT_EQ(view.products[0].sku, "tea");
  EXPECT_TRUE(shop_.take_changes().settings);
}

TEST_F(ShopTest, ShelfOrderWithAnUnknownSkuIsInvalidAndChangesNothing) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  (void)shop_.take_changes();
  auto r = shop_.set_shelf_order({"oil", "ghost"});
  EXPECT_EQ(r.error.code, Errc::invalid);
  EXPECT_EQ(shop_.shelf_order(), (std::vector<std::string>{"rice-5kg", "oil"}));
  EXPECT_TRUE(shop_.take_changes().empty());
}

TEST_F(ShopTest, ShelfOrderWithARemovedSkuIsInvalid) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_TRUE(shop_.remove_product("oil", kNow).ok());
  EXPECT_EQ(shop_.set_shelf_order({"oil"}).error.code, Errc::invalid);
}

TEST_F(ShopTest, ShelfOrderWithADuplicateIsInvalid) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  auto r = shop_.set_shelf_order({"oil", "oil"});
  EXPECT_EQ(r.error.code, Errc::invalid);
  EXPECT_EQ(shop_.shelf_order(), (std::vector<std::string>{"rice-5kg", "oil"}));
}

TEST_F(ShopTest, PinAndUnpin) {
  auto r = shop_.pin("rice-5kg");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(shop_.pinned(), "rice-5kg");
  EXPECT_EQ(shop_.shelf(kNow).pinned_sku, "rice-5kg");
  auto c = shop_.take_changes();
  EXPECT_TRUE(c.pin);
  EXPECT_TRUE(c.settings);
  shop_.unpin();
  EXPECT_TRUE(shop_.pinned().empty());
  EXPECT_TRUE(shop_.take_changes().pin);
}

TEST_F(ShopTest, UnpinWithNothingPinnedChangesNothing) {
  shop_.unpin();
  EXPECT_TRUE(shop_.take_changes().empty());
}

TEST_F(ShopTest, PinOfAnUnknownOrRemovedProductIsNotFound) {
  EXPECT_EQ(shop_.pin("ghost").error.code, Errc::not_found);
  ASSERT_TRUE(shop_.remove_product("rice-5kg", kNow).ok());
  EXPECT_EQ(shop_.pin("rice-5kg").error.code, Errc::not_found);
  EXPECT_TRUE(shop_.pinned().empty());
}

TEST_F(ShopTest, SetStockChangesStockAndRefusesNegative) {
  ASSERT_TRUE(shop_.set_stock("rice-5kg", 3, kNow).ok());
  EXPECT_EQ(stock(), 3);
  EXPECT_EQ(shop_.set_stock("rice-5kg", -1, kNow).error.code, Errc::invalid);
  EXPECT_EQ(shop_.set_stock("ghost", 1, kNow).error.code, Errc::not_found);
  EXPECT_EQ(stock(), 3);
}

// ---- purchase ----

TEST_F(ShopTest, PurchaseTakesStockAndRecordsTheOrderAtTheServerPrice) {
  auto r = buy(request("k1", "u1", 3));
  ASSERT_EQ(r.outcome, PurchaseOutcome::ok) << r.message;
  EXPECT_FALSE(r.replayed);
  ASSERT_TRUE(r.order);
  const Order& o = *r.order;
  EXPECT_EQ(o.id, 1);
  EXPECT_EQ(o.room, "r1");
  EXPECT_EQ(o.user_id, "u1");
  EXPECT_EQ(o.nick, "小王");
  EXPECT_EQ(o.sku, "rice-5kg");
  EXPECT_EQ(o.title, "五常大米 5kg");
  EXPECT_EQ(o.quantity, 3);
  EXPECT_EQ(o.unit_price_cents, 5990);
  EXPECT_EQ(o.discount_cents, 0);
  EXPECT_EQ(o.total_cents, 3 * 5990);
  EXPECT_EQ(o.status, OrderStatus::paid);
  EXPECT_EQ(o.idempotency_key, "k1");
  EXPECT_EQ(o.created_at_ms, kNow);
  EXPECT_EQ(o.number(), "LC00000001");
  EXPECT_EQ(stock(), 97);
  ASSERT_NE(shop_.order(1), nullptr);
  EXPECT_EQ(shop_.order(1)->total_cents, 3 * 5990);
}

TEST_F(ShopTest, EditProductChangesOnlyWhatTheEditTouches) {
  ASSERT_EQ(buy(request("k1", "u1", 3)).outcome, PurchaseOutcome::ok);  // stock 100 → 97
  auto edited = shop_.edit_product("rice-5kg", [](Product& p) {
    p.price_cents = 4990;
    return std::string{};
  }, kNow);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited.value->price_cents, 4990);
  EXPECT_EQ(stock(), 97) << "the stock the purchase left, not the one before it";
}

TEST_F(ShopTest, EditProductThatFailsChangesNothing) {
  (void)shop_.take_changes();
  auto bad = shop_.edit_product("rice-5kg", [](Product& p) {
    p.price_cents = 0;
    return std::string{};
  }, kNow);
  EXPECT_EQ(bad.error.code, Errc::invalid);
  auto refused = shop_.edit_product("rice-5kg", [](Product&) { return std::string("'stock' must be an integer"); }, kNow);
  EXPECT_EQ(refused.error.message, "'stock' must be an integer");
  auto renamed = shop_.edit_product("rice-5kg", [](Product& p) {
    p.sku = "other";
    return std::string{};
  }, kNow);
  EXPECT_EQ(renamed.error.code, Errc::invalid);
  EXPECT_EQ(shop_.edit_product("ghost", [](Product&) { return std::string{}; }, kNow).error.code, Errc::not_found);
  EXPECT_EQ(shop_.product("rice-5kg")->price_cents, 5990);
  EXPECT_TRUE(shop_.take_changes().empty());
}

TEST_F(ShopTest, RefusalAnswersSoldOutFromMemoryAndChangesNothing) {
  ASSERT_TRUE(shop_.set_stock("rice-5kg", 1, kNow).ok());
  (void)shop_.take_changes();
  EXPECT_FALSE(shop_.refusal(request("k1"), kNow)) << "one left: this purchase may succeed";
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  (void)shop_.take_changes();
  auto refused = shop_.refusal(request("k2", "u2"), kNow);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->outcome, PurchaseOutcome::sold_out);
  EXPECT_TRUE(shop_.take_changes().empty());
  EXPECT_EQ(shop_.refusal(request("k3", "u3"), kNow, false)->outcome, PurchaseOutcome::room_closed);
}

TEST_F(ShopTest, RefusalLeavesAReplayToTheStore) {
  ASSERT_TRUE(shop_.set_stock("rice-5kg", 1, kNow).ok());
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  // Sold out now, but the same key must get its order back, not "sold out".
  EXPECT_FALSE(shop_.refusal(request("k1"), kNow));
  EXPECT_EQ(buy(request("k1")).replayed, true);
}

TEST_F(ShopTest, PurchaseTotalIsUnitTimesQuantityLessTheDiscount) {
  auto id = create(coupon(1000));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1", "u1", 2);
  r.coupon_id = id;
  auto result = buy(r);
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok) << result.message;
  EXPECT_EQ(result.order->unit_price_cents, 5990);
  EXPECT_EQ(result.order->discount_cents, 1000);
  EXPECT_EQ(result.order->total_cents, 2 * 5990 - 1000);
  EXPECT_EQ(result.order->coupon_id, id);
}

TEST_F(ShopTest, PurchaseQuantityOutsideOneTo99IsInvalid) {
  for (std::int64_t q : {0LL, -1LL, 100LL}) {
    auto r = buy(request("k" + std::to_string(q), "u1", q));
    EXPECT_EQ(r.outcome, PurchaseOutcome::invalid) << q;
  }
  EXPECT_EQ(stock(), 100);
  EXPECT_EQ(buy(request("k99", "u1", 99)).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, PurchaseOfAnUnknownProductIsInvalid) {
  auto r = buy(request("k1", "u1", 1, "ghost"));
  EXPECT_EQ(r.outcome, PurchaseOutcome::invalid);
  EXPECT_NE(r.message.find("ghost"), std::string::npos);
}

TEST_F(ShopTest, PurchaseOfARemovedProductIsInvalid) {
  ASSERT_TRUE(shop_.remove_product("rice-5kg", kNow).ok());
  EXPECT_EQ(buy(request("k1")).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, PurchaseInAClosedRoomIsRoomClosed) {
  EXPECT_EQ(buy(request("k1"), kNow, false).outcome, PurchaseOutcome::room_closed);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, PurchaseWithNoStockIsSoldOut) {
  ASSERT_TRUE(shop_.set_stock("rice-5kg", 0, kNow).ok());
  EXPECT_EQ(buy(request("k1")).outcome, PurchaseOutcome::sold_out);
}

TEST_F(ShopTest, PurchaseOfMoreThanTheStockSaysHowManyAreLeft) {
  ASSERT_TRUE(shop_.set_stock("rice-5kg", 2, kNow).ok());
  auto r = buy(request("k1", "u1", 3));
  EXPECT_EQ(r.outcome, PurchaseOutcome::sold_out);
  EXPECT_NE(r.message.find("only 2 left"), std::string::npos) << r.message;
  EXPECT_EQ(stock(), 2);
  EXPECT_EQ(buy(request("k2", "u1", 2)).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(stock(), 0);
}

TEST_F(ShopTest, PerViewerProductLimitIsLimitReached) {
  Product p = rice();
  p.limit_per_viewer = 2;
  ASSERT_TRUE(shop_.put_product(p, kNow).ok());
  EXPECT_EQ(buy(request("k1", "u1", 2)).outcome, PurchaseOutcome::ok);
  auto r = buy(request("k2", "u1", 1));
  EXPECT_EQ(r.outcome, PurchaseOutcome::limit_reached);
  EXPECT_EQ(buy(request("k3", "u2", 2)).outcome, PurchaseOutcome::ok);  // per viewer
}

TEST_F(ShopTest, CancellationGivesThePerViewerLimitBack) {
  Product p = rice();
  p.limit_per_viewer = 1;
  ASSERT_TRUE(shop_.put_product(p, kNow).ok());
  auto first = buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(buy(request("k2")).outcome, PurchaseOutcome::limit_reached);
  ASSERT_TRUE(shop_.set_order_status(first.order->id, OrderStatus::cancelled, kNow).ok());
  EXPECT_EQ(buy(request("k3")).outcome, PurchaseOutcome::ok);
}

// ---- idempotency ----

TEST_F(ShopTest, SameKeyReplaysTheSameOrderWithoutTakingStockAgain) {
  auto first = buy(request("k1", "u1", 2));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  auto again = buy(request("k1", "u1", 2), kNow + kMinute);
  ASSERT_EQ(again.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(again.replayed);
  ASSERT_TRUE(again.order);
  EXPECT_EQ(again.order->id, first.order->id);
  EXPECT_EQ(again.order->created_at_ms, kNow);
  EXPECT_EQ(stock(), 98);
  EXPECT_EQ(shop_.orders({}).size(), 1u);
}

TEST_F(ShopTest, SameKeyReplaysEvenAfterTheRoomClosed) {
  auto first = buy(request("k1"));
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  auto again = buy(request("k1"), kNow, false);
  EXPECT_EQ(again.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(again.replayed);
}

TEST_F(ShopTest, SameKeyWithADifferentSkuIsConflict) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  auto r = buy(request("k1", "u1", 1, "oil"));
  EXPECT_EQ(r.outcome, PurchaseOutcome::conflict);
  EXPECT_EQ(stock("oil"), 100);
}

TEST_F(ShopTest, SameKeyWithADifferentQuantityIsConflict) {
  ASSERT_EQ(buy(request("k1", "u1", 1)).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(buy(request("k1", "u1", 2)).outcome, PurchaseOutcome::conflict);
  EXPECT_EQ(stock(), 99);
}

TEST_F(ShopTest, SameKeyByAnotherViewerIsASeparateOrder) {
  auto a = buy(request("k1", "u1"));
  auto b = buy(request("k1", "u2"));
  ASSERT_EQ(a.outcome, PurchaseOutcome::ok);
  ASSERT_EQ(b.outcome, PurchaseOutcome::ok);
  EXPECT_FALSE(b.replayed);
  EXPECT_NE(a.order->id, b.order->id);
  EXPECT_EQ(stock(), 98);
}

TEST_F(ShopTest, MissingKeyIsInvalid) {
  EXPECT_EQ(buy(request("")).outcome, PurchaseOutcome::invalid);
}

TEST_F(ShopTest, KeyOf256CharactersIsInvalidAnd255IsAccepted) {
  EXPECT_EQ(buy(request(std::string(256, 'k'))).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(buy(request(std::string(255, 'k'))).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, KeyWithSpacesIsInvalid) {
  EXPECT_EQ(buy(request("my key")).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(buy(request("key\x7f")).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, ExpectedPriceMismatchIsInvalidAndChangesNothing) {
  auto r = request("k1");
  r.expected_unit_price_cents = 4990;
  auto result = buy(r);
  EXPECT_EQ(result.outcome, PurchaseOutcome::invalid);
  EXPECT_NE(result.message.find("¥59.90"), std::string::npos) << result.message;
  EXPECT_EQ(stock(), 100);
  EXPECT_TRUE(shop_.orders({}).empty());
  EXPECT_TRUE(shop_.take_changes().empty());
  // The key was not spent: the viewer may retry with it at the right price.
  r.expected_unit_price_cents = 5990;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::ok);
}

// ---- flash sales ----

TEST_F(ShopTest, SaleStartIsRefusedAbovetheProductPrice) {
  EXPECT_EQ(shop_.start_sale(sale(5991), kNow).error.code, Errc::invalid);
  EXPECT_EQ(shop_.start_sale(sale(0), kNow).error.code, Errc::invalid);
}

TEST_F(ShopTest, SaleStartIsRefusedForMoreThanTheStock) {
  EXPECT_EQ(shop_.start_sale(sale(3990, 101), kNow).error.code, Errc::invalid);
  EXPECT_EQ(shop_.start_sale(sale(3990, 0), kNow).error.code, Errc::invalid);
}

TEST_F(ShopTest, SaleStartIsRefusedWhenItEndsBeforeItStarts) {
  EXPECT_EQ(shop_.start_sale(sale(3990, 10, kNow + kHour, kNow + kMinute), kNow).error.code,
            Errc::invalid);
  EXPECT_EQ(shop_.start_sale(sale(3990, 10, kNow - 2 * kHour, kNow - kHour), kNow).error.code,
            Errc::invalid);
}

TEST_F(ShopTest, SaleStartIsRefusedOver24Hours) {
  EXPECT_EQ(shop_.start_sale(sale(3990, 10, kNow, kNow + 24 * kHour + 1), kNow).error.code,
            Errc::invalid);
  EXPECT_TRUE(shop_.start_sale(sale(3990, 10, kNow, kNow + 24 * kHour), kNow).ok());
}

TEST_F(ShopTest, SaleStartOfAnUnknownProductIsNotFound) {
  auto s = sale();
  s.sku = "ghost";
  EXPECT_EQ(shop_.start_sale(s, kNow).error.code, Errc::not_found);
}

TEST_F(ShopTest, SecondSaleOnTheSameSkuIsConflict) {
  start(sale());
  EXPECT_EQ(shop_.start_sale(sale(), kNow).error.code, Errc::conflict);
}

// Regression: a sale whose quota was used up no longer blocked a second sale on the same
// product, and a cancellation then reopened the first, leaving two live sales for one SKU.
TEST_F(ShopTest, SecondSaleWhileASoldOutSaleStillRunsIsConflict) {
  auto id = start(sale(3990, 1));
  auto r = request("k1");
  r.sale_id = id;
  ASSERT_EQ(buy(r).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(shop_.start_sale(sale(2990, 5), kNow + 1).error.code, Errc::conflict);
}

TEST_F(ShopTest, NewSaleMayStartAfterTheLastOneEnded) {
  auto id = start(sale());
  ASSERT_TRUE(shop_.stop_sale(id, kNow + 1).ok());
  auto again = shop_.start_sale(sale(2990, 5, kNow + 2, kNow + kHour), kNow + 2);
  ASSERT_TRUE(again.ok()) << again.error.message;
  EXPECT_NE(again.value->id, id);
}

TEST_F(ShopTest, SaleStartWithNoStartTimeStartsNow) {
  auto s = sale();
  s.starts_at_ms = 0;
  auto r = shop_.start_sale(s, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->starts_at_ms, kNow);
  EXPECT_EQ(r.value->sold, 0);
}

TEST_F(ShopTest, PurchaseBeforeTheSaleStartsIsSaleNotStarted) {
  auto id = start(sale(3990, 10, kNow + kMinute, kNow + kHour));
  auto r = request("k1");
  r.sale_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::sale_not_started);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, PurchaseWhileTheSaleRunsUsesTheSalePrice) {
  auto id = start(sale());
  auto r = buy(request("k1"), kNow + 1);
  ASSERT_EQ(r.outcome, PurchaseOutcome::ok) << r.message;
  EXPECT_EQ(r.order->unit_price_cents, 3990);
  EXPECT_EQ(r.order->total_cents, 3990);
  EXPECT_EQ(r.order->sale_id, id);
  EXPECT_EQ(shop_.sale(id)->sold, 1);
  EXPECT_EQ(stock(), 99);
}

TEST_F(ShopTest, SaleLimitsEachViewerToOneByDefault) {
  auto id = start(sale());
  auto r1 = request("k1");
  r1.sale_id = id;
  ASSERT_EQ(buy(r1).outcome, PurchaseOutcome::ok);
  auto r2 = request("k2");
  r2.sale_id = id;
  EXPECT_EQ(buy(r2).outcome, PurchaseOutcome::limit_reached);
  auto r3 = request("k3", "u1", 2);
  r3.sale_id = id;
  EXPECT_EQ(buy(r3).outcome, PurchaseOutcome::limit_reached);
  auto other = request("k1", "u2");
  other.sale_id = id;
  EXPECT_EQ(buy(other).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, SaleIsSoldOutWhenItsQuantityIsReachedWhileStockRemains) {
  auto id = start(sale(3990, 2));
  for (const char* user : {"u1", "u2"}) {
    auto r = request("k1", user);
    r.sale_id = id;
    ASSERT_EQ(buy(r).outcome, PurchaseOutcome::ok);
  }
  auto r = request("k1", "u3");
  r.sale_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::sold_out);
  EXPECT_EQ(stock(), 98);
  EXPECT_EQ(shop_.sale(id)->sold, 2);
}

TEST_F(ShopTest, SaleOrderOfMoreThanTheSaleRemainderSaysHowManyAreLeft) {
  auto s = sale(3990, 3);
  s.limit_per_viewer = 5;
  auto id = start(s);
  auto r = request("k1", "u1", 4);
  r.sale_id = id;
  auto result = buy(r);
  EXPECT_EQ(result.outcome, PurchaseOutcome::sold_out);
  EXPECT_NE(result.message.find("only 3 left"), std::string::npos) << result.message;
}

TEST_F(ShopTest, PurchaseAfterTheSaleEndTimeIsSaleEnded) {
  auto id = start(sale());
  auto r = request("k1");
  r.sale_id = id;
  EXPECT_EQ(buy(r, kNow + kHour).outcome, PurchaseOutcome::sale_ended);
}

TEST_F(ShopTest, PurchaseNamingAStoppedSaleIsSaleEnded) {
  auto id = start(sale());
  ASSERT_TRUE(shop_.stop_sale(id, kNow + 1).ok());
  EXPECT_TRUE(shop_.sale(id)->stopped);
  auto r = request("k1");
  r.sale_id = id;
  EXPECT_EQ(buy(r, kNow + 2).outcome, PurchaseOutcome::sale_ended);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, PurchaseNamingASaleOfAnotherProductIsInvalid) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  auto id = start(sale());
  auto r = request("k1", "u1", 1, "oil");
  r.sale_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
}

TEST_F(ShopTest, NormalPriceAppliesAgainAfterTheSaleEnded) {
  auto id = start(sale());
  auto after_end = buy(request("k1"), kNow + kHour);
  ASSERT_EQ(after_end.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(after_end.order->unit_price_cents, 5990);
  EXPECT_TRUE(after_end.order->sale_id.empty());
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  // And after a stop, before the end time.
  FlashSale s = sale();
  s.sku = "oil";
  auto oil_sale = start(s);
  ASSERT_TRUE(shop_.stop_sale(oil_sale, kNow + 1).ok());
  auto after_stop = buy(request("k2", "u1", 1, "oil"), kNow + 2);
  ASSERT_EQ(after_stop.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(after_stop.order->unit_price_cents, 5990);
  (void)id;
}

TEST_F(ShopTest, CancelOfASaleOrderGivesTheQuotaBackWhileTheSaleRuns) {
  auto id = start(sale(3990, 1));
  auto r = request("k1");
  r.sale_id = id;
  auto first = buy(r);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  auto other = request("k1", "u2");
  other.sale_id = id;
  EXPECT_EQ(buy(other).outcome, PurchaseOutcome::sold_out);
  ASSERT_TRUE(shop_.set_order_status(first.order->id, OrderStatus::cancelled, kNow + 1).ok());
  EXPECT_EQ(shop_.sale(id)->sold, 0);
  EXPECT_EQ(buy(other, kNow + 2).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, CancelOfASaleOrderAfterTheSaleEndedKeepsItsSoldCount) {
  auto id = start(sale(3990, 5));
  auto r = request("k1");
  r.sale_id = id;
  auto first = buy(r);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  ASSERT_TRUE(shop_.set_order_status(first.order->id, OrderStatus::cancelled, kNow + kHour).ok());
  EXPECT_EQ(shop_.sale(id)->sold, 1);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, ExpectedPriceIsCheckedAgainstTheSalePrice) {
  start(sale());
  auto r = request("k1");
  r.expected_unit_price_cents = 5990;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
  r.expected_unit_price_cents = 3990;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, ShelfListsSalesThatAreNotOver) {
  auto id = start(sale());
  EXPECT_EQ(shop_.shelf(kNow).sales.size(), 1u);
  EXPECT_TRUE(shop_.shelf(kNow + kHour).sales.empty());
  ASSERT_TRUE(shop_.stop_sale(id, kNow).ok());
  EXPECT_TRUE(shop_.shelf(kNow).sales.empty());
}

// ---- coupons ----

TEST_F(ShopTest, CouponCreateValidatesItsFields) {
  auto bad = [&](Coupon c) { return shop_.create_coupon(c, kNow).error.code; };
  Coupon c = coupon();
  c.title.clear();
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon(0);
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon(-5);
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon(500, -1);
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon();
  c.quantity = -1;
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon();
  c.expires_at_ms = kNow;
  EXPECT_EQ(bad(c), Errc::invalid);
  c = coupon();
  c.title = std::string(31, 't');
  EXPECT_EQ(bad(c), Errc::invalid);
  EXPECT_TRUE(shop_.shelf(kNow).coupons.empty());
}

TEST_F(ShopTest, SecondActiveWelcomeCouponIsConflict) {
  auto first = create(coupon(500, 0, CouponKind::welcome));
  EXPECT_EQ(shop_.create_coupon(coupon(300, 0, CouponKind::welcome), kNow).error.code,
            Errc::conflict);
  EXPECT_TRUE(shop_.create_coupon(coupon(300), kNow).ok());  // room coupons are not limited
  ASSERT_TRUE(shop_.withdraw_coupon(first).ok());
  EXPECT_TRUE(shop_.create_coupon(coupon(300, 0, CouponKind::welcome), kNow).ok());
}

TEST_F(ShopTest, ClaimingTwiceReturnsTheFirstClaim) {
  auto id = create(coupon());
  auto first = shop_.claim_coupon(id, "u1", kNow);
  ASSERT_TRUE(first.ok());
  auto second = shop_.claim_coupon(id, "u1", kNow + kMinute);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value->claimed_at_ms, kNow);
  EXPECT_EQ(shop_.coupon(id)->claimed, 1);
}

TEST_F(ShopTest, ClaimWhenEveryCouponIsClaimedIsConflict) {
  Coupon c = coupon();
  c.quantity = 1;
  auto id = create(c);
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  EXPECT_EQ(shop_.claim_coupon(id, "u2", kNow).error.code, Errc::conflict);
  EXPECT_TRUE(shop_.shelf(kNow).coupons.empty());
}

TEST_F(ShopTest, ClaimOfAnUnknownCouponIsNotFound) {
  EXPECT_EQ(shop_.claim_coupon("cp9", "u1", kNow).error.code, Errc::not_found);
}

TEST_F(ShopTest, ClaimOfAWithdrawnCouponIsInvalid) {
  auto id = create(coupon());
  ASSERT_TRUE(shop_.withdraw_coupon(id).ok());
  EXPECT_EQ(shop_.claim_coupon(id, "u1", kNow).error.code, Errc::invalid);
}

TEST_F(ShopTest, WelcomeCouponIsRefusedToAViewerWhoAlreadyBought) {
  auto id = create(coupon(500, 0, CouponKind::welcome));
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  EXPECT_EQ(shop_.claim_coupon(id, "u1", kNow).error.code, Errc::invalid);
  EXPECT_TRUE(shop_.claim_coupon(id, "u2", kNow).ok());
}

// Regression: a welcome coupon claimed before a first order could be used on a later one.
TEST_F(ShopTest, WelcomeCouponIsRefusedAtUseForAViewerWhoBoughtSinceClaiming) {
  auto id = create(coupon(500, 0, CouponKind::welcome));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  auto r = request("k2");
  r.coupon_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(shop_.claim(id, "u1")->used_by_order, 0);
}

TEST_F(ShopTest, WelcomeCouponWorksOnTheFirstOrder) {
  auto id = create(coupon(500, 0, CouponKind::welcome));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1");
  r.coupon_id = id;
  auto result = buy(r);
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok) << result.message;
  EXPECT_EQ(result.order->discount_cents, 500);
}

TEST_F(ShopTest, WelcomeCouponRestoredByCancellingTheFirstOrderIsUsableAgain) {
  auto id = create(coupon(500, 0, CouponKind::welcome));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1");
  r.coupon_id = id;
  auto first = buy(r);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  ASSERT_TRUE(shop_.set_order_status(first.order->id, OrderStatus::cancelled, kNow).ok());
  r.idempotency_key = "k2";
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, CouponMustBeClaimedBeforeUse) {
  auto id = create(coupon());
  auto r = request("k1");
  r.coupon_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, CouponBelowItsMinimumSpendIsInvalid) {
  auto id = create(coupon(500, 10000));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1", "u1", 1);
  r.coupon_id = id;
  auto result = buy(r);
  EXPECT_EQ(result.outcome, PurchaseOutcome::invalid);
  EXPECT_NE(result.message.find("¥100.00"), std::string::npos) << result.message;
  auto two = request("k2", "u1", 2);
  two.coupon_id = id;
  EXPECT_EQ(buy(two).outcome, PurchaseOutcome::ok);
}

TEST_F(ShopTest, CouponIsUsedOnce) {
  auto id = create(coupon());
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r1 = request("k1");
  r1.coupon_id = id;
  auto first = buy(r1);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(shop_.claim(id, "u1")->used_by_order, first.order->id);
  auto r2 = request("k2");
  r2.coupon_id = id;
  EXPECT_EQ(buy(r2).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(stock(), 99);
}

TEST_F(ShopTest, CouponDoesNotApplyToAFlashSalePrice) {
  auto id = create(coupon());
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  start(sale());
  auto r = request("k1");
  r.coupon_id = id;
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(shop_.claim(id, "u1")->used_by_order, 0);
}

TEST_F(ShopTest, CancellationRestoresTheCoupon) {
  auto id = create(coupon());
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1");
  r.coupon_id = id;
  auto first = buy(r);
  ASSERT_EQ(first.outcome, PurchaseOutcome::ok);
  ASSERT_TRUE(shop_.set_order_status(first.order->id, OrderStatus::cancelled, kNow).ok());
  EXPECT_EQ(shop_.claim(id, "u1")->used_by_order, 0);
  auto again = request("k2");
  again.coupon_id = id;
  auto second = buy(again);
  ASSERT_EQ(second.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(second.order->discount_cents, 500);
}

TEST_F(ShopTest, ExpiredCouponIsInvalid) {
  Coupon c = coupon();
  c.expires_at_ms = kNow + kMinute;
  auto id = create(c);
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1");
  r.coupon_id = id;
  EXPECT_EQ(buy(r, kNow + kMinute).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(shop_.claim_coupon(id, "u2", kNow + kMinute).error.code, Errc::invalid);
}

TEST_F(ShopTest, DiscountIsNeverMoreThanTheSubtotal) {
  auto id = create(coupon(10000));
  ASSERT_TRUE(shop_.claim_coupon(id, "u1", kNow).ok());
  auto r = request("k1");
  r.coupon_id = id;
  auto result = buy(r);
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(result.order->discount_cents, 5990);
  EXPECT_EQ(result.order->total_cents, 0);
}

// ---- pickup points ----

PickupPoint point(std::string id, double lat, double lng) {
  return PickupPoint{std::move(id), "自提点", "某路 1 号", lat, lng};
}

TEST_F(ShopTest, PurchaseUsesTheChosenPickupPoint) {
  ASSERT_TRUE(shop_.put_pickup_point(point("bj", 39.9042, 116.4074)).ok());
  ASSERT_TRUE(shop_.put_pickup_point(point("sh", 31.2304, 121.4737)).ok());
  auto r = request("k1");
  r.pickup_point_id = "sh";
  auto result = buy(r);
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(result.order->pickup_point_id, "sh");
}

TEST_F(ShopTest, PurchaseWithAnUnknownPickupPointIsInvalid) {
  ASSERT_TRUE(shop_.put_pickup_point(point("bj", 39.9042, 116.4074)).ok());
  auto r = request("k1");
  r.pickup_point_id = "gz";
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, PurchaseWithALocationUsesTheNearestPickupPoint) {
  ASSERT_TRUE(shop_.put_pickup_point(point("bj", 39.9042, 116.4074)).ok());
  ASSERT_TRUE(shop_.put_pickup_point(point("sh", 31.2304, 121.4737)).ok());
  auto near_shanghai = request("k1");
  near_shanghai.location = Location{31.2, 121.5};
  EXPECT_EQ(buy(near_shanghai).order->pickup_point_id, "sh");
  auto near_beijing = request("k2");
  near_beijing.location = Location{39.95, 116.3};
  EXPECT_EQ(buy(near_beijing).order->pickup_point_id, "bj");
}

TEST_F(ShopTest, PurchaseWithoutALocationUsesTheFirstPickupPoint) {
  ASSERT_TRUE(shop_.put_pickup_point(point("sh", 31.2304, 121.4737)).ok());
  ASSERT_TRUE(shop_.put_pickup_point(point("bj", 39.9042, 116.4074)).ok());
  auto result = buy(request("k1"));
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok);
  EXPECT_EQ(result.order->pickup_point_id, "bj");  // first by id
}

TEST_F(ShopTest, PurchaseWithNoPickupPointsHasNone) {
  auto r = request("k1");
  r.location = Location{31.2, 121.5};
  auto result = buy(r);
  ASSERT_EQ(result.outcome, PurchaseOutcome::ok);
  EXPECT_TRUE(result.order->pickup_point_id.empty());
}

TEST_F(ShopTest, PickupPointWithABadLatitudeIsInvalid) {
  EXPECT_EQ(shop_.put_pickup_point(point("x", 91, 0)).error.code, Errc::invalid);
  EXPECT_EQ(shop_.put_pickup_point(point("x", 0, std::nan(""))).error.code, Errc::invalid);
}

TEST_F(ShopTest, PickupPointWithoutAnIdGetsOne) {
  auto r = shop_.put_pickup_point(point("", 31.2, 121.4));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->id, "pp1");
  ASSERT_TRUE(shop_.remove_pickup_point("pp1").ok());
  EXPECT_EQ(shop_.pickup_point("pp1"), nullptr);
  EXPECT_TRUE(shop_.take_changes().pickup_points.contains("pp1"));
}

TEST_F(ShopTest, PurchaseWithAnOutOfRangeLocationIsInvalid) {
  auto r = request("k1");
  r.location = Location{120, 0};
  EXPECT_EQ(buy(r).outcome, PurchaseOutcome::invalid);
}

// ---- order status ----

TEST_F(ShopTest, OrderMovesFromPaidToPackedToReadyToCollected) {
  auto id = buy(request("k1")).order->id;
  for (auto s : {OrderStatus::packed, OrderStatus::ready, OrderStatus::collected}) {
    auto r = shop_.set_order_status(id, s, kNow + 1);
    ASSERT_TRUE(r.ok()) << to_string(s) << ": " << r.error.message;
    EXPECT_EQ(r.value->status, s);
    EXPECT_EQ(r.value->updated_at_ms, kNow + 1);
  }
  EXPECT_EQ(stock(), 99);
}

TEST_F(ShopTest, OrderCannotSkipAStatus) {
  auto id = buy(request("k1")).order->id;
  EXPECT_EQ(shop_.set_order_status(id, OrderStatus::ready, kNow).error.code, Errc::conflict);
  EXPECT_EQ(shop_.set_order_status(id, OrderStatus::collected, kNow).error.code, Errc::conflict);
  EXPECT_EQ(shop_.order(id)->status, OrderStatus::paid);
}

TEST_F(ShopTest, OrderCanBeCancelledFromPaidPackedOrReady) {
  std::vector<std::vector<OrderStatus>> paths{
      {}, {OrderStatus::packed}, {OrderStatus::packed, OrderStatus::ready}};
  int n = 0;
  for (const auto& path : paths) {
    auto id = buy(request("k" + std::to_string(++n))).order->id;
    for (auto s : path) ASSERT_TRUE(shop_.set_order_status(id, s, kNow).ok());
    auto r = shop_.set_order_status(id, OrderStatus::cancelled, kNow);
    ASSERT_TRUE(r.ok()) << r.error.message;
    EXPECT_EQ(r.value->status, OrderStatus::cancelled);
  }
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, CollectedOrderCannotBeCancelled) {
  auto id = buy(request("k1")).order->id;
  for (auto s : {OrderStatus::packed, OrderStatus::ready, OrderStatus::collected})
    ASSERT_TRUE(shop_.set_order_status(id, s, kNow).ok());
  EXPECT_EQ(shop_.set_order_status(id, OrderStatus::cancelled, kNow).error.code, Errc::conflict);
  EXPECT_EQ(stock(), 99);
}

TEST_F(ShopTest, CancelReturnsTheStock) {
  auto id = buy(request("k1", "u1", 5)).order->id;
  EXPECT_EQ(stock(), 95);
  ASSERT_TRUE(shop_.set_order_status(id, OrderStatus::cancelled, kNow).ok());
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, CancellingTwiceReturnsTheStockOnce) {
  auto id = buy(request("k1", "u1", 5)).order->id;
  ASSERT_TRUE(shop_.set_order_status(id, OrderStatus::cancelled, kNow).ok());
  EXPECT_TRUE(shop_.set_order_status(id, OrderStatus::cancelled, kNow).ok());
  EXPECT_EQ(stock(), 100);
}

TEST_F(ShopTest, StatusOfAnUnknownOrderIsNotFound) {
  EXPECT_EQ(shop_.set_order_status(42, OrderStatus::packed, kNow).error.code, Errc::not_found);
}

// ---- orders query ----

TEST_F(ShopTest, OrdersArePagedNewestFirstByBeforeId) {
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(buy(request("k" + std::to_string(i))).outcome, PurchaseOutcome::ok);
  OrderQuery q;
  q.limit = 2;
  auto page1 = shop_.orders(q);
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0].id, 5);
  EXPECT_EQ(page1[1].id, 4);
  q.before_id = page1.back().id;
  auto page2 = shop_.orders(q);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, 3);
  EXPECT_EQ(page2[1].id, 2);
  q.before_id = page2.back().id;
  auto page3 = shop_.orders(q);
  ASSERT_EQ(page3.size(), 1u);
  EXPECT_EQ(page3[0].id, 1);
  q.before_id = 1;
  EXPECT_TRUE(shop_.orders(q).empty());
}

TEST_F(ShopTest, OrdersFilterBySkuStatusAndUser) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  auto a = buy(request("k1", "u1")).order->id;
  auto b = buy(request("k2", "u2", 1, "oil")).order->id;
  auto c = buy(request("k3", "u2")).order->id;
  ASSERT_TRUE(shop_.set_order_status(c, OrderStatus::packed, kNow).ok());

  OrderQuery by_sku;
  by_sku.sku = "oil";
  auto oil = shop_.orders(by_sku);
  ASSERT_EQ(oil.size(), 1u);
  EXPECT_EQ(oil[0].id, b);

  OrderQuery by_status;
  by_status.status = OrderStatus::packed;
  auto packed = shop_.orders(by_status);
  ASSERT_EQ(packed.size(), 1u);
  EXPECT_EQ(packed[0].id, c);

  OrderQuery by_user;
  by_user.user_id = "u1";
  auto mine = shop_.orders(by_user);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].id, a);

  OrderQuery both;
  both.user_id = "u2";
  both.sku = "rice-5kg";
  auto u2_rice = shop_.orders(both);
  ASSERT_EQ(u2_rice.size(), 1u);
  EXPECT_EQ(u2_rice[0].id, c);
}

TEST_F(ShopTest, OrdersLimitCountsMatchesNotScannedOrders) {
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  buy(request("k1", "u1"));
  buy(request("k2", "u1", 1, "oil"));
  buy(request("k3", "u1", 1, "oil"));
  OrderQuery q;
  q.sku = "rice-5kg";
  q.limit = 1;
  auto r = shop_.orders(q);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].id, 1);
}

// ---- changes ----

TEST_F(ShopTest, TakeChangesAfterAPurchaseNamesTheProductSaleClaimAndOrder) {
  auto sale_id = start(sale());
  auto coupon_id = create(coupon());
  ASSERT_TRUE(shop_.claim_coupon(coupon_id, "u2", kNow).ok());
  ASSERT_TRUE(shop_.put_product(rice("oil"), kNow).ok());
  (void)shop_.take_changes();

  auto r1 = request("k1");
  r1.sale_id = sale_id;
  auto sale_order = buy(r1);
  ASSERT_EQ(sale_order.outcome, PurchaseOutcome::ok);
  auto r2 = request("k1", "u2", 1, "oil");
  r2.coupon_id = coupon_id;
  auto coupon_order = buy(r2);
  ASSERT_EQ(coupon_order.outcome, PurchaseOutcome::ok);

  auto c = shop_.take_changes();
  EXPECT_EQ(c.products, (std::set<std::string>{"oil", "rice-5kg"}));
  EXPECT_EQ(c.sales, std::set<std::string>{sale_id});
  EXPECT_EQ(c.claims, (std::set<std::pair<std::string, std::string>>{{coupon_id, "u2"}}));
  EXPECT_EQ(c.orders, (std::set<std::int64_t>{sale_order.order->id, coupon_order.order->id}));
  EXPECT_EQ(c.new_orders,
            (std::vector<std::int64_t>{sale_order.order->id, coupon_order.order->id}));
  EXPECT_FALSE(c.settings);
  EXPECT_FALSE(c.pin);
  EXPECT_TRUE(shop_.take_changes().empty());
}

TEST_F(ShopTest, ReplayAndRefusalsRecordNoChanges) {
  ASSERT_EQ(buy(request("k1")).outcome, PurchaseOutcome::ok);
  (void)shop_.take_changes();
  EXPECT_TRUE(buy(request("k1")).replayed);
  EXPECT_EQ(buy(request("k2"), kNow, false).outcome, PurchaseOutcome::room_closed);
  EXPECT_TRUE(shop_.take_changes().empty());
}

// ---- loading ----

TEST(ShopLoadTest, LoadedOrdersKeepKeysLimitsAndBuyers) {
  Shop shop("r1");
  Product p = rice();
  p.limit_per_viewer = 1;
  shop.load(p);
  Order o;
  o.id = 7;
  o.room = "r1";
  o.user_id = "u1";
  o.sku = p.sku;
  o.quantity = 1;
  o.unit_price_cents = p.price_cents;
  o.total_cents = p.price_cents;
  o.idempotency_key = "k1";
  shop.load(o);
  shop.load_settings({}, p.sku, "");
  EXPECT_EQ(shop.shelf_order(), std::vector<std::string>{p.sku});
  EXPECT_EQ(shop.pinned(), p.sku);
  EXPECT_TRUE(shop.take_changes().empty());

  PurchaseRequest r;
  r.room = "r1";
  r.user_id = "u1";
  r.idempotency_key = "k1";
  r.sku = p.sku;
  auto replay = shop.purchase(r, 8, kNow);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.order->id, 7);
  r.idempotency_key = "k2";
  EXPECT_EQ(shop.purchase(r, 8, kNow).outcome, PurchaseOutcome::limit_reached);
}

}  // namespace
}  // namespace commerce
