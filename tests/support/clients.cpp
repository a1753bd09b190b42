#include "support/clients.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <sstream>

namespace testing_support {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using asio::ip::tcp;

namespace {

// Runs `ioc` until `done()` or the deadline; returns whether `done()` became true.
bool run_until(asio::io_context& ioc, const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  ioc.restart();
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < until) {
    if (ioc.run_one_until(until) == 0 && ioc.stopped()) ioc.restart();
  }
  return done();
}

tcp::endpoint local(std::uint16_t port) { return {asio::ip::make_address("127.0.0.1"), port}; }

}  // namespace

std::string repeat(std::string_view unit, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return s;
}

HttpResult http_request(std::uint16_t port, std::string_view method, std::string_view target, std::string body,
                        std::string_view bearer, std::chrono::milliseconds timeout,
                        const std::map<std::string, std::string>& headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  HttpResult result;
  bool done = false;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + std::string(bearer));
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = std::move(body);
  req.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  stream.expires_after(timeout);
  stream.async_connect(local(port), [&](beast::error_code ec) {
    if (ec) return void(done = true);
    http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) {
      if (ec2) return void(done = true);
      http::async_read(stream, buffer, res, [&](beast::error_code ec3, std::size_t) {
        if (!ec3) {
          result.status = static_cast<int>(res.result_int());
          for (const auto& f : res) {
            std::string name(f.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            result.headers[name] = std::string(f.value());
          }
          result.body = res.body();
        }
        done = true;
      });
    });
  });
  run_until(ioc, [&] { return done; }, timeout + 1s);
  return result;
}

std::string raw_exchange(std::uint16_t port, std::string_view bytes, std::chrono::milliseconds timeout,
                         bool* closed_by_peer) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  std::string received;
  bool done = false;
  std::string out(bytes);
  char buf[4096];
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(buf), [&](beast::error_code ec, std::size_t n) {
      received.append(buf, n);
      if (ec) {
        if (closed_by_peer) *closed_by_peer = ec != beast::error::timeout;
        return void(done = true);
      }
      read_more();
    });
  };
  stream.expires_after(timeout);
  stream.async_connect(local(port), [&](beast::error_code ec) {
    if (ec) return void(done = true);
    asio::async_write(stream, asio::buffer(out), [&](beast::error_code ec2, std::size_t) {
      if (ec2) return void(done = true);
      read_more();
    });
  });
  run_until(ioc, [&] { return done; }, timeout + 1s);
  return received;
}

std::optional<double> metric_value(std::uint16_t port, std::string_view sample) {
  auto res = http_request(port, "GET", "/metrics");
  std::istringstream lines(res.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > sample.size() && line.compare(0, sample.size(), sample) == 0 && line[sample.size()] == ' ')
      return std::stod(line.substr(sample.size() + 1));
  }
  return std::nullopt;
}

std::unique_ptr<WsClient> WsClient::connect(std::uint16_t port, std::string target, int* refused_status,
                                            std::chrono::milliseconds timeout, int receive_buffer) {
  std::unique_ptr<WsClient> c(new WsClient());
  c->ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(c->ioc_);
  auto& ws = *c->ws_;
  ws.read_message_max(16 << 20);
  bool done = false;
  beast::error_code result;
  websocket::response_type res;
  if (receive_buffer > 0) {
    auto& socket = beast::get_lowest_layer(ws).socket();
    socket.open(tcp::v4());
    socket.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  }
  beast::get_lowest_layer(ws).expires_after(timeout);
  beast::get_lowest_layer(ws).async_connect(local(port), [&](beast::error_code ec) {
    if (ec) {
      result = ec;
      return void(done = true);
    }
    ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), target, [&](beast::error_code ec2) {
      result = ec2;
      done = true;
    });
  });
  if (!run_until(c->ioc_, [&] { return done; }, timeout + 1s) || result) {
    if (refused_status) *refused_status = static_cast<int>(res.result_int());
    return nullptr;
  }
  beast::get_lowest_layer(ws).expires_never();
  c->start_read();
  // Livecart greets every joiner first.
  auto first = c->next(timeout);
  if (first && first->at("type") == "welcome") {
    c->welcome_ = *first;
  } else if (first) {
    c->events_.push_front(*first);
  }
  return c;
}

WsClient::~WsClient() {
  if (!ws_ || closed_) return;
  beast::error_code ignored;
  beast::get_lowest_layer(*ws_).socket().close(ignored);
}

bool WsClient::send(std::string_view payload, bool text) {
  bool done = false;
  beast::error_code result;
  ws_->text(text);
  ws_->async_write(asio::buffer(payload), [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  return pump([&] { return done; }, 10s) && !result;
}

void WsClient::start_read() {
  ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
    if (ec) {
      closed_ = true;
      return;
    }
    ++frames_;
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    json::value v = json::parse(text);
    auto& o = v.as_object();
    if (o.at("type") == "batch") {
      for (auto& e : o.at("events").as_array()) events_.push_back(e.as_object());
    } else {
      events_.push_back(o);
    }
    start_read();
  });
}

bool WsClient::pump(const std::function<bool()>& until_true, std::chrono::milliseconds timeout) {
  return run_until(ioc_, until_true, timeout);
}

std::optional<json::object> WsClient::next(std::chrono::milliseconds timeout) {
  if (!pump([&] { return !events_.empty() || closed_; }, timeout) || events_.empty()) return std::nullopt;
  json::object e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<json::object> WsClient::wait_for(const std::function<bool(const json::object&)>& pred,
                                               std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto e = next(left);
    if (!e) return std::nullopt;
    if (pred(*e)) return e;
  }
}

std::optional<json::object> WsClient::wait_type(std::string_view type, std::chrono::milliseconds timeout) {
  return wait_for([&](const json::object& e) { return e.at("type").as_string() == type; }, timeout);
}

std::optional<int> WsClient::wait_closed(std::chrono::milliseconds timeout) {
  if (!pump([&] { return closed_; }, timeout)) return std::nullopt;
  auto reason = ws_->reason();
  if (reason.code == websocket::close_code::none) return std::nullopt;
  return static_cast<int>(reason.code);
}

}  // namespace testing_support
