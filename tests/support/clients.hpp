#pragma once
// Test clients over real sockets: HTTP requests and a WebSocket viewer. Every call waits for
// its event with a deadline (never a fixed sleep) and reports a timeout as a failure value.
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace testing_support {

using namespace std::chrono_literals;
namespace json = boost::json;

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  [[nodiscard]] json::value json() const { return json::parse(body); }
};

// One request on a fresh connection.
[[nodiscard]] HttpResult http_request(std::uint16_t port, std::string_view method, std::string_view target,
                                      std::string body = {}, std::string_view bearer = {},
                                      std::chrono::milliseconds timeout = 10s,
                                      const std::map<std::string, std::string>& headers = {});
// Sends raw bytes and returns whatever comes back before the server closes or the deadline.
// `closed_by_peer` tells whether the server ended the connection (rather than the deadline).
[[nodiscard]] std::string raw_exchange(std::uint16_t port, std::string_view bytes,
                                       std::chrono::milliseconds timeout = 10s, bool* closed_by_peer = nullptr);
// The value of a Prometheus sample line (name with labels, e.g. livecart_room_viewers{room="demo"}).
[[nodiscard]] std::optional<double> metric_value(std::uint16_t port, std::string_view sample);

class WsClient {
 public:
  // Connects to ws://127.0.0.1:port/target. On failure returns nullptr and, when asked,
  // the HTTP status with which the upgrade was refused.
  // `receive_buffer` > 0 shrinks the socket's receive buffer (for slow-reader tests).
  static std::unique_ptr<WsClient> connect(std::uint16_t port, std::string target, int* refused_status = nullptr,
                                           std::chrono::milliseconds timeout = 10s, int receive_buffer = 0);
  ~WsClient();

  bool send_text(std::string_view text) { return send(text, true); }
  bool send_binary(std::string_view bytes) { return send(bytes, false); }
  bool send_json(const json::object& o) { return send_text(json::serialize(o)); }

  // The next event: batches are opened and their events returned one at a time.
  std::optional<json::object> next(std::chrono::milliseconds timeout = 10s);
  // Events until one satisfies `pred`; that one is returned (the others are consumed).
  std::optional<json::object> wait_for(const std::function<bool(const json::object&)>& pred,
                                       std::chrono::milliseconds timeout = 10s);
  std::optional<json::object> wait_type(std::string_view type, std::chrono::milliseconds timeout = 10s);
  // Waits for the server to close; returns the close code (or nullopt on timeout / no close frame).
  std::optional<int> wait_closed(std::chrono::milliseconds timeout = 10s);

  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] const json::object& welcome() const { return welcome_; }
  [[nodiscard]] std::size_t frames_received() const { return frames_; }

 private:
  WsClient() = default;
  bool send(std::string_view payload, bool text);
  void start_read();  // one read always outstanding; events queue up as they arrive
  bool pump(const std::function<bool()>& until_true, std::chrono::milliseconds timeout);

  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::websocket::stream<boost::beast::tcp_stream>> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<json::object> events_;
  json::object welcome_;
  bool closed_ = false;
  std::size_t frames_ = 0;
};

// A string of `n` code points.
[[nodiscard]] std::string repeat(std::string_view unit, std::size_t n);

}  // namespace testing_support
