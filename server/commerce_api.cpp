#include "server/commerce_api.hpp"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "commerce/codec.hpp"
#include "server/routing.hpp"

namespace server {
namespace json = boost::json;
using chat::Role;
using commerce::Errc;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::pair<http::status, std::string_view> error_of(Errc code) {
  switch (code) {
    case Errc::not_found: return {http::status::not_found, "not_found"};
    case Errc::conflict: return {http::status::conflict, "conflict"};
    case Errc::unavailable: return {http::status::service_unavailable, "unavailable"};
    default: return {http::status::bad_request, "invalid"};
  }
}

http::status status_of(commerce::PurchaseOutcome o, bool replayed) {
  using O = commerce::PurchaseOutcome;
  switch (o) {
    case O::ok: return replayed ? http::status::ok : http::status::created;
    case O::sold_out:
    case O::limit_reached:
    case O::sale_not_started:
    case O::sale_ended:
    case O::conflict: return http::status::conflict;
    case O::room_closed: return http::status::gone;
    case O::unavailable: return http::status::service_unavailable;
    case O::invalid: break;
  }
  return http::status::bad_request;
}

// Completes a store call: `to_body(value)` with `ok` on success, the error envelope otherwise.
template <class T, class F>
commerce::Store::Done<T> answer(const Request& req, const Respond& respond, http::status ok, F to_body) {
  return [version = req.version(), keep_alive = req.keep_alive(), respond, ok, to_body](commerce::Result<T> res) {
    if (res.ok()) return respond(json_response(version, keep_alive, ok, json::serialize(to_body(*res.value))));
    auto [status, code] = error_of(res.error.code);
    respond(error_response(version, keep_alive, status, code, res.error.message));
  };
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

json::object ws_frame(std::string_view type, std::string_view ref, json::object fields) {
  json::object o{{"type", type}};
  if (!ref.empty()) o["ref"] = ref;
  for (auto& [k, v] : fields) o[k] = std::move(v);
  return o;
}

}  // namespace

CommerceApi::CommerceApi(const RoomDirectory& rooms, const Access& access, commerce::Store& store)
    : rooms_(rooms), access_(access), store_(store) {
  using V = http::verb;
  const std::string r = "api", rm = "rooms", id = ":";
  routes_ = {
      {V::get, {r, rm, id, "shelf"}, &CommerceApi::shelf},
      {V::put, {r, rm, id, "shelf", "order"}, &CommerceApi::shelf_order},
      {V::get, {r, rm, id, "products"}, &CommerceApi::list_products},
      {V::post, {r, rm, id, "products"}, &CommerceApi::create_product},
      {V::patch, {r, rm, id, "products", id}, &CommerceApi::update_product},
      {V::delete_, {r, rm, id, "products", id}, &CommerceApi::remove_product},
      {V::put, {r, rm, id, "pin"}, &CommerceApi::pin},
      {V::delete_, {r, rm, id, "pin"}, &CommerceApi::unpin},
      {V::get, {r, rm, id, "flash-sales"}, &CommerceApi::list_sales},
      {V::post, {r, rm, id, "flash-sales"}, &CommerceApi::start_sale},
      {V::post, {r, rm, id, "flash-sales", id, "stop"}, &CommerceApi::stop_sale},
      {V::get, {r, rm, id, "coupons"}, &CommerceApi::list_coupons},
      {V::post, {r, rm, id, "coupons"}, &CommerceApi::create_coupon},
      {V::get, {r, rm, id, "coupons", id, "claims"}, &CommerceApi::coupon_claims},
      {V::post, {r, rm, id, "coupons", id, "withdraw"}, &CommerceApi::withdraw_coupon},
      {V::post, {r, rm, id, "coupons", id, "claim"}, &CommerceApi::claim_coupon},
      {V::post, {r, rm, id, "pickup-points"}, &CommerceApi::add_pickup_point},
      {V::delete_, {r, rm, id, "pickup-points", id}, &CommerceApi::remove_pickup_point},
      {V::get, {r, rm, id, "webhook"}, &CommerceApi::get_webhook},
      {V::put, {r, rm, id, "webhook"}, &CommerceApi::set_webhook},
      {V::post, {r, rm, id, "orders"}, &CommerceApi::buy},
      {V::get, {r, rm, id, "orders"}, &CommerceApi::list_orders},
      {V::get, {r, rm, id, "orders", id}, &CommerceApi::get_order},
      {V::post, {r, rm, id, "orders", id, "status"}, &CommerceApi::set_order_status},
  };
}

bool CommerceApi::handle(const Request& req, const Target& target, const Respond& respond) const {
  bool path_known = false;
  std::vector<std::string> params;
  for (const auto& route : routes_) {
    if (!match_route(route.pattern, target.segments, params)) continue;
    path_known = true;
    bool head_as_get = req.method() == http::verb::head && route.method == http::verb::get;
    if (route.method != req.method() && !head_as_get) continue;
    Call call{req, target, respond, std::move(params)};
    if (!rooms_.view(call.room())) {
      respond(error_response(req, http::status::not_found, "not_found", "no such room"));
      return true;
    }
    (this->*route.handler)(call);
    return true;
  }
  if (path_known)
    respond(error_response(req, http::status::method_not_allowed, "method_not_allowed", "this method is not allowed here"));
  return path_known;
}

std::optional<json::object> CommerceApi::body(const Call& c) const { return json_body(c.req, c.respond); }

std::optional<Principal> CommerceApi::staff(const Call& c, std::initializer_list<Role> roles) const {
  return authorize(access_, c.req, c.respond, c.room(), roles);
}

std::optional<Principal> CommerceApi::member(const Call& c) const {
  return authorize(access_, c.req, c.respond, c.room(), {Role::viewer, Role::operator_, Role::host});
}

void CommerceApi::shelf(Call& c) const {
  store_.shelf(c.room(), answer<commerce::ShelfView>(c.req, c.respond, http::status::ok, [](const commerce::ShelfView& v) {
                 return commerce::to_json(v, now_ms());
               }));
}

// The staff's lists (the host console): what the shelf no longer shows included, each narrowed by
// an optional query parameter whose unknown values are refused.
void CommerceApi::list_products(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  std::optional<bool> on_shelf;
  if (auto it = c.target.query.find("on_shelf"); it != c.target.query.end()) {
    if (it->second != "true" && it->second != "false")
      return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'on_shelf' must be true or false"));
    on_shelf = it->second == "true";
  }
  store_.catalogue(c.room(), answer<commerce::Catalogue>(c.req, c.respond, http::status::ok, [on_shelf](const commerce::Catalogue& cat) {
                     json::array a;
                     for (const auto& p : cat.products)
                       if (!on_shelf || p.on_shelf == *on_shelf) a.push_back(commerce::to_json(p));
                     return json::object{{"products", std::move(a)}};
                   }));
}

void CommerceApi::list_sales(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  std::string state;
  if (auto it = c.target.query.find("state"); it != c.target.query.end()) {
    static const std::vector<std::string_view> known{"scheduled", "running", "sold_out", "ended", "over"};
    if (std::find(known.begin(), known.end(), it->second) == known.end())
      return c.respond(error_response(c.req, http::status::bad_request, "invalid",
                                      "'state' must be scheduled, running, sold_out, ended or over"));
    state = it->second;
  }
  store_.catalogue(c.room(), answer<commerce::Catalogue>(c.req, c.respond, http::status::ok, [state](const commerce::Catalogue& cat) {
                     auto now = now_ms();
                     json::array a;
                     for (const auto& s : cat.sales) {
                       bool wanted = state.empty() || (state == "over" ? s.over(now) : s.state(now) == state);
                       if (wanted) a.push_back(commerce::to_json(s, now));
                     }
                     return json::object{{"flash_sales", std::move(a)}};
                   }));
}

void CommerceApi::list_coupons(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  store_.catalogue(c.room(), answer<commerce::Catalogue>(c.req, c.respond, http::status::ok, [](const commerce::Catalogue& cat) {
                     json::array a;
                     for (const auto& coupon : cat.coupons) a.push_back(commerce::to_json(coupon));
                     return json::object{{"coupons", std::move(a)}};
                   }));
}

void CommerceApi::coupon_claims(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  store_.coupon_claims(c.room(), c.params[1],
                       answer<std::vector<commerce::CouponClaim>>(
                           c.req, c.respond, http::status::ok, [coupon = c.params[1]](const std::vector<commerce::CouponClaim>& list) {
                             json::array a;
                             for (const auto& claim : list) a.push_back(commerce::to_json(claim));
                             return json::object{{"coupon_id", coupon}, {"claims", std::move(a)}};
                           }));
}

void CommerceApi::create_product(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  commerce::Product p;
  if (auto e = commerce::from_json(*b, p); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  auto to_body = [](const commerce::Product& p) { return commerce::to_json(p); };
  store_.put_product(c.room(), std::move(p), answer<commerce::Product>(c.req, c.respond, http::status::created, to_body));
}

void CommerceApi::update_product(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  if (auto* sku = b->if_contains("sku"); sku && !(sku->is_string() && sku->get_string() == c.params[1]))
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'sku' cannot change"));
  // The patch is applied on the store's writer, in the same step as purchases: fields the host
  // left out (the stock above all) keep their current values, not ones read a moment earlier.
  store_.edit_product(c.room(), c.params[1],
                      [patch = std::make_shared<json::object>(std::move(*b))](commerce::Product& p) {
                        return commerce::from_json(*patch, p);
                      },
                      answer<commerce::Product>(c.req, c.respond, http::status::ok,
                                                [](const commerce::Product& p) { return commerce::to_json(p); }));
}

void CommerceApi::remove_product(Call& c) const {
  if (!staff(c, {Role::host})) return;
  store_.remove_product(c.room(), c.params[1], answer<commerce::Product>(c.req, c.respond, http::status::ok, [](const commerce::Product& p) {
                          return commerce::to_json(p);
                        }));
}

void CommerceApi::shelf_order(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  std::vector<std::string> skus;
  auto* list = b->if_contains("skus");
  if (!list || !list->is_array() || list->get_array().size() > commerce::kMaxProductsPerRoom)
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'skus' must be an array of SKUs"));
  for (const auto& v : list->get_array()) {
    if (!v.is_string()) return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'skus' must be an array of SKUs"));
    skus.emplace_back(v.get_string());
  }
  store_.set_shelf_order(c.room(), std::move(skus),
                         answer<std::vector<std::string>>(c.req, c.respond, http::status::ok, [](const std::vector<std::string>& order) {
                           json::array a;
                           for (const auto& s : order) a.emplace_back(s);
                           return json::object{{"skus", std::move(a)}};
                         }));
}

void CommerceApi::pin(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  auto b = body(c);
  if (!b) return;
  auto* sku = b->if_contains("sku");
  if (!sku || !sku->is_string() || sku->get_string().empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'sku' must be a product's SKU"));
  store_.pin(c.room(), std::string(sku->get_string()),
             answer<std::string>(c.req, c.respond, http::status::ok, [](const std::string& s) { return json::object{{"pinned", s}}; }));
}

void CommerceApi::unpin(Call& c) const {
  if (!staff(c, {Role::host, Role::operator_})) return;
  store_.pin(c.room(), "", answer<std::string>(c.req, c.respond, http::status::ok, [](const std::string&) {
               return json::object{{"pinned", nullptr}};
             }));
}

void CommerceApi::start_sale(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  commerce::FlashSale s;
  if (auto e = commerce::from_json(*b, s); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  store_.start_sale(c.room(), std::move(s), answer<commerce::FlashSale>(c.req, c.respond, http::status::created, [](const commerce::FlashSale& s) {
                      return commerce::to_json(s, now_ms());
                    }));
}

void CommerceApi::stop_sale(Call& c) const {
  if (!staff(c, {Role::host})) return;
  store_.stop_sale(c.room(), c.params[1], answer<commerce::FlashSale>(c.req, c.respond, http::status::ok, [](const commerce::FlashSale& s) {
                     return commerce::to_json(s, now_ms());
                   }));
}

void CommerceApi::create_coupon(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  commerce::Coupon cp;
  if (auto e = commerce::from_json(*b, cp); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  store_.create_coupon(c.room(), std::move(cp), answer<commerce::Coupon>(c.req, c.respond, http::status::created, [](const commerce::Coupon& cp) {
                         return commerce::to_json(cp);
                       }));
}

void CommerceApi::withdraw_coupon(Call& c) const {
  if (!staff(c, {Role::host})) return;
  store_.withdraw_coupon(c.room(), c.params[1], answer<commerce::Coupon>(c.req, c.respond, http::status::ok, [](const commerce::Coupon& cp) {
                           return commerce::to_json(cp);
                         }));
}

void CommerceApi::claim_coupon(Call& c) const {
  auto who = member(c);
  if (!who) return;
  store_.claim_coupon(c.room(), c.params[1], who->user_id,
                      answer<commerce::CouponClaim>(c.req, c.respond, http::status::ok, [](const commerce::CouponClaim& cl) {
                        return commerce::to_json(cl);
                      }));
}

void CommerceApi::add_pickup_point(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  commerce::PickupPoint p;
  if (auto e = commerce::from_json(*b, p); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  store_.put_pickup_point(c.room(), std::move(p), answer<commerce::PickupPoint>(c.req, c.respond, http::status::created, [](const commerce::PickupPoint& p) {
                            return commerce::to_json(p);
                          }));
}

void CommerceApi::remove_pickup_point(Call& c) const {
  if (!staff(c, {Role::host})) return;
  store_.remove_pickup_point(c.room(), c.params[1], answer<commerce::PickupPoint>(c.req, c.respond, http::status::ok, [](const commerce::PickupPoint& p) {
                               return commerce::to_json(p);
                             }));
}

void CommerceApi::get_webhook(Call& c) const {
  if (!staff(c, {Role::host})) return;
  store_.webhook(c.room(), answer<std::string>(c.req, c.respond, http::status::ok, [](const std::string& url) {
                   return json::object{{"url", url}};
                 }));
}

void CommerceApi::set_webhook(Call& c) const {
  if (!staff(c, {Role::host})) return;
  auto b = body(c);
  if (!b) return;
  auto* url = b->if_contains("url");
  if (!url || !url->is_string())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'url' must be a string (empty: no webhook)"));
  store_.set_webhook(c.room(), std::string(url->get_string()), answer<std::string>(c.req, c.respond, http::status::ok, [](const std::string& url) {
                       return json::object{{"url", url}};
                     }));
}

void CommerceApi::purchase(commerce::PurchaseRequest r, std::function<void(commerce::PurchaseResult)> done) const {
  auto room = rooms_.view(r.room);
  bool open = room && !room->closed();
  auto notify = on_order_committed;
  store_.purchase(std::move(r), open, [this, done = std::move(done), notify](commerce::PurchaseResult res) {
    purchases_[static_cast<std::size_t>(res.outcome)].fetch_add(1, std::memory_order_relaxed);
    if (res.outcome == commerce::PurchaseOutcome::ok && !res.replayed && notify) notify();
    done(std::move(res));
  });
}

void CommerceApi::buy(Call& c) const {
  auto who = member(c);
  if (!who) return;
  auto b = body(c);
  if (!b) return;
  commerce::PurchaseRequest r;
  if (auto e = commerce::from_json(*b, r); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  if (auto k = c.req.find("Idempotency-Key"); k != c.req.end()) r.idempotency_key = std::string(k->value());
  r.room = c.room();
  r.user_id = who->user_id;
  r.nick = who->nick;
  if (auto e = commerce::validate(r); !e.empty())
    return c.respond(error_response(c.req, http::status::bad_request, "invalid", e));
  purchase(std::move(r), [version = c.req.version(), keep_alive = c.req.keep_alive(), respond = c.respond](commerce::PurchaseResult res) {
    http::status status = status_of(res.outcome, res.replayed);
    if (res.outcome == commerce::PurchaseOutcome::ok)
      return respond(json_response(version, keep_alive, status, json::serialize(commerce::to_json(res))));
    respond(error_response(version, keep_alive, status, commerce::to_string(res.outcome), res.message));
  });
}

void CommerceApi::list_orders(Call& c) const {
  auto who = member(c);
  if (!who) return;
  commerce::OrderQuery q;
  const auto& query = c.target.query;
  if (who->role == Role::viewer) q.user_id = who->user_id;  // a viewer sees only its own orders
  if (auto it = query.find("sku"); it != query.end()) q.sku = it->second;
  if (auto it = query.find("status"); it != query.end()) {
    q.status = commerce::parse_order_status(it->second);
    if (!q.status) return c.respond(error_response(c.req, http::status::bad_request, "invalid", "unknown status"));
  }
  if (auto it = query.find("before"); it != query.end()) {
    auto v = to_int(it->second);
    if (!v || *v < 1) return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'before' must be an order id"));
    q.before_id = *v;
  }
  if (auto it = query.find("limit"); it != query.end()) {
    auto v = to_int(it->second);
    if (!v || *v < 1 || *v > 200) return c.respond(error_response(c.req, http::status::bad_request, "invalid", "'limit' must be 1 to 200"));
    q.limit = static_cast<std::size_t>(*v);
  }
  std::size_t limit = q.limit;
  store_.orders(c.room(), std::move(q), answer<std::vector<commerce::Order>>(c.req, c.respond, http::status::ok, [limit](const std::vector<commerce::Order>& list) {
                  json::array a;
                  for (const auto& o : list) a.push_back(commerce::to_json(o));
                  json::object out{{"orders", std::move(a)}};
                  out["next_before"] = list.size() == limit && !list.empty() ? json::value(list.back().id) : json::value(nullptr);
                  return out;
                }));
}

void CommerceApi::get_order(Call& c) const {
  auto who = member(c);
  if (!who) return;
  auto id = to_int(c.params[1]);
  if (!id) return c.respond(error_response(c.req, http::status::not_found, "not_found", "no such order"));
  bool staff_member = who->role != Role::viewer;
  store_.order(c.room(), *id, [this, room = c.room(), user = who->user_id, staff_member, version = c.req.version(),
                               keep_alive = c.req.keep_alive(), respond = c.respond](commerce::Result<commerce::Order> res) {
    if (!res.ok() || (!staff_member && res.value->user_id != user))
      return respond(error_response(version, keep_alive, http::status::not_found, "not_found", "no such order"));
    json::object o = commerce::to_json(*res.value);
    if (!staff_member) return respond(json_response(version, keep_alive, http::status::ok, json::serialize(o)));
    store_.deliveries(room, res.value->id, [o = std::move(o), version, keep_alive, respond](
                                               commerce::Result<std::vector<commerce::DeliveryAttempt>> d) mutable {
      json::array a;
      if (d.ok())
        for (const auto& at : *d.value) a.push_back(commerce::to_json(at));
      o["deliveries"] = std::move(a);
      respond(json_response(version, keep_alive, http::status::ok, json::serialize(o)));
    });
  });
}

void CommerceApi::set_order_status(Call& c) const {
  auto who = member(c);
  if (!who) return;
  auto b = body(c);
  if (!b) return;
  auto id = to_int(c.params[1]);
  auto* s = b->if_contains("status");
  auto status = s && s->is_string() ? commerce::parse_order_status(s->get_string()) : std::nullopt;
  if (!status)
    return c.respond(error_response(c.req, http::status::bad_request, "invalid",
                                    "'status' must be packed, ready, collected or cancelled"));
  if (!id) return c.respond(error_response(c.req, http::status::not_found, "not_found", "no such order"));
  auto done = answer<commerce::Order>(c.req, c.respond, http::status::ok, [](const commerce::Order& o) { return commerce::to_json(o); });
  if (who->role != Role::viewer) return store_.set_order_status(c.room(), *id, *status, std::move(done));
  // A viewer may only cancel its own order.
  if (*status != commerce::OrderStatus::cancelled)
    return c.respond(error_response(c.req, http::status::forbidden, "forbidden", "a viewer may only cancel its order"));
  store_.order(c.room(), *id, [this, room = c.room(), user = who->user_id, id = *id, done](commerce::Result<commerce::Order> res) {
    if (!res.ok() || res.value->user_id != user) return done(commerce::Result<commerce::Order>::fail(Errc::not_found, "no such order"));
    store_.set_order_status(room, id, commerce::OrderStatus::cancelled, done);
  });
}

bool CommerceApi::handle_ws(const WsMessage& m, const chat::Identity& who, const std::string& room, Reply reply) const {
  const auto& msg = m.body;
  const std::string& ref = m.ref;

  if (m.type == "buy") {
    commerce::PurchaseRequest r;
    auto e = commerce::from_json(msg, r);
    r.room = room;
    r.user_id = who.user_id;
    r.nick = who.nick;
    if (e.empty()) e = commerce::validate(r);
    if (!e.empty()) {
      reply(json::serialize(ws_frame("order_result", ref, {{"outcome", "invalid"}, {"message", e}})));
      return true;
    }
    purchase(std::move(r), [reply, ref](commerce::PurchaseResult res) {
      reply(json::serialize(ws_frame("order_result", ref, commerce::to_json(res))));
    });
    return true;
  }
  if (m.type == "claim_coupon") {
    auto* coupon = msg.if_contains("coupon");
    if (!coupon || !coupon->is_string()) {
      reply(json::serialize(ws_frame("coupon_result", ref, {{"outcome", "invalid"}, {"message", "'coupon' must be a coupon id"}})));
      return true;
    }
    store_.claim_coupon(room, std::string(coupon->get_string()), who.user_id,
                        [reply, ref](commerce::Result<commerce::CouponClaim> res) {
                          json::object f;
                          if (res.ok()) {
                            f = {{"outcome", "ok"}, {"claim", commerce::to_json(*res.value)}};
                          } else {
                            f = {{"outcome", error_of(res.error.code).second}, {"message", res.error.message}};
                          }
                          reply(json::serialize(ws_frame("coupon_result", ref, std::move(f))));
                        });
    return true;
  }
  return false;
}

}  // namespace server
