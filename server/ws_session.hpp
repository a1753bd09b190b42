#pragma once
// One viewer's WebSocket in a room: reads and parses its frames, hands them to the room, and
// writes what the room sends through a bounded queue. Runs on its own strand. A consumer that
// falls behind skips queued batches (newest wins); one that stalls is disconnected.
// A dashboard session (/ws/rooms/{id}/dashboard) joins no chat: it receives the room's
// analytics snapshots and suggestions through the same queue, and takes no messages.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <optional>

#include "chat/member.hpp"
#include "chat/rate_limiter.hpp"
#include "server/analytics_hub.hpp"
#include "server/commerce_api.hpp"
#include "server/config.hpp"
#include "server/http_types.hpp"
#include "server/metrics.hpp"
#include "server/session_tracker.hpp"
#include "server/ws_admission.hpp"

namespace server {

namespace websocket = boost::beast::websocket;

class WsSession : public chat::Member, public Closable, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(boost::asio::ip::tcp::socket&& socket, const Config& config, ServerMetrics& metrics,
            SessionTracker& tracker, Admission admission, const CommerceApi& shop, AnalyticsHub& analytics);
  ~WsSession() override;

  // Completes the upgrade for `req` and joins the room.
  void run(Request req);

  void send(chat::Frame frame, bool droppable) override;
  static constexpr std::size_t kReadChunk = 256;
  void kick(chat::CloseReason reason) override;
  void shut_down() override;

 private:
  struct Outgoing {
    chat::Frame frame;
    bool droppable;
  };

  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void on_text(std::string_view text);
  void reply_error(std::string_view code, std::string_view message, std::string_view ref = {},
                   std::chrono::milliseconds retry_after = {});
  void enqueue(chat::Frame frame, bool droppable);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void close_after_drain(websocket::close_reason reason);
  void abort();

  websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  const Config& config_;
  ServerMetrics& metrics_;
  SessionTracker& tracker_;
  Admission admission_;
  const CommerceApi& shop_;
  AnalyticsHub& analytics_;
  std::uint64_t member_id_ = 0;  // the tracker's id, also the room's handle for this member
  bool joined_ = false;

  chat::RateLimiter inbound_;
  std::list<Outgoing> queue_;  // allocates nothing while idle (a deque holds ~600 B)
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  chat::Clock::time_point write_started_{};
  std::optional<websocket::close_reason> close_pending_;
  bool closing_ = false;
};

}  // namespace server
