#include "server/flv_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <string>

#include "media/flv.hpp"

namespace server {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

std::string response_head() {
  return "HTTP/1.1 200 OK\r\nServer: livecart\r\nContent-Type: video/x-flv\r\nTransfer-Encoding: chunked\r\n"
         "Cache-Control: no-cache, no-store\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n";
}

// One chunk of the chunked body holding `bytes`.
std::string chunk(const std::vector<std::uint8_t>& bytes) {
  char size[16];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  std::string out(size, static_cast<std::size_t>(n));
  out.append(bytes.begin(), bytes.end());
  out += "\r\n";
  return out;
}

}  // namespace

FlvSession::FlvSession(beast::tcp_stream&& stream, std::shared_ptr<media::StreamHub> hub, ServerMetrics& metrics,
                       SessionTracker& tracker)
    : stream_(std::move(stream)), hub_(std::move(hub)), metrics_(metrics), tracker_(tracker) {
  metrics_.flv_viewers.fetch_add(1, std::memory_order_relaxed);
}

FlvSession::~FlvSession() {
  if (id_) {
    hub_->remove_sink(id_);
    tracker_.remove(id_);
  }
  metrics_.flv_viewers.fetch_sub(1, std::memory_order_relaxed);
}

void FlvSession::run() {
  id_ = tracker_.add(weak_from_this());
  if (id_ == 0) return;  // shutting down
  stream_.expires_never();
  auto head = std::make_shared<std::string>(response_head() + chunk(media::flv::file_header(true, true)));
  writing_ = true;
  asio::async_write(stream_, asio::buffer(*head), [self = shared_from_this(), head](beast::error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec) return self->finish();
    self->hub_->add_sink(self->id_, self->weak_from_this());
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

void FlvSession::on_tag(const media::Tag& tag) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), tag] {
    if (self->closed_) return;
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
  if (closed_ || writing_) return;
  if (queue_.empty()) {
    if (!ended_) return;
    // The stream ended: the last chunk closes the body, then the connection.
    static const std::string last = "0\r\n\r\n";
    writing_ = true;
    asio::async_write(stream_, asio::buffer(last), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->finish();
    });
    return;
  }
  in_flight_ = queue_.front();
  in_flight_arrived_ = in_flight_.arrived;
  queue_.pop();
  const auto body = static_cast<std::uint32_t>(in_flight_.body ? in_flight_.body->size() : 0);
  const std::size_t tag_bytes = media::flv::kTagHeaderBytes + body + 4;
  std::size_t h = static_cast<std::size_t>(std::snprintf(reinterpret_cast<char*>(head_.data()), 16, "%zx\r\n", tag_bytes));
  auto header = media::flv::tag_header(in_flight_.type, in_flight_.timestamp, body);
  std::copy(header.begin(), header.end(), head_.begin() + static_cast<std::ptrdiff_t>(h));
  h += header.size();
  auto previous = media::flv::previous_tag_size(body);
  std::copy(previous.begin(), previous.end(), tail_.begin());
  tail_[4] = '\r';
  tail_[5] = '\n';
  std::array<asio::const_buffer, 3> buffers{asio::buffer(head_.data(), h),
                                            in_flight_.body ? asio::buffer(*in_flight_.body) : asio::const_buffer{},
                                            asio::buffer(tail_)};
  writing_ = true;
  asio::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t n_written) {
    self->writing_ = false;
    self->in_flight_ = {};
    if (ec) return self->finish();
    self->metrics_.flv_bytes_out.fetch_add(n_written, std::memory_order_relaxed);
    if (self->in_flight_arrived_ != std::chrono::steady_clock::time_point{})
      self->metrics_.flv_delay.observe(std::chrono::steady_clock::now() - self->in_flight_arrived_);
    self->write_next();
  });
}

void FlvSession::finish() {
  if (closed_) return;
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace server
