#include "server/http_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <variant>

#include "server/flv_session.hpp"
#include "server/target.hpp"
#include "server/ws_session.hpp"

namespace server {
namespace asio = boost::asio;
namespace beast = boost::beast;

HttpSession::HttpSession(asio::ip::tcp::socket&& socket, ConnectionContext& ctx)
    : stream_(std::move(socket)), ctx_(ctx) {
  ctx_.metrics.http_connections.fetch_add(1, std::memory_order_relaxed);
}

HttpSession::~HttpSession() {
  if (tracker_id_) ctx_.tracker.remove(tracker_id_);
  ctx_.metrics.http_connections.fetch_sub(1, std::memory_order_relaxed);
}

void HttpSession::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    self->tracker_id_ = self->ctx_.tracker.add(self->weak_from_this());
    if (self->tracker_id_ == 0) return self->do_close();
    self->do_read();
  });
}

void HttpSession::shut_down() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (!self->upgraded_) self->stream_.cancel();  // an idle keep-alive read ends now
  });
}

void HttpSession::do_read() {
  if (stopping_) return do_close();
  const auto& limits = ctx_.config.http;
  parser_.emplace();
  parser_->body_limit(limits.max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  stream_.expires_after(limits.request_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout ||
      ec == asio::error::connection_reset || ec == asio::error::eof)
    return do_close();
  if (ec) {
    ctx_.metrics.http_bad_requests.fetch_add(1, std::memory_order_relaxed);
    bool too_big = ec == http::error::body_limit || ec == http::error::header_limit || ec == http::error::buffer_overflow;
    auto res = too_big ? error_response(11, false, http::status::payload_too_large, "too_large", ec.message())
                       : error_response(11, false, http::status::bad_request, "bad_request", ec.message());
    return send(std::move(res));
  }
  ctx_.metrics.http_requests.fetch_add(1, std::memory_order_relaxed);
  Request req = parser_->release();
  if (beast::websocket::is_upgrade(req)) return upgrade(std::move(req));
  if (serve_flv(req)) return;
  if (auto media = ctx_.media_files.serve(req))
    return std::visit([this](auto& res) { send(std::move(res)); }, *media);

  // The API may answer later from another thread: come back to this strand to write.
  ctx_.api.handle(std::move(req), [self = shared_from_this()](Response res) {
    asio::dispatch(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
  });
}

void HttpSession::upgrade(Request req) {
  auto decision = ctx_.admission.admit(req);
  if (auto* refusal = std::get_if<Response>(&decision)) return send(std::move(*refusal));
  upgraded_ = true;
  stream_.expires_never();
  std::make_shared<WsSession>(stream_.release_socket(), ctx_.config, ctx_.metrics, ctx_.tracker,
                              std::move(std::get<Admission>(decision)), ctx_.shop, ctx_.analytics)
      ->run(std::move(req));
}

bool HttpSession::serve_flv(const Request& req) {
  auto target = parse_target(req.target());
  if (req.method() != http::verb::get || !target || target->segments.size() != 2 || target->segments[0] != "live")
    return false;
  const std::string& file = target->segments[1];
  constexpr std::string_view suffix = ".flv";
  if (file.size() <= suffix.size() || !file.ends_with(suffix)) return false;
  std::string room = file.substr(0, file.size() - suffix.size());
  auto hub = ctx_.streams.find(room);
  if (!hub || !hub->live()) {
    send(error_response(req, http::status::not_found, "offline", "this room is not live"));
    return true;
  }
  upgraded_ = true;  // the connection now belongs to the FLV session
  std::make_shared<FlvSession>(std::move(stream_), std::move(hub), ctx_.metrics, ctx_.tracker)->run();
  return true;
}

template <class Body>
void HttpSession::send(http::response<Body> res) {
  bool keep_alive = res.keep_alive() && !stopping_;
  res.keep_alive(keep_alive);
  auto msg = std::make_shared<http::response<Body>>(std::move(res));
  http::async_write(stream_, *msg, [self = shared_from_this(), msg, keep_alive](beast::error_code ec, std::size_t) {
    self->on_write(keep_alive, ec);
  });
}

void HttpSession::on_write(bool keep_alive, beast::error_code ec) {
  if (ec || !keep_alive) return do_close();
  do_read();
}

void HttpSession::do_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace server
