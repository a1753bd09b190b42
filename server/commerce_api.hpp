#pragma once
// The shop over HTTP and over the room WebSocket: products, shelf order and pin, flash sales,
// coupons, pickup points, the fulfilment webhook, one-click purchase and orders. It parses and
// authorises; every rule lives in commerce/ (the Store). Answers may complete on the store's
// thread (Respond and the reply callback may be called from any thread).
#include <array>
#include <atomic>
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/identity.hpp"
#include "commerce/store.hpp"
#include "server/access.hpp"
#include "server/http_types.hpp"
#include "server/room_directory.hpp"
#include "server/target.hpp"
#include "server/ws_message.hpp"

namespace server {

class CommerceApi {
 public:
  CommerceApi(const RoomDirectory& rooms, const Access& access, commerce::Store& store);

  // Answers the shop's routes; false when the path is not one of them (nothing answered).
  bool handle(const Request& req, const Target& target, const Respond& respond) const;

  using Reply = std::function<void(std::string frame)>;
  // A shop message from a room's WebSocket: {"type":"buy",…} or {"type":"claim_coupon",…}.
  // False when the text is not one (the caller reports it); otherwise one frame goes to `reply`.
  bool handle_ws(const WsMessage& message, const chat::Identity& who, const std::string& room, Reply reply) const;

  // Called once an order is committed (the server wakes the fulfilment courier with it).
  std::function<void()> on_order_committed;

  // Purchase answers so far, by outcome (indexed by commerce::PurchaseOutcome), for /metrics.
  [[nodiscard]] std::uint64_t purchases(commerce::PurchaseOutcome o) const {
    return purchases_[static_cast<std::size_t>(o)].load(std::memory_order_relaxed);
  }
  static constexpr std::size_t kOutcomes = static_cast<std::size_t>(commerce::PurchaseOutcome::unavailable) + 1;

 private:
  struct Call {
    const Request& req;
    const Target& target;
    const Respond& respond;
    std::vector<std::string> params;
    [[nodiscard]] const std::string& room() const { return params[0]; }
  };
  using Handler = void (CommerceApi::*)(Call&) const;
  struct Route {
    http::verb method;
    std::vector<std::string> pattern;
    Handler handler;
  };

  void shelf(Call& c) const;
  void list_products(Call& c) const;
  void list_sales(Call& c) const;
  void list_coupons(Call& c) const;
  void coupon_claims(Call& c) const;
  void create_product(Call& c) const;
  void update_product(Call& c) const;
  void remove_product(Call& c) const;
  void shelf_order(Call& c) const;
  void pin(Call& c) const;
  void unpin(Call& c) const;
  void start_sale(Call& c) const;
  void stop_sale(Call& c) const;
  void create_coupon(Call& c) const;
  void withdraw_coupon(Call& c) const;
  void claim_coupon(Call& c) const;
  void add_pickup_point(Call& c) const;
  void remove_pickup_point(Call& c) const;
  void get_webhook(Call& c) const;
  void set_webhook(Call& c) const;
  void buy(Call& c) const;
  void list_orders(Call& c) const;
  void get_order(Call& c) const;
  void set_order_status(Call& c) const;

  // The JSON object body, or nullopt after answering 400.
  std::optional<boost::json::object> body(const Call& c) const;
  std::optional<Principal> staff(const Call& c, std::initializer_list<chat::Role> roles) const;
  std::optional<Principal> member(const Call& c) const;  // any token of the room (viewer or staff)
  void purchase(commerce::PurchaseRequest r, std::function<void(commerce::PurchaseResult)> done) const;

  const RoomDirectory& rooms_;
  const Access& access_;
  commerce::Store& store_;
  std::vector<Route> routes_;
  mutable std::array<std::atomic<std::uint64_t>, kOutcomes> purchases_{};
};

}  // namespace server
