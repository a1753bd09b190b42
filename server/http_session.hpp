#pragma once
// One HTTP connection: reads requests (bounded header and body), answers them through the
// Api, keeps the connection alive, and hands WebSocket upgrades to a WsSession.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <memory>
#include <optional>

#include "server/analytics_hub.hpp"
#include "server/api.hpp"
#include "server/commerce_api.hpp"
#include "server/config.hpp"
#include "server/metrics.hpp"
#include "server/session_tracker.hpp"
#include "server/ws_admission.hpp"

namespace server {

// What every connection needs from the process, owned by the App.
struct ConnectionContext {
  const Config& config;
  ServerMetrics& metrics;
  SessionTracker& tracker;
  const Api& api;
  const WsAdmission& admission;
  media::StreamHubs& streams;
  const MediaFiles& media_files;
  const CommerceApi& shop;
  AnalyticsHub& analytics;
};

class HttpSession : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionContext& ctx);
  ~HttpSession() override;

  void run();
  void shut_down() override;

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void upgrade(Request req);
  // GET /live/{room}.flv: hands the connection to an FlvSession. False for other targets.
  bool serve_flv(const Request& req);
  template <class Body>
  void send(http::response<Body> res);
  void on_write(bool keep_alive, boost::beast::error_code ec);
  void do_close();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  ConnectionContext& ctx_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::uint64_t tracker_id_ = 0;
  bool upgraded_ = false;
  bool stopping_ = false;
};

}  // namespace server
