#pragma once
// Accepts TCP connections and starts an HttpSession for each, on its own strand.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "server/http_session.hpp"

namespace server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds at once; throws boost::system::system_error when the address cannot be used.
  Listener(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, ConnectionContext& ctx);

  void run();
  void stop();  // stops accepting; thread-safe
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void do_accept();
  void on_accept(boost::beast::error_code ec, boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& ioc_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  ConnectionContext& ctx_;
  std::uint16_t port_ = 0;
};

}  // namespace server
