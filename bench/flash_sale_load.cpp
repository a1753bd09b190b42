// flash_sale_load: N buyers over real WebSocket connections try to buy one flash-sale product
// at the same moment, once each; in its own process.
//
// Every buyer joins the room as its own anonymous viewer (its own user), waits for its welcome,
// and when all are in, each sends {"type":"buy","sku":…,"sale":…,"quantity":1,"key":…} at once.
// It reports purchase attempts/s (answers over the time from the first send to the last
// answer), the latency from send to `order_result` (p50/p99/max), the outcomes, the CPU time
// the server and this process spent in the burst, and checks the answer against the reference:
// exactly `--expect-ok` orders succeed, no buyer gets two, every attempt is answered. Exit
// status 1 when the check fails.
//
// Several --port (the nodes of one cluster sharing a Redis): buyer i connects to node i mod N,
// and the outcomes and latency are also reported per node, since a node that sold nothing or
// answered slowly is hidden in the totals. Several --server-pid (one per node, in --port's
// order) and --redis-pid report each process's CPU in the burst: Redis's own work is part of
// a purchase's cost once the stock lives there.
//
// The buyers are plain non-blocking sockets on an epoll loop per thread, with the WebSocket
// framing (RFC 6455) done here: on the 2-core machine the generator shares the CPUs with the
// server it measures, so it must cost much less than the server per purchase. Each buyer's
// masked frame is built before the burst; in the burst a thread only calls send() for each of
// its buyers, then reads answers. With --rate, the purchases are spread evenly instead (an open
// loop: each is sent when due, whatever came back), which measures the latency of one purchase
// at that rate rather than the time to drain a burst.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "proc.hpp"

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;  // buyer i connects to ports[i % size]
  std::string room;
  std::string sku;
  std::string sale;
  int buyers = 10000;
  int expect_ok = -1;
  int threads = 2;
  int connect_concurrency = 200;
  std::vector<int> server_pids;  // the nodes, in the order of `ports`
  int redis_pid = 0;
  double pause = 0;  // seconds between connecting and buying (to attach a profiler)
  double rate = 0;   // purchases a second over all threads, evenly spaced; 0: all at once
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void atomic_min(std::atomic<std::int64_t>& a, std::int64_t v) {
  for (auto cur = a.load(); v < cur && !a.compare_exchange_weak(cur, v);) {
  }
}
void atomic_max(std::atomic<std::int64_t>& a, std::int64_t v) {
  for (auto cur = a.load(); v > cur && !a.compare_exchange_weak(cur, v);) {
  }
}

// A client frame (FIN, opcode, masked with `mask`), as RFC 6455 5.2 lays it out.
std::string client_frame(std::uint8_t opcode, std::string_view payload, std::uint32_t mask) {
  std::string f;
  f.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(0x80 | payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(static_cast<char>(0x80 | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xff));
  }
  char key[4];
  std::memcpy(key, &mask, 4);
  f.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return f;
}

// What was shared by every thread, and what they found.
struct Run {
  Options opt;
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<int> answered{0};
  std::atomic<int> closed{0};  // connections the server closed after their welcome
  std::atomic<std::int64_t> first_send_ns{INT64_MAX};
  std::atomic<std::int64_t> last_answer_ns{0};
  std::atomic<std::int64_t> frames_in{0};
  std::mutex mutex;  // guards outcomes and order_ids
  std::map<std::string, int> outcomes;
  std::map<std::int64_t, int> order_ids;
};

struct Buyer {
  int fd = -1;
  int index = 0;
  enum class State { connecting, upgrading, open, done } state = State::connecting;
  std::string in;        // bytes received and not yet parsed
  std::string out;       // bytes still to send (the upgrade request, or the rest of a frame)
  std::string purchase;  // the masked buy frame, built before the burst
  std::string outcome;   // of the order_result, once answered
  std::int64_t sent_ns = 0;
  bool welcomed = false;
  bool answered = false;
};

// What the buyers of one node saw.
struct NodeTally {
  int ready = 0;
  int answered = 0;
  std::map<std::string, int> outcomes;
  bench::Histogram latency;
};

// One thread's buyers and their epoll loop.
class Worker {
 public:
  Worker(Run& run, std::vector<int> indexes)
      : run_(run), epoll_(epoll_create1(0)), wake_(eventfd(0, EFD_NONBLOCK)) {
    if (epoll_ < 0 || wake_ < 0)
      throw std::runtime_error(std::string("epoll: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = UINT64_MAX;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev);
    buyers_.resize(indexes.size());
    std::mt19937 rng(static_cast<unsigned>(indexes.empty() ? 0 : indexes[0]));
    for (std::size_t i = 0; i < indexes.size(); ++i) {
      Buyer& b = buyers_[i];
      b.index = indexes[i];
      json::object msg{{"type", "buy"},
                       {"sku", run_.opt.sku},
                       {"quantity", 1},
                       {"key", "flash-" + std::to_string(b.index)},
                       {"ref", std::to_string(b.index)}};
      if (!run_.opt.sale.empty()) msg["sale"] = run_.opt.sale;
      b.purchase = client_frame(0x1, json::serialize(msg), static_cast<std::uint32_t>(rng()));
    }
  }
  ~Worker() {
    for (auto& b : buyers_)
      if (b.fd >= 0) close(b.fd);
    close(epoll_);
    close(wake_);
  }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  // Everyone buys now (from the main thread).
  void go() {
    go_.store(true);
    std::uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
  }
  void stop() {
    stop_.store(true);
    std::uint64_t one = 1;
    (void)!write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
  }
  // Adds this thread's buyers to their nodes' tallies (after stop()).
  void tally(std::vector<NodeTally>& nodes) const {
    for (const auto& b : buyers_) {
      NodeTally& t = nodes[node_of(b)];
      t.ready += b.welcomed ? 1 : 0;
      if (!b.answered) continue;
      ++t.answered;
      ++t.outcomes[b.outcome];
    }
    for (std::size_t n = 0; n < nodes.size(); ++n) nodes[n].latency.merge(latency_[n]);
  }

 private:
  [[nodiscard]] std::size_t node_of(const Buyer& b) const {
    return static_cast<std::size_t>(b.index) % run_.opt.ports.size();
  }

  void loop() {
    std::size_t in_flight_limit = std::max<std::size_t>(
        1, static_cast<std::size_t>(run_.opt.connect_concurrency / run_.opt.threads));
    std::vector<epoll_event> events(1024);
    while (!stop_.load(std::memory_order_relaxed)) {
      while (next_ < buyers_.size() && connecting_ < in_flight_limit)
        open_connection(buyers_[next_++]);
      int timeout_ms = 100;
      if (go_.load(std::memory_order_relaxed) && to_buy_ < buyers_.size()) {
        buy_due();
        if (to_buy_ < buyers_.size()) timeout_ms = 1;  // paced: come back for the next ones
      }
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 == UINT64_MAX) {
          std::uint64_t v;
          (void)!read(wake_, &v, sizeof v);
          continue;
        }
        Buyer& b = buyers_[events[i].data.u64];
        if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(b, events[i].data.u64);
        if (b.state != Buyer::State::done && (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
          on_readable(b);
      }
    }
  }

  void open_connection(Buyer& b) {
    ++connecting_;
    b.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (b.fd < 0) return fail(b);
    int one = 1;
    setsockopt(b.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(run_.opt.ports[node_of(b)]);
    inet_pton(AF_INET, run_.opt.host.c_str(), &addr.sin_addr);
    if (connect(b.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 && errno != EINPROGRESS)
      return fail(b);
    b.out = "GET /ws/rooms/" + run_.opt.room + "?nick=buyer" + std::to_string(b.index) +
            " HTTP/1.1\r\nHost: " + run_.opt.host +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u64 = static_cast<std::uint64_t>(&b - buyers_.data());
    epoll_ctl(epoll_, EPOLL_CTL_ADD, b.fd, &ev);
  }

  void fail(Buyer& b) {
    if (b.state == Buyer::State::connecting || b.state == Buyer::State::upgrading) {
      run_.failed.fetch_add(1);
      --connecting_;
    } else if (b.state == Buyer::State::open) {
      run_.closed.fetch_add(1);
    }
    b.state = Buyer::State::done;
    if (b.fd >= 0) close(b.fd);
    b.fd = -1;
  }

  void want_writable(Buyer& b, std::uint64_t slot, bool on) {
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
    ev.data.u64 = slot;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, b.fd, &ev);
  }

  // Sends what is in b.out; true when all of it went.
  bool flush(Buyer& b) {
    while (!b.out.empty()) {
      ssize_t n = send(b.fd, b.out.data(), b.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        fail(b);
        return false;
      }
      b.out.erase(0, static_cast<std::size_t>(n));
    }
    return true;
  }

  void on_writable(Buyer& b, std::uint64_t slot) {
    if (b.state == Buyer::State::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(b.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) return fail(b);
      b.state = Buyer::State::upgrading;
    }
    if (flush(b) && b.fd >= 0) want_writable(b, slot, false);
  }

  // Sends the purchases due by now: all of them at once, or at --rate (this thread's share)
  // from the moment go() was called.
  void buy_due() {
    std::size_t due = buyers_.size();
    std::int64_t now = now_ns();
    if (run_.opt.rate > 0) {
      if (go_ns_ == 0) go_ns_ = now;
      double per_thread = run_.opt.rate / run_.opt.threads;
      due = std::min(
          buyers_.size(),
          static_cast<std::size_t>(static_cast<double>(now - go_ns_) / 1e9 * per_thread) + 1);
    }
    for (; to_buy_ < due; ++to_buy_) {
      Buyer& b = buyers_[to_buy_];
      if (b.state != Buyer::State::open || !b.welcomed) continue;
      b.sent_ns = now_ns();
      atomic_min(run_.first_send_ns, b.sent_ns);
      ssize_t n = send(b.fd, b.purchase.data(), b.purchase.size(), MSG_NOSIGNAL);
      if (n == static_cast<ssize_t>(b.purchase.size())) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(b);
        continue;
      }
      b.out = b.purchase.substr(n < 0 ? 0 : static_cast<std::size_t>(n));
      want_writable(b, to_buy_, true);
    }
  }

  void on_readable(Buyer& b) {
    char chunk[65536];
    for (;;) {
      ssize_t n = recv(b.fd, chunk, sizeof chunk, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return fail(b);
      if (n < 0) break;
      b.in.append(chunk, static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < sizeof chunk) break;
    }
    if (b.state == Buyer::State::upgrading) {
      auto end = b.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      if (b.in.compare(0, 12, "HTTP/1.1 101") != 0) return fail(b);
      b.in.erase(0, end + 4);
      b.state = Buyer::State::open;
      --connecting_;
    }
    if (b.state == Buyer::State::open) parse_frames(b);
  }

  void parse_frames(Buyer& b) {
    std::size_t pos = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(b.in.data());
    while (b.in.size() - pos >= 2) {
      std::uint8_t opcode = p[pos] & 0x0f;
      std::uint64_t len = p[pos + 1] & 0x7f;
      std::size_t header = 2;
      if (len == 126) {
        if (b.in.size() - pos < 4) break;
        len = (std::uint64_t{p[pos + 2]} << 8) | p[pos + 3];
        header = 4;
      } else if (len == 127) {
        if (b.in.size() - pos < 10) break;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | p[pos + 2 + static_cast<std::size_t>(i)];
        header = 10;
      }
      if (p[pos + 1] & 0x80) return fail(b);  // a server never masks
      if (b.in.size() - pos - header < len) break;
      std::string_view payload(b.in.data() + pos + header, static_cast<std::size_t>(len));
      pos += header + static_cast<std::size_t>(len);
      if (opcode == 0x8) return fail(b);  // the server closed
      if (opcode == 0x9) {
        b.out += client_frame(0xA, payload, 0x5a5a5a5a);
        flush(b);
        continue;
      }
      if (opcode == 0x1) on_text(b, payload);
    }
    b.in.erase(0, pos);
  }

  void on_text(Buyer& b, std::string_view text) {
    run_.frames_in.fetch_add(1, std::memory_order_relaxed);
    // Only two frames matter: the welcome, and our order_result (the rest are the room's batches).
    if (!b.welcomed) {
      if (text.find(R"("type":"welcome")") != std::string_view::npos) {
        b.welcomed = true;
        run_.ready.fetch_add(1);
      }
      return;
    }
    if (b.answered || text.find(R"({"type":"order_result")") != 0) return;
    b.answered = true;
    std::int64_t now = now_ns();
    latency_[node_of(b)].add((now - b.sent_ns) / 1000);
    atomic_max(run_.last_answer_ns, now);
    std::string outcome = "?";
    constexpr std::string_view kOutcome = R"("outcome":")";
    if (auto at = text.find(kOutcome); at != std::string_view::npos) {
      auto from = at + kOutcome.size();
      outcome = std::string(text.substr(from, text.find('"', from) - from));
    }
    b.outcome = outcome;
    std::int64_t order_id = 0;
    if (outcome == "ok") {  // one in ten: read the order id properly
      boost::system::error_code ec;
      auto v = json::parse(text, ec);
      if (!ec && v.is_object())
        if (const auto* id = v.as_object().if_contains("order");
            id && id->is_object() && id->as_object().contains("id"))
          order_id = id->as_object().at("id").to_number<std::int64_t>();
    }
    {
      std::lock_guard lock(run_.mutex);
      ++run_.outcomes[outcome];
      if (outcome == "ok") ++run_.order_ids[order_id];
    }
    run_.answered.fetch_add(1);
  }

  Run& run_;
  int epoll_;
  int wake_;
  std::vector<Buyer> buyers_;
  std::size_t next_ = 0;        // the next buyer to connect
  std::size_t connecting_ = 0;  // connections opened and not yet upgraded
  std::size_t to_buy_ = 0;      // the next buyer to send its purchase
  std::int64_t go_ns_ = 0;      // when paced sending began
  std::atomic<bool> go_{false};
  std::atomic<bool> stop_{false};
  std::vector<bench::Histogram> latency_ = std::vector<bench::Histogram>(run_.opt.ports.size());
  std::thread thread_;
};

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("flash_sale_load options");
  desc.add_options()("help", "show help")("host", po::value(&o.host)->default_value(o.host),
                                          "server address (IPv4)")(
      "port", po::value(&o.ports)->multitoken()->required(),
      "server HTTP port; several: buyers spread over them (cluster nodes)")(
      "room", po::value(&o.room)->required(), "room id")("sku", po::value(&o.sku)->required(),
                                                         "the product")("sale", po::value(&o.sale),
                                                                        "the flash sale's id")(
      "buyers", po::value(&o.buyers)->default_value(o.buyers), "connections, one purchase each")(
      "expect-ok", po::value(&o.expect_ok)->default_value(o.expect_ok),
      "orders that must succeed (-1: no check)")(
      "threads", po::value(&o.threads)->default_value(o.threads), "sending and receiving threads")(
      "connect-concurrency",
      po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
      "handshakes in flight")("server-pid", po::value(&o.server_pids)->multitoken(),
                              "server processes (one per --port), for their CPU time in the burst")(
      "redis-pid", po::value(&o.redis_pid), "redis-server process, for its CPU time in the burst")(
      "pause", po::value(&o.pause)->default_value(o.pause),
      "seconds to wait after connecting, before the burst")(
      "rate", po::value(&o.rate)->default_value(o.rate),
      "purchases a second, evenly spaced over all buyers (0: every buyer at the same moment)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  if (o.buyers < 1 || o.threads < 1 || o.rate < 0)
    throw std::runtime_error("need buyers >= 1, threads >= 1 and rate >= 0");
  if (o.server_pids.size() > o.ports.size())
    throw std::runtime_error("more --server-pid than --port");
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  auto parsed = parse(argc, argv);
  if (!parsed) return 0;
  bench::raise_fd_limit();
  Run run;
  run.opt = *parsed;
  const Options& opt = run.opt;

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < opt.threads; ++t) {
    std::vector<int> mine;
    for (int i = t; i < opt.buyers; i += opt.threads) mine.push_back(i);
    workers.push_back(std::make_unique<Worker>(run, std::move(mine)));
  }
  auto t0 = Clock::now();
  for (auto& w : workers) w->start();
  bench::wait_until([&] { return run.ready.load() + run.failed.load() >= opt.buyers; }, 300,
                    std::chrono::milliseconds(1));
  double connect_s = std::chrono::duration<double>(Clock::now() - t0).count();
  int ready = run.ready.load();
  std::cout << "connected " << ready << " buyers (" << run.failed.load() << " failed) in "
            << connect_s << " s" << std::endl;
  if (opt.pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(opt.pause));

  // Everyone at once: each thread sends its buyers' purchases back to back.
  auto cpu_of = [&opt] {
    std::vector<double> cpu;
    for (int pid : opt.server_pids) cpu.push_back(bench::process_cpu_seconds(pid));
    cpu.push_back(bench::process_cpu_seconds(opt.redis_pid));
    cpu.push_back(bench::own_cpu_seconds());
    return cpu;
  };
  std::vector<double> cpu = cpu_of();
  std::int64_t frames0 = run.frames_in.load();
  for (auto& w : workers) w->go();
  bool all = bench::wait_until([&] { return run.answered.load() >= ready - run.closed.load(); },
                               120, std::chrono::milliseconds(1));
  auto cpu_after = cpu_of();
  for (std::size_t i = 0; i < cpu.size(); ++i) cpu[i] = cpu_after[i] - cpu[i];
  std::int64_t frames = run.frames_in.load() - frames0;
  for (auto& w : workers) w->stop();

  std::vector<NodeTally> nodes(opt.ports.size());
  for (const auto& w : workers) w->tally(nodes);
  bench::Histogram total;
  for (const auto& n : nodes) total.merge(n.latency);
  double window_s = static_cast<double>(run.last_answer_ns.load() - run.first_send_ns.load()) / 1e9;
  int answered = run.answered.load();
  std::cout << "attempts answered: " << answered << " of " << ready
            << (all ? "" : " (deadline passed)") << "\n";
  for (const auto& [outcome, n] : run.outcomes) std::cout << "  " << outcome << ": " << n << "\n";
  std::cout << "window (first send to last answer): " << window_s << " s\n";
  std::cout << "purchase attempts/s: " << (window_s > 0 ? answered / window_s : 0) << "\n";
  std::cout << "latency ms: p50 " << total.percentile_ms(50) << "  p99 " << total.percentile_ms(99)
            << "  max " << total.max_ms() << "\n";
  std::cout << "frames received in the burst: " << frames << " ("
            << static_cast<double>(frames) / std::max(ready, 1) << " a buyer)\n";
  if (nodes.size() > 1) {
    std::cout << "per node:\n";
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      const NodeTally& t = nodes[n];
      std::cout << "  node " << n + 1 << " (port " << opt.ports[n] << "): " << t.answered << " of "
                << t.ready << " answered,";
      for (const auto& [outcome, count] : t.outcomes) std::cout << " " << outcome << " " << count;
      std::cout << "; latency ms p50 " << t.latency.percentile_ms(50) << " p99 "
                << t.latency.percentile_ms(99) << "\n";
    }
  }
  if (!opt.server_pids.empty() || opt.redis_pid > 0) {
    std::size_t servers = opt.server_pids.size();
    std::cout << "CPU seconds in the burst:";
    double nodes_cpu = 0;
    for (std::size_t n = 0; n < servers; ++n) {
      std::cout << (servers == 1 ? " server " : " node " + std::to_string(n + 1) + " ") << cpu[n]
                << ",";
      nodes_cpu += cpu[n];
    }
    if (servers > 1) std::cout << " nodes together " << nodes_cpu << ",";
    if (opt.redis_pid > 0) std::cout << " redis-server " << cpu[servers] << ",";
    std::cout << " load generator " << cpu[servers + 1] << "\n";
  }

  bool ok = all && run.failed.load() == 0 && run.closed.load() == 0;
  if (run.closed.load() > 0)
    std::cout << "CHECK FAILED: the server closed " << run.closed.load() << " buyers\n";
  int orders = run.outcomes.count("ok") ? run.outcomes["ok"] : 0;
  if (opt.expect_ok >= 0 && orders != opt.expect_ok) {
    std::cout << "CHECK FAILED: " << orders << " orders succeeded, expected " << opt.expect_ok
              << "\n";
    ok = false;
  }
  if (static_cast<int>(run.order_ids.size()) != orders || run.order_ids.count(0)) {
    std::cout << "CHECK FAILED: an order id was answered twice or could not be read\n";
    ok = false;
  }
  if (answered != ready) ok = false;
  std::cout << (ok ? "check: ok" : "check: FAILED") << "\n";
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "flash_sale_load: " << e.what() << "\n";
  return 2;
}
