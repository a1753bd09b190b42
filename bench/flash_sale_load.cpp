// flash_sale_load: N buyers over real WebSocket connections try to buy one flash-sale product
// at the same moment, once each; in its own process.
//
// Every buyer joins the room as its own anonymous viewer (its own user), waits for its welcome,
// and when all are in, each sends {"type":"buy","sku":…,"sale":…,"quantity":1,"key":…} at once.
// It reports purchase attempts/s (answers over the time from the first send to the last
// answer), the latency from send to `order_result` (p50/p99/max), the outcomes, and checks the
// answer against the reference: exactly `--expect-ok` orders succeed, no buyer gets two, every
// attempt is answered. Exit status 1 when the check fails.
#include <sys/resource.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string room;
  std::string sku;
  std::string sale;
  int buyers = 10000;
  int expect_ok = -1;
  int threads = 2;
  int connect_concurrency = 200;
  double pause = 0;  // seconds between connecting and buying (to attach a profiler)
};

struct Run {
  Options opt;
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<int> answered{0};
  std::atomic<std::int64_t> first_send_ns{INT64_MAX};
  std::atomic<std::int64_t> last_answer_ns{0};
  std::mutex mutex;  // guards outcomes and order_ids
  std::map<std::string, int> outcomes;
  std::map<std::int64_t, int> order_ids;
};

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

void atomic_min(std::atomic<std::int64_t>& a, std::int64_t v) {
  for (auto cur = a.load(); v < cur && !a.compare_exchange_weak(cur, v);) {}
}
void atomic_max(std::atomic<std::int64_t>& a, std::int64_t v) {
  for (auto cur = a.load(); v > cur && !a.compare_exchange_weak(cur, v);) {}
}

class Buyer : public std::enable_shared_from_this<Buyer> {
 public:
  Buyer(asio::io_context& ioc, Run& run, bench::Histogram& latency, int index)
      : ws_(ioc), run_(run), latency_(latency), index_(index) {}

  void start(std::function<void()> done) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(60));
    tcp::endpoint ep{asio::ip::make_address(run_.opt.host), run_.opt.port};
    beast::get_lowest_layer(ws_).async_connect(ep, [self, done](beast::error_code ec) mutable {
      if (ec) return self->fail(done);
      std::string target = "/ws/rooms/" + self->run_.opt.room + "?nick=buyer" + std::to_string(self->index_);
      self->ws_.async_handshake(self->run_.opt.host, target, [self, done](beast::error_code ec2) mutable {
        if (ec2) return self->fail(done);
        beast::get_lowest_layer(self->ws_).expires_never();
        self->do_read();
        done();
      });
    });
  }

  // Called on the buyer's io thread.
  void buy() {
    json::object msg{{"type", "buy"}, {"sku", run_.opt.sku}, {"quantity", 1},
                     {"key", "flash-" + std::to_string(index_)}, {"ref", std::to_string(index_)}};
    if (!run_.opt.sale.empty()) msg["sale"] = run_.opt.sale;
    out_ = json::serialize(msg);
    sent_ns_ = now_ns();
    atomic_min(run_.first_send_ns, sent_ns_);
    ws_.text(true);
    ws_.async_write(asio::buffer(out_), [self = shared_from_this()](beast::error_code, std::size_t) {});
  }

 private:
  void fail(std::function<void()>& done) {
    run_.failed.fetch_add(1);
    done();
  }
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return;
      self->on_frame(std::string_view(static_cast<const char*>(self->buffer_.data().data()), n));
      self->buffer_.consume(n);
      self->do_read();
    });
  }
  void on_frame(std::string_view text) {
    // Only two frames matter: the welcome, and our order_result (the rest are the room's batches).
    if (!welcomed_ && text.find(R"("type":"welcome")") != std::string_view::npos) {
      welcomed_ = true;
      run_.ready.fetch_add(1);
      return;
    }
    if (text.find(R"("type":"order_result")") == std::string_view::npos) return;
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object()) return;
    std::int64_t now = now_ns();
    latency_.add((now - sent_ns_) / 1000);
    atomic_max(run_.last_answer_ns, now);
    const auto& o = v.get_object();
    std::string outcome = o.contains("outcome") ? std::string(o.at("outcome").as_string()) : "?";
    {
      std::lock_guard lock(run_.mutex);
      ++run_.outcomes[outcome];
      if (outcome == "ok") ++run_.order_ids[o.at("order").at("id").as_int64()];
    }
    run_.answered.fetch_add(1);
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  Run& run_;
  bench::Histogram& latency_;
  int index_;
  bool welcomed_ = false;
  std::string out_;
  std::int64_t sent_ns_ = 0;
};

template <class Pred>
bool wait_until(Pred pred, double seconds) {
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("flash_sale_load options");
  desc.add_options()("help", "show help")("host", po::value(&o.host)->default_value(o.host), "server address")(
      "port", po::value(&o.port)->required(), "server HTTP port")("room", po::value(&o.room)->required(), "room id")(
      "sku", po::value(&o.sku)->required(), "the product")("sale", po::value(&o.sale), "the flash sale's id")(
      "buyers", po::value(&o.buyers)->default_value(o.buyers), "connections, one purchase each")(
      "expect-ok", po::value(&o.expect_ok)->default_value(o.expect_ok), "orders that must succeed (-1: no check)")(
      "threads", po::value(&o.threads)->default_value(o.threads), "io threads")(
      "connect-concurrency", po::value(&o.connect_concurrency)->default_value(o.connect_concurrency), "handshakes in flight")(
      "pause", po::value(&o.pause)->default_value(o.pause), "seconds to wait after connecting, before the burst");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  if (o.buyers < 1 || o.threads < 1) throw std::runtime_error("need buyers >= 1 and threads >= 1");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  auto parsed = parse(argc, argv);
  if (!parsed) return 0;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  Run run;
  run.opt = *parsed;
  const Options& opt = run.opt;

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<bench::Histogram> latency(static_cast<std::size_t>(opt.threads));
  for (int i = 0; i < opt.threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.push_back(asio::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (auto& c : contexts) threads.emplace_back([&ctx = *c] { ctx.run(); });

  std::vector<std::shared_ptr<Buyer>> buyers(static_cast<std::size_t>(opt.buyers));
  std::atomic<int> next{0};
  std::function<void()> start_next = [&] {
    int i = next.fetch_add(1);
    if (i >= opt.buyers) return;
    auto t = static_cast<std::size_t>(i % opt.threads);
    auto b = std::make_shared<Buyer>(*contexts[t], run, latency[t], i);
    buyers[static_cast<std::size_t>(i)] = b;
    asio::post(*contexts[t], [b, &start_next] { b->start(start_next); });
  };
  auto t0 = Clock::now();
  for (int i = 0; i < std::min(opt.connect_concurrency, opt.buyers); ++i) start_next();
  wait_until([&] { return run.ready.load() + run.failed.load() >= opt.buyers; }, 300);
  double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  int ready = run.ready.load();
  std::cout << "connected " << ready << " buyers (" << run.failed.load() << " failed) in " << connect_s << " s"
            << std::endl;
  if (opt.pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(opt.pause));

  // Everyone at once: each io thread sends its buyers' purchases back to back.
  for (std::size_t t = 0; t < contexts.size(); ++t)
    asio::post(*contexts[t], [&, t] {
      for (std::size_t i = t; i < buyers.size(); i += contexts.size())
        if (buyers[i]) buyers[i]->buy();
    });
  bool all = wait_until([&] { return run.answered.load() >= ready; }, 120);

  for (auto& g : guards) g.reset();
  for (auto& c : contexts) c->stop();
  for (auto& t : threads) t.join();

  bench::Histogram total;
  for (const auto& h : latency) total.merge(h);
  double window_s = static_cast<double>(run.last_answer_ns.load() - run.first_send_ns.load()) / 1e9;
  int answered = run.answered.load();
  std::cout << "attempts answered: " << answered << " of " << ready << (all ? "" : " (deadline passed)") << "\n";
  for (const auto& [outcome, n] : run.outcomes) std::cout << "  " << outcome << ": " << n << "\n";
  std::cout << "window (first send to last answer): " << window_s << " s\n";
  std::cout << "purchase attempts/s: " << (window_s > 0 ? answered / window_s : 0) << "\n";
  std::cout << "latency ms: p50 " << total.percentile_ms(50) << "  p99 " << total.percentile_ms(99) << "  max "
            << total.max_ms() << "\n";

  bool ok = all && run.failed.load() == 0;
  int orders = run.outcomes.count("ok") ? run.outcomes["ok"] : 0;
  if (opt.expect_ok >= 0 && orders != opt.expect_ok) {
    std::cout << "CHECK FAILED: " << orders << " orders succeeded, expected " << opt.expect_ok << "\n";
    ok = false;
  }
  if (static_cast<int>(run.order_ids.size()) != orders) {
    std::cout << "CHECK FAILED: an order id was answered twice\n";
    ok = false;
  }
  std::cout << (ok ? "check: ok" : "check: FAILED") << "\n";
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "flash_sale_load: " << e.what() << "\n";
  return 2;
}
