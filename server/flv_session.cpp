#include "server/flv_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <string>

#include "media/flv.hpp"
#include "media/flv_tracks.hpp"
#include "media/nonblocking_write.hpp"

namespace server {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::string response_head() {
  return "HTTP/1.1 200 OK\r\nServer: livecart\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n"
         "Cache-Control: no-cache, no-store\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";
}

// The FLV file header as one chunk of the chunked body.
std::vector<std::uint8_t> header_chunk(media::flv::Tracks tracks) {
  auto bytes = media::flv::file_header(tracks.audio, tracks.video);
  char size[16];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::vector<std::uint8_t> out(size, size + n);
  out.insert(out.end(), bytes.begin(), bytes.end());
  out.push_back('\r');
  out.push_back('\n');
  return out;
}

}  // namespace

FlvSession::FlvSession(beast::tcp_stream&& stream, std::shared_ptr<media::StreamHub> hub, ServerMetrics& metrics,
                       SessionTracker& tracker)
    : stream_(std::move(stream)), hub_(std::move(hub)), metrics_(metrics), tracker_(tracker) {
  metrics_.flv_viewers.fetch_add(1, std::memory_order_relaxed);
}

FlvSession::~FlvSession() {
  if (sink_id_) hub_->remove_sink(sink_id_);
  if (id_) tracker_.remove(id_);
  metrics_.flv_viewers.fetch_sub(1, std::memory_order_relaxed);
}

void FlvSession::run() {
  id_ = tracker_.add(weak_from_this());
  if (id_ == 0) return;  // shutting down
  stream_.expires_never();
  beast::error_code nb;
  stream_.socket().non_blocking(true, nb);  // tags go out at once where the socket takes them
  if (nb) spdlog::warn("flv {}: non-blocking mode: {}", id_, nb.message());
  // The FLV header waits for the first tags, which tell the stream's tracks.
  file_header_ = header_chunk({});
  auto head = std::make_shared<std::string>(response_head());
  writing_ = true;
  asio::async_write(stream_, asio::buffer(*head), [self = shared_from_this(), head](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec) return self->finish();
    self->sink_id_ = self->hub_->new_sink_id();
    self->hub_->add_sink(self->sink_id_, self->weak_from_this());
    self->watch_for_close();
    self->write_next();
  });
}

void FlvSession::watch_for_close() {
  // Players send nothing more; a read completing (EOF or error) means the viewer left.
  stream_.async_read_some(asio::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->finish();
    self->watch_for_close();
  });
}

void FlvSession::on_tag(const media::Tag& tag) { on_tags(std::make_shared<const std::vector<media::Tag>>(1, tag)); }

// One hop to this viewer's strand for the whole run the hub fanned out.
void FlvSession::on_tags(const media::TagRun& tags) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), tags] {
    if (self->closed_) return;
    if (!self->tracks_known_) {
      self->tracks_known_ = true;
      if (!self->file_header_.empty()) self->file_header_ = header_chunk(media::flv::tracks_of(*tags));
    }
    for (const auto& tag : *tags)
      if (!self->queue_.push(tag)) self->metrics_.flv_tags_skipped.fetch_add(1, std::memory_order_relaxed);
    if (!self->writing_) self->write_next();
  });
}

void FlvSession::on_end() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->ended_ = true;
    if (!self->writing_) self->write_next();
  });
}

void FlvSession::shut_down() { on_end(); }

void FlvSession::write_next() {
  while (!closed_ && !writing_) {
    if (queue_.empty()) {
      if (!ended_) return;
      // The stream ended: the last chunk closes the body (after the header, if no tag came),
      // then the connection.
      static const std::string last = "0\r\n\r\n";
      file_header_.insert(file_header_.end(), last.begin(), last.end());
      auto tail = std::make_shared<std::vector<std::uint8_t>>(std::move(file_header_));
      file_header_.clear();
      writing_ = true;
      asio::async_write(stream_, asio::buffer(*tail), [self = shared_from_this(), tail](beast::error_code, std::size_t) {
        self->finish();
      });
      return;
    }
    if (!start_write()) return;
  }
}

// Each tag is one chunk of the chunked body: "<size>\r\n", the FLV tag header, the shared body,
// PreviousTagSize, "\r\n". A tag's trailer and the next one's header share a framing buffer.
bool FlvSession::start_write() {
  constexpr std::size_t kMaxFraming = 16 + media::flv::kTagHeaderBytes + 4 + 2;  // per tag
  in_flight_.clear();
  while (!queue_.empty()) {
    in_flight_.push_back(queue_.front());
    queue_.pop();
  }
  framing_.clear();
  // No reallocation: iov_ points into it. The file header goes first, once.
  framing_.reserve(file_header_.size() + in_flight_.size() * kMaxFraming);
  framing_.insert(framing_.end(), file_header_.begin(), file_header_.end());
  file_header_.clear();
  iov_.clear();
  in_flight_bytes_ = 0;
  std::size_t start = 0;  // of the framing not yet in iov_
  for (const auto& tag : in_flight_) {
    const auto body = static_cast<std::uint32_t>(tag.body ? tag.body->size() : 0);
    char line[16];
    const int n = std::snprintf(line, sizeof line, "%zx\r\n", media::flv::kTagHeaderBytes + body + 4);
    framing_.insert(framing_.end(), line, line + n);
    const auto header = media::flv::tag_header(tag.type, tag.timestamp, body);
    framing_.insert(framing_.end(), header.begin(), header.end());
    iov_.emplace_back(framing_.data() + start, framing_.size() - start);
    if (body) iov_.emplace_back(tag.body->data(), body);
    start = framing_.size();
    const auto previous = media::flv::previous_tag_size(body);
    framing_.insert(framing_.end(), previous.begin(), previous.end());
    framing_.push_back('\r');
    framing_.push_back('\n');
  }
  iov_.emplace_back(framing_.data() + start, framing_.size() - start);
  for (const auto& b : iov_) in_flight_bytes_ += b.size();

  beast::error_code ec;
  if (!media::write_now(stream_.socket(), iov_, ec)) {
    finish();
    return false;
  }
  if (iov_.empty()) {
    write_done();
    return true;
  }
  writing_ = true;
  asio::async_write(stream_, iov_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec) return self->finish();
    self->write_done();
    self->write_next();
  });
  return false;
}

void FlvSession::write_done() {
  metrics_.flv_bytes_out.fetch_add(in_flight_bytes_, std::memory_order_relaxed);
  const auto now = std::chrono::steady_clock::now();
  for (const auto& tag : in_flight_)
    if (tag.arrived != std::chrono::steady_clock::time_point{}) metrics_.flv_delay.observe(now - tag.arrived);
  in_flight_.clear();
}

void FlvSession::finish() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace server
