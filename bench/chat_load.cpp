// chat_load: a WebSocket chat load generator, in its own process.
//
// Opens N viewer connections to one room, makes S of them chat at R messages/s in total with a
// send timestamp in each text, and reports delivered messages/s, end-to-end latency, lost and
// duplicated messages, server CPU and server RSS per idle connection. It speaks only a small
// subset of the protocol ({"type":"chat","text":...} out; chat events in, alone or inside
// {"type":"batch","events":[...]}; errors echoing "ref"), so it can measure other servers too.
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "proc.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Options {
  std::string host = "127.0.0.1";
  std::vector<std::uint16_t> ports;  // viewer i connects to ports[i % size]: nodes of one cluster
  std::string path;
  bool nick_param = true;
  int viewers = 1000;
  int senders = 50;
  double rate = 200;
  double duration = 20;
  double drain = 3;
  double settle = 2;
  int threads = 1;
  int connect_concurrency = 200;
  std::vector<int> server_pids;  // CPU and RSS summed over these
  bool wait_welcome = false;
  std::string command_line;
};

// Per io thread: counters that only that thread touches, merged at the end.
struct ThreadStats {
  bench::Histogram latency;
  std::atomic<std::uint64_t> delivered{0};  // also read by the drain check on the main thread
  std::uint64_t duplicates = 0;
  std::uint64_t foreign = 0;  // chat events that are not ours (other runs, other users)
  std::uint64_t frames = 0;
};

struct Run {
  Options opt;
  std::string run_id;
  std::uint64_t capacity = 0;  // message slots (rate × duration, rounded up)
  std::vector<std::atomic<bool>> rejected;
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> rejected_count{0};
  std::atomic<int> connected{0};
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<int> closed_during_run{0};
  std::atomic<bool> running{false};
};

class Viewer : public std::enable_shared_from_this<Viewer> {
 public:
  Viewer(asio::io_context& ioc, Run& run, ThreadStats& stats, int index)
      : ws_(ioc), run_(run), stats_(stats), index_(index), seen_(run.capacity, false) {}

  template <class Done>
  void start(Done done) {
    auto self = shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    tcp::endpoint ep{asio::ip::make_address(run_.opt.host), run_.opt.ports[static_cast<std::size_t>(index_) % run_.opt.ports.size()]};
    beast::get_lowest_layer(ws_).async_connect(ep, [self, done](beast::error_code ec) mutable {
      if (ec) return self->fail(done);
      std::string target = self->run_.opt.path;
      if (self->run_.opt.nick_param) {
        target.append(target.find('?') == std::string::npos ? "?" : "&");
        target.append("nick=b").append(std::to_string(self->index_));
      }
      self->ws_.read_message_max(1 << 20);
      self->ws_.async_handshake(self->run_.opt.host, target,
                                [self, done](beast::error_code ec2) mutable {
                                  if (ec2) return self->fail(done);
                                  beast::get_lowest_layer(self->ws_).expires_never();
                                  self->run_.connected.fetch_add(1);
                                  if (!self->run_.opt.wait_welcome) self->mark_ready();
                                  self->do_read();
                                  done();
                                });
    });
  }

  void send_chat(std::uint64_t slot) {
    char frame[160];
    int n = std::snprintf(frame, sizeof frame,
                          R"({"type":"chat","text":"lcb %s %d %llu %lld","ref":"%llu"})",
                          run_.run_id.c_str(), index_, static_cast<unsigned long long>(slot),
                          static_cast<long long>(now_ns()), static_cast<unsigned long long>(slot));
    out_.emplace_back(frame, static_cast<std::size_t>(n));
    if (out_.size() == 1) do_write();
  }

  [[nodiscard]] bool open() const { return open_; }

 private:
  template <class Done>
  void fail(Done& done) {
    run_.failed.fetch_add(1);
    done();
  }
  void mark_ready() {
    if (!ready_) {
      ready_ = true;
      run_.ready.fetch_add(1);
    }
  }
  void do_write() {
    ws_.text(true);
    ws_.async_write(asio::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return;
                      self->out_.pop_front();
                      if (!self->out_.empty()) self->do_write();
                    });
  }
  void do_read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        self->open_ = false;
        if (self->run_.running) self->run_.closed_during_run.fetch_add(1);
        return;
      }
      self->on_frame(n);
      self->buffer_.consume(n);
      self->do_read();
    });
  }

  void on_event(simdjson::ondemand::object event) {
    std::string_view type;
    if (event["type"].get_string().get(type)) return;
    if (type == "chat") {
      std::string_view text;
      if (event["text"].get_string().get(text)) return;
      on_chat_text(text);
    } else if (type == "error") {
      std::string_view ref;
      if (event["ref"].get_string().get(ref) || ref.empty()) return;
      std::uint64_t slot = std::strtoull(std::string(ref).c_str(), nullptr, 10);
      if (slot < run_.capacity && !run_.rejected[slot].exchange(true))
        run_.rejected_count.fetch_add(1);
    } else if (type == "welcome") {
      mark_ready();
    }
  }

  void on_chat_text(std::string_view text) {
    // "lcb RUN SENDER SLOT SENT_NS"
    constexpr std::string_view prefix = "lcb ";
    if (text.substr(0, prefix.size()) != prefix) return void(++stats_.foreign);
    text.remove_prefix(prefix.size());
    if (text.substr(0, run_.run_id.size()) != run_.run_id) return void(++stats_.foreign);
    text.remove_prefix(run_.run_id.size());
    std::uint64_t fields[3] = {0, 0, 0};
    for (auto& f : fields) {
      while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
      while (!text.empty() && text.front() >= '0' && text.front() <= '9') {
        f = f * 10 + static_cast<std::uint64_t>(text.front() - '0');
        text.remove_prefix(1);
      }
    }
    std::uint64_t slot = fields[1];
    if (slot >= run_.capacity) return void(++stats_.foreign);
    if (seen_[slot]) return void(++stats_.duplicates);
    seen_[slot] = true;
    stats_.delivered.fetch_add(1, std::memory_order_relaxed);
    stats_.latency.add((now_ns() - static_cast<std::int64_t>(fields[2])) / 1000);
  }

  void on_frame(std::size_t n) {
    ++stats_.frames;
    thread_local simdjson::ondemand::parser parser;
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse a padded copy, since the
    // flat_buffer's spare capacity is not guaranteed to be that large.
    thread_local std::string padded;
    padded.assign(static_cast<const char*>(buffer_.data().data()), n);
    padded.resize(n + simdjson::SIMDJSON_PADDING);
    simdjson::padded_string_view view(padded.data(), n, padded.size());
    simdjson::ondemand::document doc;
    if (parser.iterate(view).get(doc)) return;
    simdjson::ondemand::object root;
    if (doc.get_object().get(root)) return;
    std::string_view type;
    if (root["type"].get_string().get(type)) return;
    if (type == "batch") {
      simdjson::ondemand::array events;
      if (root["events"].get_array().get(events)) return;
      for (auto e : events) {
        simdjson::ondemand::object o;
        if (!e.get_object().get(o)) on_event(o);
      }
      return;
    }
    root.reset();
    on_event(root);
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  Run& run_;
  ThreadStats& stats_;
  int index_;
  std::vector<bool> seen_;
  std::deque<std::string> out_;
  bool open_ = true;
  bool ready_ = false;
};

struct ProcSample {
  double cpu_seconds = 0;
  long rss_kib = 0;
  long hwm_kib = 0;
};

ProcSample sample_process(const std::vector<int>& pids) {
  ProcSample total;
  for (int pid : pids) {
    auto m = bench::process_memory(pid);
    total.cpu_seconds += bench::process_cpu_seconds(pid);
    total.rss_kib += m.rss_kib;
    total.hwm_kib += m.hwm_kib;
  }
  return total;
}

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description desc("chat_load options");
  desc.add_options()("help", "show help")("host", po::value(&o.host)->default_value(o.host),
                                          "server address")(
      "port", po::value(&o.ports)->multitoken()->required(), "server port; several: viewers spread over them (cluster nodes)")("path", po::value(&o.path)->required(),
                                                             "WebSocket path, e.g. /ws/rooms/demo")(
      "no-nick", "do not append nick=b<index> to the path")(
      "viewers", po::value(&o.viewers)->default_value(o.viewers), "connections")(
      "senders", po::value(&o.senders)->default_value(o.senders), "connections that chat")(
      "rate", po::value(&o.rate)->default_value(o.rate),
      "chat messages per second, all senders together")(
      "duration", po::value(&o.duration)->default_value(o.duration), "seconds of sending")(
      "drain", po::value(&o.drain)->default_value(o.drain), "seconds to wait for late deliveries")(
      "settle", po::value(&o.settle)->default_value(o.settle), "seconds idle before measuring RSS")(
      "threads", po::value(&o.threads)->default_value(o.threads), "io threads")(
      "connect-concurrency",
      po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
      "handshakes in flight")("server-pid", po::value(&o.server_pids)->multitoken(),
                              "server process for CPU and RSS")(
      "wait-welcome", "count a viewer ready when its first frame (welcome) arrives");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  o.nick_param = !vm.count("no-nick");
  o.wait_welcome = vm.count("wait-welcome") > 0;
  for (int i = 0; i < argc; ++i) {
    if (i) o.command_line.push_back(' ');
    o.command_line.append(argv[i]);
  }
  if (o.viewers < 1 || o.senders < 1 || o.senders > o.viewers || o.rate <= 0 || o.duration <= 0)
    throw std::runtime_error("need viewers >= senders >= 1, rate > 0, duration > 0");
  return o;
}

// Runs `ioc`s' threads until `pred` holds or the deadline passes (checking every 10 ms).

}  // namespace

int main(int argc, char** argv) try {
  auto parsed = parse(argc, argv);
  if (!parsed) return 0;
  bench::raise_fd_limit();

  Run run;
  run.opt = *parsed;
  const Options& opt = run.opt;
  run.run_id = std::to_string(now_ns() % 1000000007);
  run.capacity = static_cast<std::uint64_t>(std::ceil(opt.rate * opt.duration)) + 1;
  run.rejected = std::vector<std::atomic<bool>>(run.capacity);

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<ThreadStats> stats(static_cast<std::size_t>(opt.threads));
  for (int i = 0; i < opt.threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& c : contexts) guards.push_back(asio::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (auto& c : contexts) threads.emplace_back([&ctx = *c] { ctx.run(); });

  ProcSample before = sample_process(opt.server_pids);

  // Connect with bounded concurrency: each finished handshake starts the next one.
  std::vector<std::shared_ptr<Viewer>> viewers(static_cast<std::size_t>(opt.viewers));
  std::atomic<int> next{0};
  std::function<void()> start_next = [&] {
    int i = next.fetch_add(1);
    if (i >= opt.viewers) return;
    auto t = static_cast<std::size_t>(i % opt.threads);
    auto v = std::make_shared<Viewer>(*contexts[t], run, stats[t], i);
    viewers[static_cast<std::size_t>(i)] = v;
    asio::post(*contexts[t], [v, &start_next] { v->start(start_next); });
  };
  auto t_connect = Clock::now();
  for (int i = 0; i < std::min(opt.connect_concurrency, opt.viewers); ++i) start_next();
  bench::wait_until([&] { return run.ready.load() + run.failed.load() >= opt.viewers; }, 120);
  double connect_seconds = std::chrono::duration<double>(Clock::now() - t_connect).count();
  std::printf("connected %d/%d viewers in %.2f s (%d failed)\n", run.ready.load(), opt.viewers,
              connect_seconds, run.failed.load());

  std::this_thread::sleep_for(
      std::chrono::duration<double>(opt.settle));  // let the server settle before sampling
  ProcSample idle = sample_process(opt.server_pids);
  int ready = run.ready.load();

  // Send: a pacing thread posts each message to its sender's io thread on schedule.
  run.running = true;
  ProcSample send_start = sample_process(opt.server_pids);
  auto t0 = Clock::now();
  std::uint64_t total = run.capacity - 1;
  for (std::uint64_t slot = 0; slot < total; ++slot) {
    auto due = t0 + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(slot / opt.rate));
    std::this_thread::sleep_until(due);
    auto sender = static_cast<std::size_t>((slot % static_cast<std::uint64_t>(opt.senders)) *
                                           (static_cast<std::uint64_t>(opt.viewers) / opt.senders));
    auto& v = viewers[sender];
    if (!v) continue;
    asio::post(*contexts[sender % static_cast<std::size_t>(opt.threads)],
               [v, slot] { v->send_chat(slot); });
    run.sent.fetch_add(1);
  }
  double send_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  ProcSample send_end = sample_process(opt.server_pids);

  // Drain: until every accepted message reached every open viewer, or the drain time passes.
  auto delivered_now = [&] {
    std::uint64_t d = 0;
    for (auto& s : stats) d += s.delivered.load(std::memory_order_relaxed);
    return d;
  };
  auto expected_now = [&] {
    return (run.sent.load() - run.rejected_count.load()) * static_cast<std::uint64_t>(ready);
  };
  bench::wait_until([&] { return delivered_now() >= expected_now(); }, opt.drain);
  run.running = false;
  double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  ProcSample end = sample_process(opt.server_pids);

  for (auto& g : guards) g.reset();
  for (auto& c : contexts) c->stop();
  for (auto& t : threads) t.join();

  ThreadStats all;
  for (auto& s : stats) {
    all.latency.merge(s.latency);
    all.delivered += s.delivered;
    all.duplicates += s.duplicates;
    all.foreign += s.foreign;
    all.frames += s.frames;
  }
  std::uint64_t sent = run.sent.load();
  std::uint64_t rejected = run.rejected_count.load();
  std::uint64_t expected = (sent - rejected) * static_cast<std::uint64_t>(ready);
  std::uint64_t lost = expected > all.delivered ? expected - all.delivered : 0;
  double cpu = send_end.cpu_seconds - send_start.cpu_seconds;
  double rss_per_conn =
      ready > 0 ? (static_cast<double>(idle.rss_kib - before.rss_kib) * 1024.0) / ready : 0;

  std::printf(
      "sent %llu messages in %.2f s (%llu rejected), expected %llu deliveries, delivered %llu, "
      "lost %llu, "
      "duplicates %llu, closed during run %d\n",
      static_cast<unsigned long long>(sent), send_seconds,
      static_cast<unsigned long long>(rejected), static_cast<unsigned long long>(expected),
      static_cast<unsigned long long>(all.delivered), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(all.duplicates), run.closed_during_run.load());
  std::printf(
      "delivered %.0f messages/s in %.0f frames/s; latency ms p50 %.1f p90 %.1f p99 %.1f max "
      "%.1f\n",
      static_cast<double>(all.delivered) / elapsed, static_cast<double>(all.frames) / elapsed,
      all.latency.percentile_ms(50), all.latency.percentile_ms(90), all.latency.percentile_ms(99),
      all.latency.max_ms());
  if (!opt.server_pids.empty())
    std::printf(
        "server: %.2f CPU s over %.1f s of sending (%.0f %% of one core); RSS %ld KiB before, %ld "
        "KiB idle "
        "with %d viewers (%.0f B per idle connection), %ld KiB at the end, peak %ld KiB\n",
        cpu, send_seconds, 100.0 * cpu / send_seconds, before.rss_kib, idle.rss_kib, ready,
        rss_per_conn, end.rss_kib, end.hwm_kib);

  std::printf(
      "RESULT "
      "{\"viewers\":%d,\"ready\":%d,\"senders\":%d,\"rate\":%.1f,\"duration\":%.1f,\"sent\":%llu,"
      "\"rejected\":%llu,\"expected\":%llu,\"delivered\":%llu,\"lost\":%llu,\"duplicates\":%llu,"
      "\"disconnects\":%d,"
      "\"delivered_per_sec\":%.0f,\"frames_per_sec\":%.0f,\"latency_ms\":{\"p50\":%.2f,\"p90\":%."
      "2f,\"p99\":%.2f,"
      "\"max\":%.2f},\"server_cpu_seconds\":%.2f,\"server_cpu_percent\":%.1f,\"rss_before_kib\":%"
      "ld,"
      "\"rss_idle_kib\":%ld,\"rss_per_idle_conn_bytes\":%.0f,\"rss_peak_kib\":%ld,\"command\":\"%"
      "s\"}\n",
      opt.viewers, ready, opt.senders, opt.rate, opt.duration,
      static_cast<unsigned long long>(sent), static_cast<unsigned long long>(rejected),
      static_cast<unsigned long long>(expected), static_cast<unsigned long long>(all.delivered),
      static_cast<unsigned long long>(lost), static_cast<unsigned long long>(all.duplicates),
      run.closed_during_run.load(), static_cast<double>(all.delivered) / elapsed,
      static_cast<double>(all.frames) / elapsed, all.latency.percentile_ms(50),
      all.latency.percentile_ms(90), all.latency.percentile_ms(99), all.latency.max_ms(), cpu,
      100.0 * cpu / send_seconds, before.rss_kib, idle.rss_kib, rss_per_conn, end.hwm_kib,
      opt.command_line.c_str());
  return lost == 0 && run.failed.load() == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "chat_load: %s\n", e.what());
  return 2;
}
