#include "media/rtmp_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include "media/nonblocking_write.hpp"

namespace media {
namespace asio = boost::asio;
using asio::ip::tcp;
using rtmp::MessageType;

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::uint32_t kPublishStreamId = 1;  // the one stream createStream hands out

bool is(const rtmp::Message& m, MessageType t) { return m.type == static_cast<std::uint8_t>(t); }

std::uint32_t chunk_stream_of(flv::TagType type) {
  return type == flv::TagType::video   ? rtmp::kVideoChunkStream
         : type == flv::TagType::audio ? rtmp::kAudioChunkStream
                                       : rtmp::kDataChunkStream;
}

// "room?key=abc&x=y" → room "room", key "abc".
void split_stream_name(std::string_view name, PublishRequest& r) {
  auto q = name.find('?');
  r.room = std::string(name.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view query = name.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.substr(0, 4) == "key=") r.key = std::string(pair.substr(4));
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
  }
}

}  // namespace

RtmpSession::RtmpSession(tcp::socket socket, RtmpGate& gate, const RtmpLimits& limits, RtmpStats& stats,
                         std::uint64_t id)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      gate_(gate),
      limits_(limits),
      stats_(stats),
      id_(id),
      reader_(limits.max_message_bytes) {
  stats_.connections.fetch_add(1, std::memory_order_relaxed);
}

RtmpSession::~RtmpSession() {
  stop_publishing();
  if (playing_) {
    if (sink_id_) hub_->remove_sink(sink_id_);
    stats_.players.fetch_sub(1, std::memory_order_relaxed);
  }
  stats_.connections.fetch_sub(1, std::memory_order_relaxed);
}

void RtmpSession::run() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->socket_.non_blocking(true, ec);  // writes go out at once where the socket takes them
    if (ec) spdlog::warn("rtmp {}: non-blocking mode: {}", self->id_, ec.message());
    self->read_buffer_.resize(kReadChunk);
    self->arm_timer(self->limits_.handshake_timeout);
    self->do_read();
  });
}

void RtmpSession::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    self->timer_.cancel();
    self->stop_publishing();
    boost::system::error_code ignored;
    self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
    self->socket_.close(ignored);
  });
}

void RtmpSession::arm_timer(std::chrono::steady_clock::duration after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->closing_ || self->playing_) return;  // players may stay silent
    auto idle = std::chrono::steady_clock::now() - self->last_data_;
    if (!self->publishing_ || idle >= self->limits_.idle_timeout) {
      spdlog::info("rtmp {}: {}", self->id_, self->publishing_ ? "publisher silent, dropped" : "no publish in time");
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      return;
    }
    self->arm_timer(self->limits_.idle_timeout - idle);
  });
}

void RtmpSession::do_read() {
  socket_.async_read_some(asio::buffer(read_buffer_), [self = shared_from_this()](boost::system::error_code ec,
                                                                                  std::size_t n) {
    self->on_read(ec, n);
  });
}

void RtmpSession::on_read(boost::system::error_code ec, std::size_t n) {
  if (ec) {
    if (ec != asio::error::eof && ec != asio::error::operation_aborted)
      spdlog::debug("rtmp {}: read: {}", id_, ec.message());
    timer_.cancel();
    stop_publishing();
    return;
  }
  stats_.bytes_in.fetch_add(n, std::memory_order_relaxed);
  last_data_ = std::chrono::steady_clock::now();
  std::span<const std::uint8_t> data(read_buffer_.data(), n);

  if (handshake_.state() != rtmp::ServerHandshake::State::done) {
    std::size_t used = handshake_.feed(data, pending_out_);
    if (handshake_.state() == rtmp::ServerHandshake::State::failed) {
      stats_.protocol_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("rtmp {}: not an RTMP handshake, closed", id_);
      timer_.cancel();
      boost::system::error_code ignored;
      socket_.close(ignored);
      return;
    }
    data = data.subspan(used);
    flush();
  }

  std::vector<rtmp::Message> messages;
  if (auto err = reader_.feed(data, messages); err != rtmp::ChunkError::none) {
    stats_.protocol_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("rtmp {}: {}, closed", id_, rtmp::to_string(err));
    timer_.cancel();
    stop_publishing();
    boost::system::error_code ignored;
    socket_.close(ignored);
    return;
  }
  for (auto& m : messages)
    if (!on_message(m)) return close_after_flush();

  if (reader_.bytes_received() - acknowledged_ >= limits_.window_ack_size) {
    acknowledged_ = reader_.bytes_received();
    send(rtmp::acknowledgement(static_cast<std::uint32_t>(acknowledged_)));
  }
  flush();
  if (!closing_) do_read();
}

bool RtmpSession::on_message(rtmp::Message& m) {
  if (is(m, MessageType::audio) || is(m, MessageType::video)) {
    on_media(m);
    return true;
  }
  if (is(m, MessageType::data_amf0)) {
    on_data(m);
    return true;
  }
  if (is(m, MessageType::command_amf0)) {
    auto command = rtmp::parse_command(m.payload);
    if (!command) {
      stats_.protocol_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("rtmp {}: malformed command, closed", id_);
      return false;
    }
    return on_command(*command, m);
  }
  return true;  // acknowledgements, window sizes, user control: nothing to do
}

bool RtmpSession::on_command(rtmp::Command& c, const rtmp::Message& m) {
  using amf0::Value;
  if (c.name == "connect") {
    const std::string* app = c.args.empty() ? nullptr : c.args[0].find_string("app");
    app_ = app ? *app : "";
    send(rtmp::window_ack_size(limits_.window_ack_size));
    send(rtmp::set_peer_bandwidth(limits_.window_ack_size));
    send(rtmp::set_chunk_size(limits_.out_chunk_size));
    writer_.set_chunk_size(limits_.out_chunk_size);
    send(rtmp::command("_result", c.transaction,
                       {Value::object({{"fmsVer", Value::string("FMS/3,0,1,123")}, {"capabilities", Value::number(31)}}),
                        Value::object({{"level", Value::string("status")},
                                       {"code", Value::string("NetConnection.Connect.Success")},
                                       {"description", Value::string("Connection succeeded.")},
                                       {"objectEncoding", Value::number(0)}})}));
    return true;
  }
  if (app_.empty()) {
    stats_.protocol_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("rtmp {}: '{}' before connect, closed", id_, c.name);
    return false;
  }
  if (c.name == "createStream") {
    send(rtmp::command("_result", c.transaction, {Value::null(), Value::number(kPublishStreamId)}));
  } else if (c.name == "releaseStream" || c.name == "FCPublish") {
    if (c.transaction != 0) send(rtmp::command("_result", c.transaction, {Value::null(), Value::undefined()}));
  } else if (c.name == "publish") {
    on_publish(c, m.stream_id ? m.stream_id : kPublishStreamId);
  } else if (c.name == "FCUnpublish" || c.name == "deleteStream" || c.name == "closeStream") {
    stop_publishing();
  } else if (c.name == "play") {
    on_play(c, m.stream_id ? m.stream_id : kPublishStreamId);
  }
  return true;
}

void RtmpSession::on_publish(const rtmp::Command& c, std::uint32_t stream_id) {
  const std::string* name = c.args.size() > 1 ? c.args[1].as_string() : nullptr;
  PublishRequest request{app_, {}, {}};
  if (name) split_stream_name(*name, request);
  std::string reason;
  auto hub = request.app == "live" && !request.room.empty() ? gate_.admit_publisher(request, reason) : nullptr;
  if (reason.empty() && !hub) reason = "publish to rtmp://HOST/live/ROOM?key=STREAM_KEY";
  if (!hub) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("rtmp {}: publish to {}/{} refused: {}", id_, request.app, request.room, reason);
    send(rtmp::on_status(stream_id, "error", "NetStream.Publish.BadName", reason));
    return close_after_flush();
  }
  hub->claim(id_, limits_.stale_after, [self = shared_from_this(), hub, stream_id, room = request.room](bool granted) {
    asio::post(self->socket_.get_executor(), [self, hub, stream_id, room, granted] {
      if (self->closing_) {
        if (granted) hub->release(self->id_);
        return;
      }
      if (!granted) {
        self->stats_.refused.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("rtmp {}: room {} is already live from another encoder", self->id_, room);
        self->send(rtmp::on_status(stream_id, "error", "NetStream.Publish.BadName", "already publishing"));
        return self->close_after_flush();
      }
      self->hub_ = hub;
      self->publishing_ = true;
      self->stats_.publishers.fetch_add(1, std::memory_order_relaxed);
      spdlog::info("rtmp {}: room {} is live", self->id_, room);
      self->send(rtmp::stream_begin(stream_id));
      self->send(rtmp::on_status(stream_id, "status", "NetStream.Publish.Start", room + " is now published"));
      self->flush();
      self->arm_timer(self->limits_.idle_timeout);
    });
  });
}

void RtmpSession::on_play(const rtmp::Command& c, std::uint32_t stream_id) {
  using amf0::Value;
  const std::string* name = c.args.size() > 1 ? c.args[1].as_string() : nullptr;
  PublishRequest request{app_, {}, {}};
  if (name) split_stream_name(*name, request);
  auto hub = publishing_ || playing_ || request.app != "live" ? nullptr : gate_.find_live_stream(request.room);
  if (!hub) {
    send(rtmp::on_status(stream_id, "error", "NetStream.Play.StreamNotFound", request.room + " is not live"));
    return close_after_flush();
  }
  hub_ = hub;
  playing_ = true;
  stats_.players.fetch_add(1, std::memory_order_relaxed);
  timer_.cancel();
  send(rtmp::stream_begin(stream_id));
  send(rtmp::on_status(stream_id, "status", "NetStream.Play.Reset", "playing " + request.room));
  send(rtmp::on_status(stream_id, "status", "NetStream.Play.Start", "started playing " + request.room));
  send({static_cast<std::uint8_t>(MessageType::data_amf0), 0, stream_id, rtmp::kDataChunkStream,
        amf0::encode_all({Value::string("|RtmpSampleAccess"), Value::boolean(true), Value::boolean(true)})});
  sink_id_ = hub_->new_sink_id();
  hub_->add_sink(sink_id_, weak_from_this());
}

void RtmpSession::on_tag(const Tag& tag) { on_tags(std::make_shared<const std::vector<Tag>>(1, tag)); }

// One hop to this player's strand for the whole run the hub fanned out.
void RtmpSession::on_tags(const TagRun& tags) {
  asio::post(socket_.get_executor(), [self = shared_from_this(), tags] {
    if (self->closing_) return;
    for (const auto& tag : *tags)
      if (!self->play_queue_.push(tag)) self->stats_.tags_skipped.fetch_add(1, std::memory_order_relaxed);
    self->send_tags();
  });
}

void RtmpSession::on_end() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->closing_) return;
    self->send(rtmp::on_status(kPublishStreamId, "status", "NetStream.Play.UnpublishNotify", "the stream ended"));
    self->close_after_flush();
  });
}

// Queued tags go out in one gather write of their chunk buffers (built once by the publisher's
// session, shared by every player) as soon as the previous write is done: a player that keeps
// up gets every tag in order and one that lags skips to the next keyframe.
void RtmpSession::send_tags() {
  if (!writing_.empty()) return;  // flush() comes back here when the write completes
  while (!play_queue_.empty()) {
    const Tag& tag = play_queue_.front();
    if (tag.rtmp_chunks) {  // the common case: bytes shared with every other player
      stage_pending();
      batch_.push_back(tag.rtmp_chunks);
      pending_arrivals_.push_back(tag.arrived);
      play_queue_.pop();
      continue;
    }
    auto csid = chunk_stream_of(tag.type);
    rtmp::Message m{static_cast<std::uint8_t>(tag.type), tag.timestamp, kPublishStreamId, csid,
                    tag.body ? *tag.body : std::vector<std::uint8_t>{}};
    send(m);
    pending_arrivals_.push_back(tag.arrived);
    play_queue_.pop();
  }
  flush();
}

void RtmpSession::on_data(rtmp::Message& m) {
  if (!publishing_) return;
  auto values = amf0::decode_all(m.payload);
  if (!values || values->empty()) return;
  std::size_t first = 0;
  if (const std::string* s = (*values)[0].as_string(); s && *s == "@setDataFrame") first = 1;
  if (values->size() < first + 2) return;
  const std::string* name = (*values)[first].as_string();
  if (!name || *name != "onMetaData") return;
  auto body = std::make_shared<const std::vector<std::uint8_t>>(
      amf0::encode_all(std::span<const amf0::Value>(values->data() + first, values->size() - first)));
  hub_->push(id_, make_tag(flv::TagType::script, m.timestamp, std::move(body)));
}

void RtmpSession::on_media(rtmp::Message& m) {
  if (!publishing_ || m.payload.empty()) return;
  auto type = is(m, MessageType::audio) ? flv::TagType::audio : flv::TagType::video;
  hub_->push(id_, make_tag(type, m.timestamp, std::make_shared<const std::vector<std::uint8_t>>(std::move(m.payload))));
}

Tag RtmpSession::make_tag(flv::TagType type, std::uint32_t timestamp,
                          std::shared_ptr<const std::vector<std::uint8_t>> body) const {
  auto chunks = std::make_shared<std::vector<std::uint8_t>>();
  rtmp::ChunkWriter(limits_.out_chunk_size)
      .write(static_cast<std::uint8_t>(type), timestamp, kPublishStreamId, chunk_stream_of(type), *body, *chunks);
  return Tag{type, timestamp, std::move(body), std::chrono::steady_clock::now(), std::move(chunks)};
}

void RtmpSession::send(const rtmp::Message& m) { writer_.write(m, pending_out_); }

void RtmpSession::stage_pending() {
  if (pending_out_.empty()) return;
  batch_.push_back(std::make_shared<const std::vector<std::uint8_t>>(std::move(pending_out_)));
  pending_out_.clear();
}

// Everything staged goes out in one gather write (writev) once the previous one is done: first
// straight away on the non-blocking socket, and only what it does not take asynchronously.
void RtmpSession::flush() {
  while (writing_.empty()) {
    stage_pending();
    if (batch_.empty()) {
      if (closing_) {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
      }
      return;
    }
    if (!start_write()) return;  // the write's completion comes back to send_tags() or here
  }
}

bool RtmpSession::start_write() {
  writing_.swap(batch_);
  batch_.clear();
  iov_.clear();
  for (const auto& b : writing_) iov_.emplace_back(b->data(), b->size());
  writing_arrivals_.swap(pending_arrivals_);
  pending_arrivals_.clear();
  boost::system::error_code ec;
  if (!write_now(socket_, iov_, ec)) {
    spdlog::debug("rtmp {}: write: {}", id_, ec.message());
    writing_.clear();
    writing_arrivals_.clear();
    return false;  // the read side sees the connection end
  }
  if (iov_.empty()) {
    write_done();
    return true;
  }
  asio::async_write(socket_, iov_, [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
    if (ec) {
      self->writing_.clear();
      self->writing_arrivals_.clear();
      return;
    }
    self->write_done();
    if (self->playing_) return self->send_tags();
    self->flush();
  });
  return false;
}

void RtmpSession::write_done() {
  writing_.clear();
  auto now = std::chrono::steady_clock::now();
  for (auto arrived : writing_arrivals_) stats_.play_delay.observe(now - arrived);
  writing_arrivals_.clear();
}

void RtmpSession::close_after_flush() {
  closing_ = true;
  timer_.cancel();
  stop_publishing();
  flush();
}

void RtmpSession::stop_publishing() {
  if (!publishing_) return;
  publishing_ = false;
  stats_.publishers.fetch_sub(1, std::memory_order_relaxed);
  hub_->release(id_);
  hub_.reset();
}

RtmpServer::RtmpServer(asio::io_context& ioc, const tcp::endpoint& endpoint, RtmpGate& gate,
                       const RtmpLimits& limits, RtmpStats& stats)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)), gate_(gate), limits_(limits), stats_(stats) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_.local_endpoint().port();
}

void RtmpServer::run() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
}

void RtmpServer::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    std::lock_guard lock(self->mutex_);
    for (auto& weak : self->sessions_)
      if (auto session = weak.lock()) session->close();
    self->sessions_.clear();
  });
}

void RtmpServer::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [self = shared_from_this()](boost::system::error_code ec,
                                                                              tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      auto session = std::make_shared<RtmpSession>(std::move(socket), self->gate_, self->limits_, self->stats_,
                                                   ++self->next_id_);
      {
        std::lock_guard lock(self->mutex_);
        std::erase_if(self->sessions_, [](const auto& w) { return w.expired(); });
        self->sessions_.push_back(session);
      }
      session->run();
    } else {
      spdlog::warn("rtmp accept failed: {}", ec.message());
    }
    self->do_accept();
  });
}

}  // namespace media
