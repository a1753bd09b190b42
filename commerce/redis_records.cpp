#include "commerce/redis_records.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <stdexcept>
#include <type_traits>

#include "commerce/codec.hpp"

namespace commerce::detail {
namespace json = boost::json;

template <class T>
T decode(const std::string& body) {
  T out{};
  auto v = json::parse(body);
  if (auto e = from_json(v.as_object(), out); !e.empty())
    throw std::runtime_error("stored record: " + e);
  return out;
}

template Product decode<Product>(const std::string&);
template FlashSale decode<FlashSale>(const std::string&);
template Coupon decode<Coupon>(const std::string&);
template CouponClaim decode<CouponClaim>(const std::string&);
template PickupPoint decode<PickupPoint>(const std::string&);
template Order decode<Order>(const std::string&);

std::int64_t to_int(const std::string& s) {
  std::int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::map<std::string, std::string> hash_of(const redis::Reply& r) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2)
    out[r.elements[i].str] = r.elements[i + 1].str;
  return out;
}

std::map<std::string, std::int64_t> counters_of(const redis::Reply& r) {
  std::map<std::string, std::int64_t> out;
  for (const auto& [k, v] : hash_of(r)) out[k] = to_int(v);
  return out;
}

std::string encode(const Product& p) { return json::serialize(to_json(p)); }

std::string encode_order(const Order& o, bool placeholder_id) {
  auto obj = to_json(o);
  obj.erase("number");
  std::string text = json::serialize(obj);
  const std::string zero = "{\"id\":0,";
  if (placeholder_id && text.starts_with(zero)) text = "{\"id\":#ID#," + text.substr(zero.size());
  return text;
}

std::string claim_field(const std::string& coupon_id, const std::string& user_id) {
  return coupon_id + '\n' + user_id;
}

std::string notice(const std::string& node, const ShopChanges& c, bool new_order) {
  auto list = [](const auto& items) {
    json::array a;
    for (const auto& i : items) {
      if constexpr (std::is_integral_v<std::decay_t<decltype(i)>>)
        a.emplace_back(std::to_string(i));
      else
        a.emplace_back(i);
    }
    return a;
  };
  json::array fresh;
  if (new_order) fresh.emplace_back("#ID#");
  json::array changed = list(c.orders);
  return json::serialize(json::object{{"node", node},
                                      {"p", list(c.products)},
                                      {"s", list(c.sales)},
                                      {"c", list(c.coupons)},
                                      {"pp", list(c.pickup_points)},
                                      {"n", fresh},
                                      {"o", changed},
                                      {"pin", c.pin},
                                      {"shelf", c.settings}});
}

}  // namespace commerce::detail
