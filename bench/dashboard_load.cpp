// dashboard_load: how long an event takes to reach the operator dashboard, under load; in its
// own process.
//
// Opens V viewer WebSockets to one room and one dashboard stream (/ws/rooms/{id}/dashboard).
// Background load: the viewers send impressions and clicks of one product at R frames/s in
// total, round-robin, so each stays under the server's per-connection frame limit. Probes:
// every comment is a probe, C per second at random times (default 5: one every 200 ms on
// average), each from a viewer that has not chatted for 2 s, with a text never sent before. A
// probe's latency runs from its send to the arrival of the first snapshot whose
// windows.broadcast.comments reaches the number of accepted comments up to and including it. A
// comment refused by moderation ({"type":"error","ref":"p<n>"}) is left out of that number.
// Latencies are computed after the run, when every refusal is known. At the end the snapshot's
// count is checked against the comments accepted: a wrong count (lost or foreign comments) fails
// the run. With --server-pid it also reports the server's CPU time and how long it waited for a
// CPU (other work on its core delays the snapshots as much as its own work does).
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "proc.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}
std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr double kMaxFramesPerViewer = 15;  // the server allows 20/s (burst 40): stay clear of it
// A viewer chats at most once per gap (the server allows 1/s).
constexpr auto kChatGap = std::chrono::seconds(2);
constexpr auto kPacerTick = std::chrono::milliseconds(5);
constexpr auto kSample = std::chrono::milliseconds(100);  // of the server's run-queue wait

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string room = "bench";
  std::string sku = "soy";
  std::string operator_token;
  std::string admin_token;
  int viewers = 500;
  double rate = 2000;        // impressions + clicks per second, all viewers together
  double click_share = 0.2;  // of those, clicks
  double comment_rate = 5;   // comments (= probes) per second, at random times
  std::uint64_t seed = 1;    // of the probes' times
  double warmup = 5;
  double duration = 30;
  double drain = 3;
  int connect_concurrency = 200;
  int server_pid = 0;
  std::string comments_file;
  std::string command_line;
};

struct Probe {
  std::int64_t sent_ns = 0;
  std::int64_t sent_wall_ms = 0;
  bool refused = false;
};

struct Snapshot {
  std::int64_t arrived_ns = 0;
  std::int64_t arrived_wall_ms = 0;
  std::int64_t at_ms = 0;
  std::int64_t comments = 0;  // windows.broadcast.comments
  std::size_t bytes = 0;
};

// Everything below is touched on the io thread only, except the atomics (read by main).
struct Run {
  Options opt;
  std::vector<std::string> texts;
  std::vector<Probe> probes;
  std::vector<Snapshot> snapshots;
  std::map<std::string, std::uint64_t> errors;  // by code; refused probes included
  std::uint64_t events_written = 0;             // impressions and clicks whose write completed
  std::uint64_t suggestions = 0;
  json::value last_snapshot;
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<int> closed{0};
  std::atomic<int> snapshot_count{0};
  std::atomic<std::int64_t> latest_comments{-1};
  std::atomic<std::int64_t> expected_comments{0};  // baseline + accepted probes, once probing
};

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

// One WebSocket: a viewer of the room or the dashboard. Writes go out one at a time from a queue.
class Client : public std::enable_shared_from_this<Client> {
 public:
  enum class Kind { viewer, dashboard };
  Client(asio::io_context& ioc, Run& run, Kind kind, int index)
      : ws_(ioc), run_(run), kind_(kind), index_(index) {}

  void start(std::string target, std::function<void()> done) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    tcp::endpoint ep{asio::ip::make_address(run_.opt.host), run_.opt.port};
    beast::get_lowest_layer(ws_).async_connect(ep, [self, target, done](beast::error_code ec) {
      if (ec) return self->fail(done, "connect", ec);
      self->ws_.read_message_max(1 << 22);
      self->ws_.async_handshake(self->run_.opt.host, target, [self, done](beast::error_code ec2) {
        if (ec2) return self->fail(done, "handshake", ec2);
        beast::get_lowest_layer(self->ws_).expires_never();
        self->do_read();
        done();
      });
    });
  }

  // `background`: an impression or click (counted when written).
  void send(std::shared_ptr<const std::string> frame, bool background) {
    out_.push_back({std::move(frame), background});
    if (out_.size() == 1) do_write();
  }

  [[nodiscard]] bool usable() const { return welcomed_ && open_; }
  std::int64_t last_chat_ns = INT64_MIN / 2;

 private:
  struct Out {
    std::shared_ptr<const std::string> frame;
    bool background;
  };

  void fail(const std::function<void()>& done, const char* what, beast::error_code ec) {
    std::fprintf(stderr, "client %d: %s: %s\n", index_, what, ec.message().c_str());
    run_.failed.fetch_add(1);
    done();
  }
  void do_write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(*out_.front().frame),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      if (self->out_.front().background) ++self->run_.events_written;
                      self->out_.pop_front();
                      if (!self->out_.empty()) self->do_write();
                    });
  }
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        if (self->open_) self->run_.closed.fetch_add(1);
        self->open_ = false;
        return;
      }
      std::int64_t arrived = now_ns();
      self->on_frame(std::string_view(static_cast<const char*>(self->buffer_.data().data()), n),
                     arrived);
      self->buffer_.consume(n);
      self->do_read();
    });
  }
  void on_frame(std::string_view text, std::int64_t arrived) {
    if (kind_ == Kind::viewer) {
      // The room's batches are not ours to read: only the welcome and errors matter.
      if (!welcomed_ && text.starts_with(R"({"type":"welcome")")) {
        welcomed_ = true;
        run_.ready.fetch_add(1);
      } else if (text.starts_with(R"({"type":"error")")) {
        on_error(text);
      }
      return;
    }
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    const json::value* type = ec || !v.is_object() ? nullptr : v.as_object().if_contains("type");
    if (!type || !type->is_string()) return void(++run_.errors["(unreadable dashboard frame)"]);
    if (type->as_string() == "snapshot") {
      const json::value* comments = v.find_pointer("/windows/broadcast/comments", ec);
      const json::value* at_ms = v.as_object().if_contains("at_ms");
      if (!comments || !comments->is_int64() || !at_ms || !at_ms->is_int64())
        return void(++run_.errors["(snapshot without windows.broadcast.comments or at_ms)"]);
      run_.snapshots.push_back(
          {arrived, wall_ms(), at_ms->as_int64(), comments->as_int64(), text.size()});
      run_.latest_comments = comments->as_int64();
      run_.last_snapshot = std::move(v);
      run_.snapshot_count.fetch_add(1);
    } else if (type->as_string() == "suggestion") {
      ++run_.suggestions;
    } else if (type->as_string() == "error") {
      on_error(text);
    }
  }
  // Counts the error by code; one that names a probe ("ref":"p<n>") takes it out of the count.
  void on_error(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    const json::value* code = o ? o->if_contains("code") : nullptr;
    ++run_.errors[code && code->is_string() ? std::string(code->as_string()) : "(no code)"];
    const json::value* ref = o ? o->if_contains("ref") : nullptr;
    if (!ref || !ref->is_string() || !ref->as_string().starts_with("p")) return;
    std::size_t n = std::strtoull(ref->as_string().c_str() + 1, nullptr, 10);
    if (n < run_.probes.size() && !run_.probes[n].refused) {
      run_.probes[n].refused = true;
      run_.expected_comments.fetch_sub(1);
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  Run& run_;
  Kind kind_;
  int index_;
  std::deque<Out> out_;
  bool welcomed_ = false;
  bool open_ = true;
};

// On the io thread. Every few ms it sends the impressions and clicks due; viewers take turns, so
// each sends about (R + C) / V frames a second. Probes come at random (a Poisson process of rate
// C): with a fixed period they would keep one phase against the server's 1 s tick and sample
// only a few points of it.
class Pacer {
 public:
  Pacer(asio::io_context& ioc, Run& run, std::vector<std::shared_ptr<Client>>& viewers)
      : timer_(ioc),
        probe_timer_(ioc),
        run_(run),
        viewers_(viewers),
        random_(run.opt.seed),
        probe_gap_(run.opt.comment_rate),
        impression_(std::make_shared<const std::string>(R"({"type":"impression","sku":")" +
                                                        run.opt.sku + "\"}")),
        click_(std::make_shared<const std::string>(R"({"type":"click","sku":")" + run.opt.sku +
                                                   "\"}")) {}

  void start_load() {
    load_start_ = Clock::now();
    tick();
  }
  void start_probes(std::int64_t baseline) {
    run_.expected_comments = baseline;
    next_probe_ = Clock::now();
    probing_ = true;
    probe();
  }
  void stop_probes() {
    probing_ = false;
    probe_timer_.cancel();
  }
  void stop() {
    stop_probes();
    stopped_ = true;
    timer_.cancel();
  }
  [[nodiscard]] std::uint64_t skipped() const { return skipped_; }
  [[nodiscard]] std::uint64_t probes_skipped() const { return probes_skipped_; }

 private:
  void tick() {
    if (stopped_) return;
    auto now = Clock::now();
    auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - load_start_).count() *
                                          run_.opt.rate);
    for (; sent_ < due; ++sent_) {
      Client* v = next(load_cursor_, [](const Client&) { return true; });
      if (!v) {
        ++skipped_;
        continue;
      }
      // Clicks spread evenly: one whenever the running count of clicks due goes up.
      bool click = std::floor(static_cast<double>(sent_ + 1) * run_.opt.click_share) >
                   std::floor(static_cast<double>(sent_) * run_.opt.click_share);
      v->send(click ? click_ : impression_, true);
    }
    timer_.expires_at(now + kPacerTick);
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) tick();
    });
  }

  void probe() {
    std::int64_t t = now_ns();
    Client* v = next(probe_cursor_, [t](const Client& c) {
      return t - c.last_chat_ns >=
             std::chrono::duration_cast<std::chrono::nanoseconds>(kChatGap).count();
    });
    if (v)
      send_probe(*v, t);
    else
      ++probes_skipped_;
    next_probe_ += std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(probe_gap_(random_)));
    probe_timer_.expires_at(next_probe_);
    probe_timer_.async_wait([this](beast::error_code ec) {
      if (!ec && probing_) probe();
    });
  }

  template <class Pred>
  Client* next(std::size_t& cursor, Pred ok) {
    for (std::size_t tries = 0; tries < viewers_.size(); ++tries) {
      Client* c = viewers_[cursor].get();
      cursor = (cursor + 1) % viewers_.size();
      if (c && c->usable() && ok(*c)) return c;
    }
    return nullptr;
  }

  void send_probe(Client& v, std::int64_t t) {
    std::size_t n = run_.probes.size();
    // A text never sent before: a comment from the file and the probe's number.
    const std::string& base = run_.texts[n % run_.texts.size()];
    json::object msg{{"type", "chat"},
                     {"text", base + " #" + std::to_string(n)},
                     {"ref", "p" + std::to_string(n)}};
    run_.probes.push_back({t, wall_ms(), false});
    run_.expected_comments.fetch_add(1);
    v.last_chat_ns = t;
    v.send(std::make_shared<const std::string>(json::serialize(msg)), false);
  }

  asio::steady_timer timer_, probe_timer_;
  Run& run_;
  std::vector<std::shared_ptr<Client>>& viewers_;
  std::mt19937_64 random_;
  std::exponential_distribution<double> probe_gap_;  // seconds
  std::shared_ptr<const std::string> impression_, click_;
  Clock::time_point load_start_, next_probe_;
  std::uint64_t sent_ = 0;
  std::uint64_t skipped_ = 0, probes_skipped_ = 0;
  std::size_t load_cursor_ = 0, probe_cursor_ = 0;
  bool probing_ = false;
  bool stopped_ = false;
};

// Fails early, with a message, when the room does not sell the product the load is about.
void check_shelf(const Options& o) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(tcp::endpoint{asio::ip::make_address(o.host), o.port});
  http::request<http::empty_body> req{http::verb::get, "/api/rooms/" + o.room + "/shelf", 11};
  req.set(http::field::host, o.host);
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (res.result() != http::status::ok)
    throw std::runtime_error("GET /api/rooms/" + o.room + "/shelf answered " +
                             std::to_string(res.result_int()));
  json::value shelf =
      json::parse(res.body());  // kept: a temporary would die before the loop's body
  for (const auto& p : shelf.at("products").as_array())
    if (p.at("sku").as_string() == o.sku) return;
  throw std::runtime_error("room " + o.room + " has no product " + o.sku + " on its shelf");
}

std::vector<std::string> comment_texts(const std::string& file) {
  std::vector<std::string> texts;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file);
    for (std::string line; std::getline(in, line);)
      if (!line.empty() && line.size() < 400)
        texts.push_back(line);  // < 200 characters with the suffix
  }
  if (texts.empty())
    texts = {"低钠酱油多少钱一瓶", "主播讲得真清楚", "这个酱油炒菜香吗", "已经拍了两瓶",
             "什么时候发货"};
  return texts;
}

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("dashboard_load options");
  desc.add_options()("help", "show help")("host", po::value(&o.host)->default_value(o.host),
                                          "server address")("port", po::value(&o.port)->required(),
                                                            "server HTTP port")(
      "room", po::value(&o.room)->default_value(o.room), "room id")(
      "sku", po::value(&o.sku)->default_value(o.sku),
      "product the impressions and clicks name (must be on the shelf)")(
      "operator-token", po::value(&o.operator_token), "the room's operator key, for the dashboard")(
      "admin-token", po::value(&o.admin_token),
      "the admin token, for the dashboard when no operator key is given")(
      "viewers", po::value(&o.viewers)->default_value(o.viewers), "viewer connections")(
      "rate", po::value(&o.rate)->default_value(o.rate),
      "impressions + clicks per second, all viewers together")(
      "click-share", po::value(&o.click_share)->default_value(o.click_share),
      "share of those that are clicks")("comment-rate",
                                        po::value(&o.comment_rate)->default_value(o.comment_rate),
                                        "comments per second; every comment is a probe")(
      "warmup", po::value(&o.warmup)->default_value(o.warmup),
      "seconds of background load before probing")(
      "duration", po::value(&o.duration)->default_value(o.duration), "seconds of probing")(
      "drain", po::value(&o.drain)->default_value(o.drain),
      "seconds to wait for the last probes' snapshot")(
      "connect-concurrency",
      po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
      "handshakes in flight")("seed", po::value(&o.seed)->default_value(o.seed),
                              "random seed of the probes' times")(
      "comments-file", po::value(&o.comments_file),
      "comment texts, one per line (a number is appended to each)")(
      "server-pid", po::value(&o.server_pid), "server process, for its CPU time");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  for (int i = 0; i < argc; ++i) {  // tokens are left out of the printed command
    std::string_view prev = i ? argv[i - 1] : "";
    o.command_line.append(i ? " " : "")
        .append(prev == "--operator-token" || prev == "--admin-token" ? "TOKEN" : argv[i]);
  }
  if (o.operator_token.empty() && o.admin_token.empty())
    throw std::runtime_error("give --operator-token or --admin-token");
  if (o.viewers < 1 || o.rate < 0 || o.comment_rate <= 0 || o.duration <= 0 || o.click_share < 0 ||
      o.click_share > 1)
    throw std::runtime_error(
        "need viewers >= 1, rate >= 0, comment-rate > 0, duration > 0, click-share in [0, 1]");
  if ((o.rate + o.comment_rate) / o.viewers > kMaxFramesPerViewer)
    throw std::runtime_error(
        "more than 15 frames/s per viewer: the server would refuse some; add viewers");
  if (o.comment_rate * std::chrono::duration<double>(kChatGap).count() > o.viewers)
    throw std::runtime_error(
        "too few viewers for the comment rate (each chats at most once per 2 s)");
  return o;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

// What the measured window was: where it starts in the snapshots, the count before it, and
// what the client wrote and the server spent during it.
struct Window {
  std::int64_t baseline = 0;
  std::size_t first_snapshot = 0;
  std::uint64_t written = 0;
  double seconds = 0;
  double server_cpu_s = 0;
  double server_wait_s = 0;         // waiting for a CPU (run queue)
  double server_worst_wait_ms = 0;  // of that, the most in one kSample
  double own_cpu_s = 0;
  std::uint64_t skipped = 0;
  std::uint64_t probes_skipped = 0;
};

// Runs `f` on the io thread and waits for it.
template <class F>
void on_io_and_wait(asio::io_context& ioc, F f) {
  std::promise<void> done;
  asio::post(ioc, [&] {
    f();
    done.set_value();
  });
  done.get_future().wait();
}

// Connects the viewers and the dashboard, runs the warm-up, the probes and the drain; returns
// with the io thread stopped, so `run` may be read freely.
Window drive(Run& run) {
  const Options& opt = run.opt;
  asio::io_context ioc(1);
  auto guard = asio::make_work_guard(ioc);
  std::vector<std::shared_ptr<Client>> viewers(static_cast<std::size_t>(opt.viewers));
  // Viewers connect with bounded concurrency: each finished handshake starts the next one.
  int next = 0;
  std::function<void()> start_next = [&] {  // on the io thread
    if (next >= opt.viewers) return;
    int i = next++;
    auto v = std::make_shared<Client>(ioc, run, Client::Kind::viewer, i);
    viewers[static_cast<std::size_t>(i)] = v;
    v->start("/ws/rooms/" + opt.room + "?nick=d" + std::to_string(i), start_next);
  };
  auto dashboard = std::make_shared<Client>(ioc, run, Client::Kind::dashboard, -1);
  Pacer pacer(ioc, run, viewers);
  std::thread io([&] { ioc.run(); });
  // On every way out, the io thread stops before what it uses above goes.
  struct Joiner {
    asio::io_context& ioc;
    std::thread& thread;
    ~Joiner() {
      ioc.stop();
      if (thread.joinable()) thread.join();
    }
  } joiner{ioc, io};

  auto t_connect = Clock::now();
  asio::post(ioc, [&] {
    for (int i = 0; i < std::min(opt.connect_concurrency, opt.viewers); ++i) start_next();
  });
  bench::wait_until([&] { return run.ready.load() + run.failed.load() >= opt.viewers; }, 120);
  std::printf("connected %d/%d viewers (welcomed) in %.2f s, %d failed\n", run.ready.load(),
              opt.viewers, std::chrono::duration<double>(Clock::now() - t_connect).count(),
              run.failed.load());

  const std::string& token = opt.operator_token.empty() ? opt.admin_token : opt.operator_token;
  asio::post(ioc, [&] {
    dashboard->start("/ws/rooms/" + opt.room + "/dashboard?token=" + url_encode(token), [] {});
  });
  if (!bench::wait_until([&] { return run.snapshot_count.load() > 0; }, 10))
    throw std::runtime_error("no snapshot from the dashboard stream within 10 s");

  asio::post(ioc, [&] { pacer.start_load(); });
  sleep_s(opt.warmup);

  // No comment has been sent yet, so the latest snapshot's count is the baseline.
  Window w;
  on_io_and_wait(ioc, [&] {
    w.baseline = run.latest_comments;
    w.first_snapshot = run.snapshots.size();
    w.written = run.events_written;
    pacer.start_probes(w.baseline);
  });
  double cpu0 = bench::process_cpu_seconds(opt.server_pid), own0 = bench::own_cpu_seconds();
  auto t0 = Clock::now();
  double wait0 = bench::run_queue_wait_seconds(opt.server_pid), wait_last = wait0;
  for (auto t = t0 + kSample; t < t0 + std::chrono::duration<double>(opt.duration); t += kSample) {
    std::this_thread::sleep_until(t);
    double wait = bench::run_queue_wait_seconds(opt.server_pid);
    w.server_worst_wait_ms = std::max(w.server_worst_wait_ms, (wait - wait_last) * 1000);
    wait_last = wait;
  }
  std::this_thread::sleep_until(t0 + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(opt.duration)));
  on_io_and_wait(ioc, [&] {
    pacer.stop_probes();
    w.written = run.events_written - w.written;
  });
  w.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  w.server_cpu_s = bench::process_cpu_seconds(opt.server_pid) - cpu0;
  w.server_wait_s = bench::run_queue_wait_seconds(opt.server_pid) - wait0;
  w.own_cpu_s = bench::own_cpu_seconds() - own0;
  // The background load goes on while the last probes' snapshot comes.
  bench::wait_until([&] { return run.latest_comments.load() >= run.expected_comments.load(); },
             opt.drain + 1.5);
  sleep_s(0.3);  // a late refusal would still arrive before this
  on_io_and_wait(ioc, [&] { pacer.stop(); });
  w.skipped = pacer.skipped();
  w.probes_skipped = pacer.probes_skipped();
  return w;  // the joiner stops the io thread
}

struct Figures {
  bench::Histogram latency;   // send to the counting snapshot's arrival at the client
  bench::Histogram taken;     // send to the counting snapshot's at_ms (server wall clock)
  bench::Histogram delivery;  // a snapshot's at_ms to its arrival (same machine, same wall clock)
  std::int64_t accepted = 0;
  std::size_t refused = 0, unmatched = 0;
  // Probes counted after a snapshot taken kSlackMs or more after their send: slow on the
  // server before the tick, not merely unlucky with the tick's phase.
  static constexpr std::int64_t kSlackMs = 10;
  std::size_t counted_late = 0;
  std::int64_t largest_margin_ms = 0;
  std::size_t snapshots = 0;
  double mean_interval_ms = 0, max_interval_ms = 0, mean_bytes = 0;
  std::int64_t final_count = 0;
  bool count_ok = false;
};

// Latencies, computed once every refusal is known.
Figures compute(const Run& run, const Window& w) {
  Figures f;
  const auto& snaps = run.snapshots;
  std::size_t s = w.first_snapshot, first_after = w.first_snapshot;
  for (const auto& p : run.probes) {
    if (p.refused) {
      ++f.refused;
      continue;
    }
    std::int64_t need = w.baseline + ++f.accepted;
    while (s < snaps.size() && (snaps[s].comments < need || snaps[s].arrived_ns < p.sent_ns)) ++s;
    if (s == snaps.size()) {
      ++f.unmatched;
      continue;
    }
    f.latency.add((snaps[s].arrived_ns - p.sent_ns) / 1000);
    f.taken.add((snaps[s].at_ms - p.sent_wall_ms) * 1000);
    while (first_after < s && snaps[first_after].at_ms <= p.sent_wall_ms) ++first_after;
    if (std::int64_t had = snaps[first_after].at_ms - p.sent_wall_ms;
        first_after < s && had >= Figures::kSlackMs) {
      ++f.counted_late;
      f.largest_margin_ms = std::max(f.largest_margin_ms, had);
    }
  }
  f.snapshots = snaps.size() - w.first_snapshot;
  for (std::size_t i = w.first_snapshot; i < snaps.size(); ++i) {
    f.mean_bytes += static_cast<double>(snaps[i].bytes) / static_cast<double>(f.snapshots);
    f.delivery.add((snaps[i].arrived_wall_ms - snaps[i].at_ms) * 1000);
    if (i == w.first_snapshot) continue;
    double gap = static_cast<double>(snaps[i].arrived_ns - snaps[i - 1].arrived_ns) / 1e6;
    f.mean_interval_ms += gap / static_cast<double>(f.snapshots - 1);
    f.max_interval_ms = std::max(f.max_interval_ms, gap);
  }
  f.final_count = snaps.empty() ? 0 : snaps.back().comments;
  f.count_ok = f.final_count - w.baseline == f.accepted;
  return f;
}

void print_report(const Run& run, const Window& w, const Figures& f) {
  const Options& opt = run.opt;
  std::uint64_t errors = 0;
  std::string error_list;
  for (const auto& [code, n] : run.errors) {
    errors += n;
    error_list += (error_list.empty() ? "" : ", ") + code + " " + std::to_string(n);
  }
  double events_per_s = static_cast<double>(w.written) / w.seconds;
  double server_cpu = 100 * w.server_cpu_s / w.seconds, own_cpu = 100 * w.own_cpu_s / w.seconds;
  auto ll = [](auto v) { return static_cast<long long>(v); };

  std::printf(
      "probes %zu (%zu refused), %zu matched to a snapshot, %zu never seen; dashboard count %lld - "
      "baseline %lld "
      "= %lld, accepted %lld: %s\n",
      run.probes.size(), f.refused, static_cast<std::size_t>(f.latency.count()), f.unmatched,
      ll(f.final_count), ll(w.baseline), ll(f.final_count - w.baseline), ll(f.accepted),
      f.count_ok ? "ok" : "MISMATCH");
  std::printf(
      "snapshots %zu, interval mean %.1f ms, max %.1f ms, %.0f bytes each on average; suggestions "
      "%lld\n",
      f.snapshots, f.mean_interval_ms, f.max_interval_ms, f.mean_bytes, ll(run.suggestions));
  std::printf("event to dashboard (arrival at client) ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
              f.latency.percentile_ms(50), f.latency.percentile_ms(90), f.latency.percentile_ms(99),
              f.latency.max_ms());
  std::printf("event to snapshot taken (server at_ms) ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
              f.taken.percentile_ms(50), f.taken.percentile_ms(90), f.taken.percentile_ms(99),
              f.taken.max_ms());
  std::printf("snapshot taken to arrival ms (1 ms clock): p50 %.0f max %.0f\n",
              f.delivery.percentile_ms(50), f.delivery.max_ms());
  std::printf(
      "counted a snapshot late (sent >= %lld ms before a snapshot that did not count it): %zu "
      "probes, "
      "the largest margin %lld ms\n",
      ll(Figures::kSlackMs), f.counted_late, ll(f.largest_margin_ms));
  std::printf(
      "background: %.0f impressions+clicks/s written (asked %.0f), %lld not sent (no usable "
      "viewer); "
      "comments %.1f/s (%lld skipped: no viewer free to chat); viewers closed %d; errors "
      "%lld%s%s\n",
      events_per_s, opt.rate, ll(w.skipped), static_cast<double>(run.probes.size()) / opt.duration,
      ll(w.probes_skipped), run.closed.load(), ll(errors), error_list.empty() ? "" : ": ",
      error_list.c_str());
  if (opt.server_pid > 0)
    std::printf(
        "server CPU %.0f %% of one core, and %.0f %% of the time waiting for one (at most %.0f ms "
        "in 100 ms); "
        "load generator %.0f %%\n",
        server_cpu, 100 * w.server_wait_s / w.seconds, w.server_worst_wait_ms, own_cpu);
  if (run.last_snapshot.is_object())
    std::printf("last snapshot: online %s, dropped_events %s\n",
                json::serialize(run.last_snapshot.at("online")).c_str(),
                json::serialize(run.last_snapshot.at("dropped_events")).c_str());
  std::printf(
      "RESULT "
      "{\"viewers\":%d,\"ready\":%d,\"rate\":%.0f,\"comment_rate\":%.1f,\"duration\":%.1f,"
      "\"probes\":%zu,"
      "\"refused\":%zu,\"unmatched\":%zu,\"counted_late\":%zu,\"count_ok\":%s,\"snapshots\":%zu,"
      "\"snapshot_interval_ms\":{\"mean\":%.1f,\"max\":%.1f},\"latency_ms\":{\"p50\":%.1f,\"p90\":%"
      ".1f,\"p99\":%.1f,"
      "\"max\":%.1f},\"events_per_sec\":%.0f,\"errors\":%lld,\"server_cpu_percent\":%.1f,"
      "\"server_cpu_wait_percent\":%.1f,\"client_cpu_percent\":%.1f,\"command\":%s}\n",
      opt.viewers, run.ready.load(), opt.rate, opt.comment_rate, opt.duration, run.probes.size(),
      f.refused, f.unmatched, f.counted_late, f.count_ok ? "true" : "false", f.snapshots,
      f.mean_interval_ms, f.max_interval_ms, f.latency.percentile_ms(50),
      f.latency.percentile_ms(90), f.latency.percentile_ms(99), f.latency.max_ms(), events_per_s,
      ll(errors), server_cpu, 100 * w.server_wait_s / w.seconds, own_cpu,
      json::serialize(json::string(opt.command_line)).c_str());
}

}  // namespace

int main(int argc, char** argv) try {
  auto parsed = parse(argc, argv);
  if (!parsed) return 0;
  bench::raise_fd_limit();
  Run run;
  run.opt = *parsed;
  run.texts = comment_texts(run.opt.comments_file);
  check_shelf(run.opt);
  Window w = drive(run);
  Figures f = compute(run, w);
  print_report(run, w, f);
  return run.failed.load() == 0 && f.unmatched == 0 && f.count_ok && f.latency.count() > 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dashboard_load: %s\n", e.what());
  return 2;
}
