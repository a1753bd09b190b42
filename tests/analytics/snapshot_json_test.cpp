#include "analytics/snapshot_json.hpp"

#include <gtest/gtest.h>

namespace analytics {
namespace {

TEST(SnapshotJsonTest, FunnelRatesAreNullWhereThereIsNothingToDivideBy) {
  Snapshot s;
  s.windows[static_cast<std::size_t>(Window::broadcast)].funnel = {4, 2, 0, 0, 0};
  auto j = to_json("r", s, {});
  const auto& all = j.at("windows").at("broadcast").at("funnel").as_array();
  EXPECT_TRUE(all[0].at("rate").is_null());
  EXPECT_EQ(all[1].at("rate").as_double(), 0.5);
  EXPECT_EQ(all[2].at("rate").as_double(), 0.0) << "two saw a product, none clicked: 0 %";
  EXPECT_TRUE(all[3].at("rate").is_null()) << "no one clicked: no rate";
  const auto& empty = j.at("windows").at("last_minute").at("funnel").as_array();
  EXPECT_TRUE(empty[0].at("of_entered").is_null());
  EXPECT_TRUE(empty[1].at("rate").is_null());
}

TEST(SnapshotJsonTest, MoneyStaysIntegerCentsAndProductsCarryEveryWindow) {
  Snapshot s;
  ProductReport p;
  p.sku = "soy";
  p.title = "低钠酱油";
  p.price_cents = 1990;
  p.counts[static_cast<std::size_t>(Window::broadcast)] = {10, 5, 2, 3980};
  s.products.push_back(p);
  s.windows[static_cast<std::size_t>(Window::broadcast)].gmv_cents = 3980;
  auto j = to_json("r", s, {});
  EXPECT_TRUE(j.at("windows").at("broadcast").at("gmv_cents").is_int64());
  const auto& soy = j.at("products").as_array()[0];
  for (const char* w : {"last_minute", "last_5_minutes", "broadcast"}) EXPECT_TRUE(soy.as_object().contains(w)) << w;
  EXPECT_EQ(soy.at("broadcast").at("ctr").as_double(), 0.5);
  EXPECT_EQ(soy.at("broadcast").at("cvr").as_double(), 0.4);
  EXPECT_EQ(soy.at("broadcast").at("gmv_cents").as_int64(), 3980);
  EXPECT_TRUE(j.at("pinned_sku").is_null());
}

}  // namespace
}  // namespace analytics
