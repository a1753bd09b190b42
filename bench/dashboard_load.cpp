// dashboard_load: how long an event takes to reach the operator dashboard, under load; in its
// own process.
//
// Opens V viewer WebSockets to one room and one dashboard stream (/ws/rooms/{id}/dashboard).
// Background load: the viewers send impressions and clicks of one product at R frames/s in
// total, round-robin, so each stays under the server's per-connection frame limit. Probes:
// every comment is a probe, C per second (default 5, one every 200 ms), each from a viewer that
// has not chatted for 2 s, with a text never sent before. A probe's latency runs from its send
// to the arrival of the first snapshot whose windows.broadcast.comments reaches the number of
// accepted comments up to and including it. A comment refused by moderation ({"type":"error",
// "ref":"p<n>"}) is left out of that number. Latencies are computed after the run, when every
// refusal is known. At the end the snapshot's count is checked against the comments accepted:
// a wrong count (lost or foreign comments) fails the run.
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
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }
std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr double kMaxFramesPerViewer = 15;  // the server allows 20/s (burst 40): stay clear of it
constexpr auto kChatGap = std::chrono::seconds(2);  // a viewer chats at most once per gap (server: 1/s)
constexpr auto kPacerTick = std::chrono::milliseconds(5);

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string room = "bench";
  std::string sku = "soy";
  std::string operator_token;
  std::string admin_token;
  int viewers = 500;
  double rate = 2000;           // impressions + clicks per second, all viewers together
  double click_share = 0.2;     // of those, clicks
  double comment_rate = 5;      // comments (= probes) per second
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
  Client(asio::io_context& ioc, Run& run, Kind kind, int index) : ws_(ioc), run_(run), kind_(kind), index_(index) {}

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
    ws_.async_write(asio::buffer(*out_.front().frame), [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
      self->on_frame(std::string_view(static_cast<const char*>(self->buffer_.data().data()), n), arrived);
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
      run_.snapshots.push_back({arrived, at_ms->as_int64(), comments->as_int64(), text.size()});
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

// On the io thread every few ms: sends the impressions and clicks due, and the probes due once
// probing has begun. Viewers take turns, so each sends about (R + C) / V frames a second.
class Pacer {
 public:
  Pacer(asio::io_context& ioc, Run& run, std::vector<std::shared_ptr<Client>>& viewers)
      : timer_(ioc), run_(run), viewers_(viewers),
        impression_(std::make_shared<const std::string>(R"({"type":"impression","sku":")" + run.opt.sku + "\"}")),
        click_(std::make_shared<const std::string>(R"({"type":"click","sku":")" + run.opt.sku + "\"}")) {}

  void start_load() {
    load_start_ = Clock::now();
    tick();
  }
  void start_probes(std::int64_t baseline) {
    probe_start_ = Clock::now();
    run_.expected_comments = baseline;
    probing_ = true;
  }
  void stop_probes() { probing_ = false; }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }
  [[nodiscard]] std::uint64_t skipped() const { return skipped_; }

 private:
  void tick() {
    if (stopped_) return;
    auto now = Clock::now();
    auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - load_start_).count() * run_.opt.rate);
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
    if (probing_) {
      auto probes_due = static_cast<std::size_t>(
          std::chrono::duration<double>(now - probe_start_).count() * run_.opt.comment_rate) + 1;
      std::int64_t t = now_ns();
      while (run_.probes.size() < probes_due) {
        Client* v = next(probe_cursor_, [t](const Client& c) {
          return t - c.last_chat_ns >= std::chrono::duration_cast<std::chrono::nanoseconds>(kChatGap).count();
        });
        if (!v) {
          ++skipped_;
          break;
        }
        send_probe(*v, t);
      }
    }
    timer_.expires_at(now + kPacerTick);
    timer_.async_wait([this](beast::error_code ec) {
      if (!ec) tick();
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
    json::object msg{{"type", "chat"}, {"text", base + " #" + std::to_string(n)}, {"ref", "p" + std::to_string(n)}};
    run_.probes.push_back({t, wall_ms(), false});
    run_.expected_comments.fetch_add(1);
    v.last_chat_ns = t;
    v.send(std::make_shared<const std::string>(json::serialize(msg)), false);
  }

  asio::steady_timer timer_;
  Run& run_;
  std::vector<std::shared_ptr<Client>>& viewers_;
  std::shared_ptr<const std::string> impression_, click_;
  Clock::time_point load_start_, probe_start_;
  std::uint64_t sent_ = 0;
  std::uint64_t skipped_ = 0;
  std::size_t load_cursor_ = 0, probe_cursor_ = 0;
  bool probing_ = false;
  bool stopped_ = false;
};

double cpu_seconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = content.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(content.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto s = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

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
    throw std::runtime_error("GET /api/rooms/" + o.room + "/shelf answered " + std::to_string(res.result_int()));
  json::value shelf = json::parse(res.body());  // kept: a temporary would die before the loop's body
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
      if (!line.empty() && line.size() < 400) texts.push_back(line);  // < 200 characters with the suffix
  }
  if (texts.empty()) texts = {"低钠酱油多少钱一瓶", "主播讲得真清楚", "这个酱油炒菜香吗", "已经拍了两瓶", "什么时候发货"};
  return texts;
}

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("dashboard_load options");
  desc.add_options()("help", "show help")("host", po::value(&o.host)->default_value(o.host), "server address")(
      "port", po::value(&o.port)->required(), "server HTTP port")("room", po::value(&o.room)->default_value(o.room), "room id")(
      "sku", po::value(&o.sku)->default_value(o.sku), "product the impressions and clicks name (must be on the shelf)")(
      "operator-token", po::value(&o.operator_token), "the room's operator key, for the dashboard")(
      "admin-token", po::value(&o.admin_token), "the admin token, for the dashboard when no operator key is given")(
      "viewers", po::value(&o.viewers)->default_value(o.viewers), "viewer connections")(
      "rate", po::value(&o.rate)->default_value(o.rate), "impressions + clicks per second, all viewers together")(
      "click-share", po::value(&o.click_share)->default_value(o.click_share), "share of those that are clicks")(
      "comment-rate", po::value(&o.comment_rate)->default_value(o.comment_rate), "comments per second; every comment is a probe")(
      "warmup", po::value(&o.warmup)->default_value(o.warmup), "seconds of background load before probing")(
      "duration", po::value(&o.duration)->default_value(o.duration), "seconds of probing")(
      "drain", po::value(&o.drain)->default_value(o.drain), "seconds to wait for the last probes' snapshot")(
      "connect-concurrency", po::value(&o.connect_concurrency)->default_value(o.connect_concurrency), "handshakes in flight")(
      "comments-file", po::value(&o.comments_file), "comment texts, one per line (a number is appended to each)")(
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
    o.command_line.append(i ? " " : "").append(prev == "--operator-token" || prev == "--admin-token" ? "TOKEN" : argv[i]);
  }
  if (o.operator_token.empty() && o.admin_token.empty()) throw std::runtime_error("give --operator-token or --admin-token");
  if (o.viewers < 1 || o.rate < 0 || o.comment_rate <= 0 || o.duration <= 0 || o.click_share < 0 || o.click_share > 1)
    throw std::runtime_error("need viewers >= 1, rate >= 0, comment-rate > 0, duration > 0, click-share in [0, 1]");
  if ((o.rate + o.comment_rate) / o.viewers > kMaxFramesPerViewer)
    throw std::runtime_error("more than 15 frames/s per viewer: the server would refuse some; add viewers");
  if (o.comment_rate * std::chrono::duration<double>(kChatGap).count() > o.viewers)
    throw std::runtime_error("too few viewers for the comment rate (each chats at most once per 2 s)");
  return o;
}

template <class Pred>
bool wait_until(Pred pred, double seconds) {
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

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
  run.texts = comment_texts(opt.comments_file);
  check_shelf(opt);

  asio::io_context ioc(1);
  auto guard = asio::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });
  auto on_io = [&](auto f) { asio::post(ioc, std::move(f)); };

  // Viewers, with bounded concurrency: each finished handshake starts the next one.
  std::vector<std::shared_ptr<Client>> viewers(static_cast<std::size_t>(opt.viewers));
  int next = 0;
  std::function<void()> start_next = [&] {  // on the io thread
    if (next >= opt.viewers) return;
    int i = next++;
    auto v = std::make_shared<Client>(ioc, run, Client::Kind::viewer, i);
    viewers[static_cast<std::size_t>(i)] = v;
    v->start("/ws/rooms/" + opt.room + "?nick=d" + std::to_string(i), start_next);
  };
  auto t_connect = Clock::now();
  on_io([&] {
    for (int i = 0; i < std::min(opt.connect_concurrency, opt.viewers); ++i) start_next();
  });
  wait_until([&] { return run.ready.load() + run.failed.load() >= opt.viewers; }, 120);
  std::printf("connected %d/%d viewers (welcomed) in %.2f s, %d failed\n", run.ready.load(), opt.viewers,
              std::chrono::duration<double>(Clock::now() - t_connect).count(), run.failed.load());

  const std::string& token = opt.operator_token.empty() ? opt.admin_token : opt.operator_token;
  auto dashboard = std::make_shared<Client>(ioc, run, Client::Kind::dashboard, -1);
  on_io([&] { dashboard->start("/ws/rooms/" + opt.room + "/dashboard?token=" + url_encode(token), [] {}); });
  if (!wait_until([&] { return run.snapshot_count.load() > 0; }, 10))
    throw std::runtime_error("no snapshot from the dashboard stream within 10 s");

  Pacer pacer(ioc, run, viewers);
  on_io([&] { pacer.start_load(); });
  sleep_s(opt.warmup);

  // Probing. No comment has been sent yet, so the latest snapshot's count is the baseline.
  std::int64_t baseline = 0;
  std::size_t first_snapshot = 0;
  std::uint64_t written_before = 0;
  std::atomic<bool> begun{false};
  on_io([&] {
    baseline = run.latest_comments;
    first_snapshot = run.snapshots.size();
    written_before = run.events_written;
    pacer.start_probes(baseline);
    begun = true;
  });
  wait_until([&] { return begun.load(); }, 10);
  double cpu0 = cpu_seconds(opt.server_pid), own0 = own_cpu_seconds();
  auto t0 = Clock::now();
  sleep_s(opt.duration);
  std::uint64_t written_after = 0;
  std::atomic<bool> ended{false};
  on_io([&] {
    pacer.stop_probes();
    written_after = run.events_written;
    ended = true;
  });
  wait_until([&] { return ended.load(); }, 10);
  double window = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu1 = cpu_seconds(opt.server_pid), own1 = own_cpu_seconds();
  // The background load goes on while the last probes' snapshot comes.
  wait_until([&] { return run.latest_comments.load() >= run.expected_comments.load(); }, opt.drain + 1.5);
  sleep_s(0.3);  // a late refusal would still arrive before this
  std::atomic<bool> stopped{false};
  on_io([&] {
    pacer.stop();
    stopped = true;
  });
  wait_until([&] { return stopped.load(); }, 10);
  guard.reset();
  ioc.stop();
  io.join();

  // Latencies, now that every refusal is known.
  bench::Histogram latency, taken;
  std::int64_t accepted = 0;
  std::size_t refused = 0, unmatched = 0, s = first_snapshot;
  for (const auto& p : run.probes) {
    if (p.refused) {
      ++refused;
      continue;
    }
    std::int64_t need = baseline + ++accepted;
    while (s < run.snapshots.size() && (run.snapshots[s].comments < need || run.snapshots[s].arrived_ns < p.sent_ns)) ++s;
    if (s == run.snapshots.size()) {
      ++unmatched;
      continue;
    }
    latency.add((run.snapshots[s].arrived_ns - p.sent_ns) / 1000);
    taken.add((run.snapshots[s].at_ms - p.sent_wall_ms) * 1000);
  }
  std::size_t n_snap = run.snapshots.size() - first_snapshot;
  double mean_interval = 0, max_interval = 0, mean_bytes = 0;
  for (std::size_t i = first_snapshot; i < run.snapshots.size(); ++i) {
    mean_bytes += static_cast<double>(run.snapshots[i].bytes) / static_cast<double>(n_snap);
    if (i == first_snapshot) continue;
    double gap = static_cast<double>(run.snapshots[i].arrived_ns - run.snapshots[i - 1].arrived_ns) / 1e6;
    mean_interval += gap / static_cast<double>(n_snap - 1);
    max_interval = std::max(max_interval, gap);
  }
  std::int64_t final_count = run.snapshots.empty() ? 0 : run.snapshots.back().comments;
  bool count_ok = final_count - baseline == accepted;
  std::uint64_t errors = 0;
  std::string error_list;
  for (const auto& [code, n] : run.errors) {
    errors += n;
    error_list += (error_list.empty() ? "" : ", ") + code + " " + std::to_string(n);
  }
  double events_per_s = static_cast<double>(written_after - written_before) / window;
  double server_cpu = 100 * (cpu1 - cpu0) / window, own_cpu = 100 * (own1 - own0) / window;

  std::printf("probes %zu (%zu refused), %zu matched to a snapshot, %zu never seen; dashboard count %lld - baseline %lld "
              "= %lld, accepted %lld: %s\n",
              run.probes.size(), refused, latency.count(), unmatched, static_cast<long long>(final_count),
              static_cast<long long>(baseline), static_cast<long long>(final_count - baseline),
              static_cast<long long>(accepted), count_ok ? "ok" : "MISMATCH");
  std::printf("snapshots %zu, interval mean %.1f ms, max %.1f ms, %.0f bytes each on average; suggestions %llu\n", n_snap,
              mean_interval, max_interval, mean_bytes, static_cast<unsigned long long>(run.suggestions));
  std::printf("event to dashboard (arrival at client) ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n",
              latency.percentile_ms(50), latency.percentile_ms(90), latency.percentile_ms(99), latency.max_ms());
  std::printf("event to snapshot taken (server at_ms) ms: p50 %.1f p90 %.1f p99 %.1f max %.1f\n", taken.percentile_ms(50),
              taken.percentile_ms(90), taken.percentile_ms(99), taken.max_ms());
  std::printf("background: %.0f impressions+clicks/s written (asked %.0f), %llu not sent (no usable viewer); "
              "comments %.1f/s; viewers closed %d; errors %llu%s%s\n",
              events_per_s, opt.rate, static_cast<unsigned long long>(pacer.skipped()),
              static_cast<double>(run.probes.size()) / opt.duration, run.closed.load(),
              static_cast<unsigned long long>(errors), error_list.empty() ? "" : ": ", error_list.c_str());
  if (opt.server_pid > 0) std::printf("server CPU %.0f %% of one core; load generator %.0f %%\n", server_cpu, own_cpu);
  if (run.last_snapshot.is_object())
    std::printf("last snapshot: online %s, dropped_events %s\n", json::serialize(run.last_snapshot.at("online")).c_str(),
                json::serialize(run.last_snapshot.at("dropped_events")).c_str());

  std::printf(
      "RESULT {\"viewers\":%d,\"ready\":%d,\"rate\":%.0f,\"comment_rate\":%.1f,\"duration\":%.1f,\"probes\":%zu,"
      "\"refused\":%zu,\"unmatched\":%zu,\"count_ok\":%s,\"snapshots\":%zu,\"snapshot_interval_ms\":{\"mean\":%.1f,"
      "\"max\":%.1f},\"latency_ms\":{\"p50\":%.1f,\"p90\":%.1f,\"p99\":%.1f,\"max\":%.1f},\"events_per_sec\":%.0f,"
      "\"errors\":%llu,\"server_cpu_percent\":%.1f,\"client_cpu_percent\":%.1f,\"command\":%s}\n",
      opt.viewers, run.ready.load(), opt.rate, opt.comment_rate, opt.duration, run.probes.size(), refused, unmatched,
      count_ok ? "true" : "false", n_snap, mean_interval, max_interval, latency.percentile_ms(50),
      latency.percentile_ms(90), latency.percentile_ms(99), latency.max_ms(), events_per_s,
      static_cast<unsigned long long>(errors), server_cpu, own_cpu, json::serialize(json::string(opt.command_line)).c_str());
  bool ok = run.failed.load() == 0 && unmatched == 0 && count_ok && latency.count() > 0;
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dashboard_load: %s\n", e.what());
  return 2;
}
