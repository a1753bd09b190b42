#include "server/ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/error.hpp>

#include "chat/client_message.hpp"
#include "chat/events.hpp"

namespace server {
namespace asio = boost::asio;
namespace beast = boost::beast;

WsSession::WsSession(asio::ip::tcp::socket&& socket, const Config& config, ServerMetrics& metrics,
                     SessionTracker& tracker, Admission admission, const CommerceApi& shop,
                     AnalyticsHub& analytics)
    : ws_(std::move(socket)),
      config_(config),
      metrics_(metrics),
      tracker_(tracker),
      admission_(std::move(admission)),
      shop_(shop),
      analytics_(analytics),
      inbound_(config.session.inbound_per_second, config.session.inbound_burst) {
  metrics_.ws_connections.fetch_add(1, std::memory_order_relaxed);
}

WsSession::~WsSession() {
  if (joined_) admission_.room->leave(member_id_);
  if (member_id_) tracker_.remove(member_id_);
  metrics_.ws_connections.fetch_sub(1, std::memory_order_relaxed);
}

void WsSession::run(Request req) {
  const auto& limits = config_.session;
  ws_.set_option(
      websocket::stream_base::timeout{limits.handshake_timeout, limits.idle_timeout, true});
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "livecart"); }));
  ws_.read_message_max(limits.max_frame_bytes);
  ws_.auto_fragment(false);
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts take over
  auto req_ptr = std::make_shared<Request>(std::move(req));
  ws_.async_accept(*req_ptr, [self = shared_from_this(), req_ptr](beast::error_code ec) {
    self->on_accept(ec);
  });
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("room {}: websocket handshake failed: {}", admission_.room->info().id,
                  ec.message());
    return;
  }
  member_id_ = tracker_.add(weak_from_this());
  if (member_id_ == 0) {  // the server is stopping
    close_after_drain({websocket::close_code::going_away, "server shutting down"});
    return;
  }
  if (admission_.dashboard) {
    analytics_.subscribe(admission_.room->info().id, weak_from_this());
  } else {
    joined_ = true;
    admission_.room->join(member_id_, weak_from_this(), admission_.who,
                          std::move(admission_.token));
  }
  do_read();
}

void WsSession::do_read() {
  // Small reads: an idle viewer's pending read reserves kReadChunk bytes, not a whole frame's
  // worth (Beast's async_read prepares ~1.5 KiB); a message is assembled over several reads.
  ws_.async_read_some(
      buffer_, kReadChunk,
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WsSession::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    bool normal = ec == websocket::error::closed || ec == asio::error::operation_aborted ||
                  ec == beast::error::timeout || ec == asio::error::eof ||
                  ec == asio::error::connection_reset;
    if (!normal) {
      metrics_.ws_protocol_closes.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("room {} member {}: closed: {}", admission_.room->info().id, member_id_,
                    ec.message());
    }
    closing_ = true;
    return;  // the session ends when its last operation completes
  }
  if (!ws_.is_message_done()) return do_read();
  metrics_.ws_frames_in.fetch_add(1, std::memory_order_relaxed);
  std::string_view text(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  // Staff hold signed keys and may type fast (hosts answer many questions at once).
  std::chrono::milliseconds retry_after{0};
  bool limited = !chat::is_staff(admission_.who.role) && !inbound_.try_take(chat::Clock::now(), &retry_after);
  if (limited) {
    reply_error("rate_limited", "too many frames, slow down", {}, retry_after);
  } else if (!ws_.got_text()) {
    reply_error("binary_unsupported", "send JSON text frames");
  } else {
    on_text(text);
  }
  buffer_.consume(buffer_.size());
  if (buffer_.capacity() > kReadChunk) buffer_.shrink_to_fit();
  if (!closing_) do_read();
}

void WsSession::on_text(std::string_view text) {
  if (admission_.dashboard)
    return reply_error("read_only", "the dashboard stream takes no messages");
  auto parsed = chat::parse_client_message(text, config_.chat);
  if (auto* err = std::get_if<chat::ParseError>(&parsed)) {
    // Not a chat message: perhaps one for the shop (buy, claim_coupon), answered by the store,
    // or an impression or click for analytics.
    auto reply = [self = shared_from_this()](std::string frame) {
      self->send(std::make_shared<const std::string>(std::move(frame)), false);
    };
    const std::string& room = admission_.room->info().id;
    if (err->code == "unknown_type") {
      auto m = parse_ws_message(text);
      if (m && (shop_.handle_ws(*m, admission_.who, room, reply) ||
                analytics_.handle_ws(*m, admission_.who, room, reply)))
        return;
    }
    return reply_error(err->code, err->message, err->ref);
  }
  admission_.room->handle(member_id_, std::move(std::get<chat::ClientMessage>(parsed)));
}

void WsSession::reply_error(std::string_view code, std::string_view message, std::string_view ref,
                            std::chrono::milliseconds retry_after) {
  metrics_.ws_rejected_frames.fetch_add(1, std::memory_order_relaxed);
  enqueue(std::make_shared<const std::string>(chat::encode_error({code, message, ref, retry_after})), false);
}

void WsSession::send(chat::Frame frame, bool droppable) {
  // Inline when already on this session's strand (a reply decided while handling its frame,
  // such as a purchase refused from memory); posted from anywhere else (rooms, the store).
  asio::dispatch(ws_.get_executor(),
                 [self = shared_from_this(), frame = std::move(frame), droppable]() mutable {
                   self->enqueue(std::move(frame), droppable);
                 });
}

void WsSession::enqueue(chat::Frame frame, bool droppable) {
  if (closing_ || close_pending_) return;
  const auto& limits = config_.session;
  auto over_bound = [&] {
    return queue_.size() >= limits.max_queued_frames ||
           queued_bytes_ + frame->size() > limits.max_queued_bytes;
  };
  if (over_bound()) {
    if (writing_ && chat::Clock::now() - write_started_ > limits.stall_timeout) {
      metrics_.ws_slow_disconnects.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("room {} member {}: stalled reader disconnected", admission_.room->info().id,
                   member_id_);
      return abort();
    }
    // Skip ahead: queued batches the viewer has not started to receive give way to newer ones.
    std::size_t dropped = 0;
    for (auto it = std::next(queue_.begin(), writing_ ? 1 : 0); it != queue_.end();) {
      if (!it->droppable) {
        ++it;
        continue;
      }
      queued_bytes_ -= it->frame->size();
      it = queue_.erase(it);
      ++dropped;
    }
    metrics_.ws_frames_dropped.fetch_add(dropped, std::memory_order_relaxed);
    if (over_bound()) {
      if (droppable) {
        metrics_.ws_frames_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      metrics_.ws_slow_disconnects.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("room {} member {}: queue full of replies, disconnected",
                   admission_.room->info().id, member_id_);
      return abort();
    }
  }
  queued_bytes_ += frame->size();
  queue_.push_back({std::move(frame), droppable});
  if (!writing_) do_write();
}

void WsSession::do_write() {
  if (queue_.empty()) {
    if (close_pending_) {
      auto reason = *close_pending_;
      closing_ = true;
      ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
    }
    return;
  }
  writing_ = true;
  write_started_ = chat::Clock::now();
  ws_.text(true);
  ws_.async_write(
      asio::buffer(*queue_.front().frame),
      [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void WsSession::on_write(beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec) {
    closing_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    return;
  }
  metrics_.ws_frames_out.fetch_add(1, std::memory_order_relaxed);
  metrics_.ws_bytes_out.fetch_add(bytes, std::memory_order_relaxed);
  queued_bytes_ -= queue_.front().frame->size();
  queue_.pop_front();
  do_write();
}

void WsSession::close_after_drain(websocket::close_reason reason) {
  if (closing_ || close_pending_) return;
  close_pending_ = reason;
  if (!writing_) do_write();
}

void WsSession::abort() {
  closing_ = true;
  queue_.clear();
  queued_bytes_ = 0;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void WsSession::kick(chat::CloseReason reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), reason] {
    switch (reason) {
      case chat::CloseReason::banned:
        return self->close_after_drain({websocket::close_code::policy_error, "banned"});
      case chat::CloseReason::room_closed:
        return self->close_after_drain({websocket::close_code::normal, "room closed"});
      case chat::CloseReason::shutting_down:
        return self->close_after_drain({websocket::close_code::going_away, "server shutting down"});
    }
  });
}

void WsSession::shut_down() { kick(chat::CloseReason::shutting_down); }

}  // namespace server
