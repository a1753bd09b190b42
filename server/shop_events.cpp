#include "server/shop_events.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "commerce/codec.hpp"

namespace server {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {
std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

ShopEvents::ShopEvents(asio::any_io_executor executor, const RoomDirectory& rooms, commerce::Store& store,
                       std::chrono::milliseconds stock_interval, std::chrono::milliseconds notice_interval)
    : strand_(asio::make_strand(executor)),
      timer_(strand_),
      rooms_(rooms),
      store_(store),
      stock_interval_(stock_interval),
      notice_interval_(notice_interval) {}

void ShopEvents::on_committed(const commerce::RoomChanges& changes) {
  asio::post(strand_, [this, c = changes] { apply(c); });
}

void ShopEvents::stop() {
  asio::post(strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void ShopEvents::publish(const std::string& room, std::string event) const {
  if (auto r = rooms_.find(room)) r->publish(std::move(event));
}

void ShopEvents::apply(const commerce::RoomChanges& c) {
  if (stopped_) return;
  std::int64_t now = now_ms();
  bool from_orders = !c.new_orders.empty() || !c.changed_orders.empty();
  auto& p = pending_.try_emplace(c.room, notice_interval_.count()).first->second;
  if (c.shelf_changed) {
    // The host changed what is on the shelf or its order: viewers get the whole shelf.
    store_.shelf(c.room, [this, room = c.room, now](commerce::Result<commerce::ShelfView> s) {
      if (!s.ok()) return;
      json::object o = commerce::to_json(*s.value, now);
      o["type"] = "shelf";
      publish(room, json::serialize(o));
    });
  } else if (!from_orders) {
    for (const auto& product : c.products) publish(c.room, json::serialize(json::object{{"type", "product"}, {"product", commerce::to_json(product)}}));
  } else {
    for (const auto& product : c.products) p.stock[product.sku] = product;
  }
  if (c.pin_changed)
    publish(c.room, json::serialize(json::object{
                        {"type", "pin"}, {"product", c.pinned ? json::value(commerce::to_json(*c.pinned)) : json::value(nullptr)}}));
  for (const auto& s : c.sales) {
    if (from_orders) p.sales[s.id] = s;
    else publish(c.room, json::serialize(json::object{{"type", "flash_sale"}, {"sale", commerce::to_json(s, now)}}));
  }
  for (const auto& cp : c.coupons) p.coupons[cp.id] = cp;
  for (const auto& o : c.new_orders) p.notices.add(o);
  schedule();
}

void ShopEvents::schedule() {
  if (scheduled_ || stopped_) return;
  bool any = false;
  for (const auto& [room, p] : pending_)
    any = any || !p.stock.empty() || !p.sales.empty() || !p.coupons.empty() || p.notices.pending();
  if (!any) return;
  scheduled_ = true;
  timer_.expires_after(std::min(stock_interval_, notice_interval_));
  timer_.async_wait(asio::bind_executor(strand_, [this](boost::system::error_code ec) {
    scheduled_ = false;
    if (ec || stopped_) return;
    flush();
    schedule();
  }));
}

void ShopEvents::flush() {
  std::int64_t now = now_ms();
  for (auto& [room, p] : pending_) {
    for (const auto& [sku, product] : p.stock) {
      json::object o{{"type", "stock"}, {"sku", sku}, {"stock", product.stock}};
      publish(room, json::serialize(o));
    }
    for (const auto& [id, s] : p.sales)
      publish(room, json::serialize(json::object{{"type", "flash_sale"}, {"sale", commerce::to_json(s, now)}}));
    for (const auto& [id, cp] : p.coupons)
      publish(room, json::serialize(json::object{{"type", "coupon"}, {"coupon", commerce::to_json(cp)}}));
    p.stock.clear();
    p.sales.clear();
    p.coupons.clear();
    if (auto n = p.notices.take(now)) {
      json::array names;
      for (const auto& name : n->names) names.emplace_back(name);
      publish(room, json::serialize(json::object{{"type", "purchase_notice"},
                                                 {"text", n->text},
                                                 {"names", std::move(names)},
                                                 {"buyers", n->buyers},
                                                 {"sku", n->sku}}));
    }
  }
}

}  // namespace server
