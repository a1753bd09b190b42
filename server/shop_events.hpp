#pragma once
// Tells each room's viewers what changed in its shop, through the room's chat batches: a pin,
// a price or a shelf edit at once; stock, flash-sale remainders and coupon counts at most once
// per `stock_interval` (a flash sale commits many batches a second); purchase notices at most
// once per `notice_interval`. Called by the store on its thread; works on its own strand.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <map>
#include <string>

#include "commerce/purchase_notices.hpp"
#include "commerce/store.hpp"
#include "server/room_directory.hpp"

namespace server {

class ShopEvents : public commerce::StoreListener {
 public:
  ShopEvents(boost::asio::any_io_executor executor, const RoomDirectory& rooms, commerce::Store& store,
             std::chrono::milliseconds stock_interval, std::chrono::milliseconds notice_interval);

  void on_committed(const commerce::RoomChanges& changes) override;
  void stop();  // cancels the timer (shutdown)

 private:
  struct Pending {
    std::map<std::string, commerce::Product> stock;  // by SKU, latest
    std::map<std::string, commerce::FlashSale> sales;
    std::map<std::string, commerce::Coupon> coupons;
    commerce::PurchaseNotices notices;
    explicit Pending(std::int64_t notice_ms) : notices(notice_ms) {}
  };
  void apply(const commerce::RoomChanges& c);
  void publish(const std::string& room, std::string event) const;
  void schedule();
  void flush();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  const RoomDirectory& rooms_;
  commerce::Store& store_;
  std::chrono::milliseconds stock_interval_;
  std::chrono::milliseconds notice_interval_;
  std::map<std::string, Pending> pending_;
  bool scheduled_ = false;
  bool stopped_ = false;
};

}  // namespace server
