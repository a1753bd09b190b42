#include "server/fulfilment_courier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <stdexcept>
#include <utility>

#include "commerce/codec.hpp"

namespace server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::any_io_executor>;

std::chrono::milliseconds fulfilment_backoff(const FulfilmentConfig& config,
                                             std::int64_t failed_attempt) {
  auto delay = config.backoff_base;
  for (std::int64_t i = 1; i < failed_attempt && delay < config.backoff_cap; ++i) delay *= 2;
  return std::min(delay, config.backoff_cap);
}

std::optional<WebhookUrl> parse_webhook_url(std::string_view url) {
  WebhookUrl out;
  if (url.starts_with("https://")) {
    out.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= ' ' || c >= 0x7f; }))
    return std::nullopt;
  url = url.substr(0, url.find('#'));
  auto authority_end = url.find_first_of("/?");
  std::string_view authority = url.substr(0, authority_end);
  std::string_view rest = authority_end == std::string_view::npos ? "" : url.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs

  std::string_view port;
  if (authority.starts_with('[')) {  // an IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return std::nullopt;
    if (after == ":") return std::nullopt;
    if (!after.empty()) port = after.substr(1);
  } else {
    auto colon = authority.find(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return std::nullopt;
    int n = std::stoi(std::string(port));
    if (n < 1 || n > 65535) return std::nullopt;
    out.port = std::to_string(n);
  } else {
    out.port = out.tls ? "443" : "80";
  }
  out.target = rest.empty()            ? "/"
               : rest.starts_with('?') ? "/" + std::string(rest)
                                       : std::string(rest);
  return out;
}

namespace {

std::int64_t system_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One POST to a webhook and its answer, on the courier's strand: resolve, connect, (for https,
// the TLS handshake, checking the certificate and the host name), write, read, all under one
// deadline. Tells `done` once, with the status or what went wrong.
class WebhookExchange : public std::enable_shared_from_this<WebhookExchange> {
 public:
  struct Outcome {
    int http_status = 0;  // 0: no answer
    std::string error;    // empty when the WMS answered at all
  };
  using Done = std::function<void(Outcome)>;

  // `tls` is used when the URL is https:// and must outlive the exchange.
  WebhookExchange(Strand strand, WebhookUrl url, http::request<http::string_body> request,
                  std::chrono::milliseconds timeout, std::uint64_t max_response_body,
                  ssl::context& tls, Done done)
      : resolver_(strand),
        deadline_(strand),
        url_(std::move(url)),
        request_(std::move(request)),
        timeout_(timeout),
        done_(std::move(done)) {
    if (url_.tls)
      tls_stream_.emplace(strand, tls);
    else
      plain_stream_.emplace(strand);
    parser_.body_limit(max_response_body);
  }

  void run() {
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;
      self->timed_out_ = true;
      self->abort();
    });
    resolver_.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(ec, std::move(r));
        });
  }

  // Ends the exchange early (shutdown); `done` is still told, with "cancelled".
  void cancel() {
    cancelled_ = true;
    abort();
  }

 private:
  beast::tcp_stream& tcp_stream() {
    return tls_stream_ ? tls_stream_->next_layer() : *plain_stream_;
  }
  // Calls `f` with the stream the HTTP exchange goes over: TLS or plain.
  template <class F>
  void with_stream(F&& f) {
    if (tls_stream_)
      f(*tls_stream_);
    else
      f(*plain_stream_);
  }

  void abort() {
    resolver_.cancel();
    tcp_stream().close();
  }

  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return fail("resolve", ec);
    tcp_stream().async_connect(
        results, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
          self->on_connect(ec);
        });
  }

  void on_connect(beast::error_code ec) {
    if (ec) return fail("connect", ec);
    if (!tls_stream_) return write();
    beast::error_code not_an_address;
    asio::ip::make_address(url_.host, not_an_address);
    // SNI names the host for servers with several certificates (not sent for an IP address).
    if (not_an_address) SSL_set_tlsext_host_name(tls_stream_->native_handle(), url_.host.c_str());
    tls_stream_->set_verify_mode(ssl::verify_peer);
    tls_stream_->set_verify_callback(ssl::host_name_verification(url_.host));
    tls_stream_->async_handshake(ssl::stream_base::client,
                                 [self = shared_from_this()](beast::error_code ec) {
                                   if (ec) return self->fail("tls", ec);
                                   self->write();
                                 });
  }

  void write() {
    with_stream([this](auto& stream) {
      http::async_write(
          stream, request_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
    });
  }

  void on_write(beast::error_code ec) {
    if (ec) return fail("write", ec);
    with_stream([this](auto& stream) {
      http::async_read(
          stream, buffer_, parser_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    // A status line and headers are the WMS's answer; a body over our limit does not change it.
    if (ec &&
        !(ec == http::error::body_limit && parser_.is_header_done() && !timed_out_ && !cancelled_))
      return fail("read", ec);
    finish({static_cast<int>(parser_.get().result_int()), {}});
  }

  void fail(std::string_view phase, beast::error_code ec) {
    if (timed_out_) return finish({0, "timeout"});
    if (cancelled_) return finish({0, "cancelled"});
    if (ec == asio::error::connection_refused) return finish({0, "connection refused"});
    finish({0, std::string(phase) + ": " + ec.message()});
  }

  void finish(Outcome outcome) {
    if (!done_) return;
    deadline_.cancel();
    // The request said Connection: close, so the socket is closed without TLS's close_notify.
    beast::error_code ignored;
    tcp_stream().socket().shutdown(tcp::socket::shutdown_both,
                                   ignored);  // not connected: nothing to do
    tcp_stream().close();
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(outcome));
  }

  tcp::resolver resolver_;
  std::optional<beast::tcp_stream> plain_stream_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_stream_;
  asio::steady_timer deadline_;
  WebhookUrl url_;
  http::request<http::string_body> request_;
  std::chrono::milliseconds timeout_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool timed_out_ = false;
  bool cancelled_ = false;
  Done done_;
};

// TLS 1.2 or later, the peer's certificate checked against the system's CAs (and the extra
// file's); the host name is checked per exchange.
ssl::context tls_client_context(const FulfilmentConfig& config) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.set_default_verify_paths();
  if (!config.extra_ca_file.empty()) {
    boost::system::error_code ec;
    ctx.load_verify_file(config.extra_ca_file, ec);
    if (ec)
      throw std::invalid_argument("fulfilment: cannot read CA file " + config.extra_ca_file + ": " +
                                  ec.message());
  }
  return ctx;
}

std::string host_header(const WebhookUrl& url) {
  std::string host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
  return url.port == (url.tls ? "443" : "80") ? host : host + ":" + url.port;
}

http::request<http::string_body> webhook_request(const WebhookUrl& url,
                                                 const commerce::Order& order,
                                                 std::int64_t attempt) {
  boost::json::object body;
  body["event"] = "order.created";
  body["order"] = commerce::to_json(order);
  http::request<http::string_body> req{http::verb::post, url.target, 11};
  req.set(http::field::host, host_header(url));
  req.set(http::field::user_agent, "livecart-fulfilment");
  req.set(http::field::content_type, "application/json");
  req.set("Idempotency-Key", "order-" + std::to_string(order.id));
  req.set("X-Livecart-Attempt", std::to_string(attempt));
  req.keep_alive(false);
  req.body() = boost::json::serialize(body);
  req.prepare_payload();
  return req;
}

}  // namespace

// Everything here runs on strand_, except the atomics and stopped_, which any thread may read.
class FulfilmentCourier::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(asio::any_io_executor io, commerce::Store& store, const FulfilmentConfig& config,
       Clock clock)
      : strand_(asio::make_strand(io)),
        store_(store),
        config_(config),
        tls_(tls_client_context(config)),
        clock_(std::move(clock)),
        wake_(strand_) {}

  void start() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->stopped_ || self->started_) return;
      self->started_ = true;
      self->poll();
    });
  }

  void notify() {
    asio::post(strand_, [self = shared_from_this()] { self->poll(); });
  }

  void stop(std::function<void()> stopped) {
    stopped_ = true;
    asio::post(strand_, [self = shared_from_this(), stopped = std::move(stopped)] {
      self->wake_.cancel();
      for (auto& [id, exchange] : self->in_flight_)
        if (exchange) exchange->cancel();
      if (stopped) stopped();
    });
  }

  FulfilmentListener* listener_ = nullptr;  // set before start()
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> in_flight_count_{0};
  std::atomic<std::uint64_t> store_errors_{0};

 private:
  // Reads the due rows unless a read is under way (then reads again after it) or every slot
  // is taken (a finishing attempt reads again).
  void poll() {
    if (stopped_ || !started_) return;
    if (polling_) {
      poll_again_ = true;
      return;
    }
    if (in_flight_.size() >= config_.max_in_flight) return;
    polling_ = true;
    // Rows in flight are still due until recorded: max_in_flight rows leave enough new ones.
    store_.due_deliveries(
        now_ms(), config_.max_in_flight,
        [self = shared_from_this()](commerce::Result<std::vector<commerce::PendingDelivery>> r) {
          asio::post(self->strand_,
                     [self, r = std::move(r)]() mutable { self->on_due(std::move(r)); });
        });
  }

  void on_due(commerce::Result<std::vector<commerce::PendingDelivery>> due) {
    polling_ = false;
    if (stopped_) return;
    if (!due.ok()) {
      ++store_errors_;
      spdlog::error("fulfilment: cannot read the outbox: {}", due.error.message);
    } else {
      for (auto& pending : *due.value) {
        if (in_flight_.size() >= config_.max_in_flight) break;
        if (in_flight_.contains(pending.order.id)) continue;
        deliver(std::move(pending));
      }
    }
    wake_after(config_.poll_interval);
    if (poll_again_) {
      poll_again_ = false;
      poll();
    }
  }

  void deliver(commerce::PendingDelivery pending) {
    const std::int64_t id = pending.order.id;
    const std::int64_t attempt = pending.attempts + 1;
    const std::int64_t at_ms = now_ms();
    auto url = parse_webhook_url(pending.url);
    in_flight_[id] = nullptr;
    in_flight_count_ = in_flight_.size();
    if (!url) return complete(pending.order, at_ms, attempt, {0, "bad URL"});
    auto request = webhook_request(*url, pending.order, attempt);
    auto exchange = std::make_shared<WebhookExchange>(
        strand_, std::move(*url), std::move(request), config_.request_timeout,
        config_.max_response_body, tls_,
        [self = shared_from_this(), order = std::move(pending.order), at_ms, attempt](
            WebhookExchange::Outcome o) { self->complete(order, at_ms, attempt, std::move(o)); });
    in_flight_[id] = exchange;
    exchange->run();
  }

  // The attempt stays in flight until the store has recorded it, so that no read of the outbox
  // in between hands the same order out twice.
  void complete(const commerce::Order& order, std::int64_t at_ms, std::int64_t attempt,
                WebhookExchange::Outcome o) {
    if (stopped_) return forget(order.id);
    in_flight_[order.id] = nullptr;
    const bool delivered = o.error.empty() && o.http_status >= 200 && o.http_status < 300;
    if (!delivered && o.error.empty()) o.error = "HTTP " + std::to_string(o.http_status);
    if (delivered) o.error.clear();
    const std::int64_t next =
        delivered ? 0 : now_ms() + fulfilment_backoff(config_, attempt).count();
    if (!delivered)
      spdlog::warn("fulfilment: room {} order {} attempt {}: {}", order.room, order.id, attempt,
                   o.error);
    commerce::DeliveryAttempt recorded{order.id, at_ms, o.http_status, std::move(o.error)};
    store_.record_delivery(recorded, next,
                           [self = shared_from_this(), recorded, next](commerce::Result<bool> r) {
                             asio::post(self->strand_, [self, recorded, next, ok = r.ok()] {
                               self->on_recorded(recorded, next, ok);
                             });
                           });
  }

  void on_recorded(const commerce::DeliveryAttempt& attempt, std::int64_t next_ms, bool ok) {
    forget(attempt.order_id);
    if (stopped_) return;
    if (!ok) {
      // The row stays due as it was: the next poll tries it again.
      ++store_errors_;
      spdlog::error("fulfilment: order {}: cannot record the attempt", attempt.order_id);
      wake_after(config_.poll_interval);
      return;
    }
    if (next_ms == 0)
      ++delivered_;
    else
      ++failed_;
    if (listener_) listener_->on_attempt_recorded(attempt, next_ms);
    // One millisecond late rather than early: the outbox compares whole milliseconds.
    if (next_ms != 0)
      wake_after(std::chrono::milliseconds(std::max<std::int64_t>(0, next_ms - now_ms()) + 1));
    poll();
  }

  void forget(std::int64_t order_id) {
    in_flight_.erase(order_id);
    in_flight_count_ = in_flight_.size();
  }

  // Moves the wake-up earlier, never later.
  void wake_after(std::chrono::milliseconds delay) {
    if (stopped_) return;
    auto at = std::chrono::steady_clock::now() + delay;
    if (wake_at_ && *wake_at_ <= at) return;
    wake_at_ = at;
    const std::uint64_t generation = ++wake_generation_;
    wake_.expires_at(at);  // cancels the later wait
    wake_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->wake_generation_) return;
      self->wake_at_.reset();
      self->poll();
    });
  }

  [[nodiscard]] std::int64_t now_ms() const { return clock_ ? clock_() : system_ms(); }

  Strand strand_;
  commerce::Store& store_;
  const FulfilmentConfig config_;
  ssl::context tls_;  // for https:// webhooks
  const Clock clock_;
  asio::steady_timer wake_;
  std::optional<std::chrono::steady_clock::time_point> wake_at_;  // of the pending wait
  std::uint64_t wake_generation_ = 0;
  std::atomic<bool> stopped_{false};
  bool started_ = false;
  bool polling_ = false;
  bool poll_again_ = false;
  // Order id → its exchange; null while the outcome is being recorded.
  std::map<std::int64_t, std::shared_ptr<WebhookExchange>> in_flight_;
};

namespace {

const FulfilmentConfig& validated(const FulfilmentConfig& c) {
  if (c.max_in_flight == 0)
    throw std::invalid_argument("fulfilment: max_in_flight must be at least 1");
  if (c.poll_interval.count() <= 0)
    throw std::invalid_argument("fulfilment: poll_interval must be positive");
  if (c.request_timeout.count() <= 0)
    throw std::invalid_argument("fulfilment: request_timeout must be positive");
  if (c.backoff_base.count() <= 0 || c.backoff_cap < c.backoff_base)
    throw std::invalid_argument(
        "fulfilment: backoff_base must be positive and at most backoff_cap");
  return c;
}

}  // namespace

FulfilmentCourier::FulfilmentCourier(asio::any_io_executor io, commerce::Store& store,
                                     const FulfilmentConfig& config, Clock clock)
    : core_(std::make_shared<Core>(std::move(io), store, validated(config), std::move(clock))) {}

FulfilmentCourier::~FulfilmentCourier() { core_->stop({}); }

void FulfilmentCourier::set_listener(FulfilmentListener* listener) { core_->listener_ = listener; }
void FulfilmentCourier::start() { core_->start(); }
void FulfilmentCourier::notify() { core_->notify(); }
void FulfilmentCourier::stop(std::function<void()> stopped) { core_->stop(std::move(stopped)); }

std::uint64_t FulfilmentCourier::delivered_total() const { return core_->delivered_; }
std::uint64_t FulfilmentCourier::failed_attempts_total() const { return core_->failed_; }
std::uint64_t FulfilmentCourier::in_flight() const { return core_->in_flight_count_; }
std::uint64_t FulfilmentCourier::store_errors_total() const { return core_->store_errors_; }

}  // namespace server
