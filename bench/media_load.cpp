// media_load: a media relay load generator, in its own process.
//
// Publishes an FLV file over RTMP in real time (looping it, timestamps still rising), opens N
// HTTP-FLV or RTMP viewers of the same stream and checks that each keeps up. Every video frame a
// viewer receives is matched to the frame the publisher sent, which gives the relay delay
// (receive time − send time, end to end) and any frame the server skipped. Frames are matched
// by content (payload size and first bytes), not by timestamp: nginx-rtmp restarts timestamps for
// each player and, when it drops a frame, shifts the later ones, so timestamps do not name frames.
// It reports viewers that fell behind, delay p50/p99/max, Mbit/s received and the server's CPU
// per viewer-minute. It speaks only the plain RTMP handshake, AMF0 commands and HTTP/1.1 (chunked
// or not), so it measures other servers (nginx-rtmp) too.
//
// Viewers keep only the first bytes of each media message and parse nothing else of it: the
// client must read gigabits per second on one core without being the bottleneck.
// --stall makes the viewers stop reading for a while: a check that falling behind is caught.
// Driven by bench/run_media_bench.sh.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "histogram.hpp"
#include "proc.hpp"

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Bytes = std::span<const std::uint8_t>;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Limits, in one place.
constexpr std::size_t kReadBufferBytes = 64 * 1024;  // per connection (a keyframe is ~70 KB here)
constexpr std::size_t kMaxControlMessage = 1 << 20;  // RTMP command or data; larger: protocol error
constexpr std::size_t kMaxHttpHeader = 16 * 1024;
constexpr std::size_t kMaxChunkStreams = 64;
// H.264 bytes (after the 5-byte FLV video header) that name a frame, and so what a viewer keeps
// of each media message.
constexpr std::size_t kSignatureBytes = 48;
constexpr std::size_t kMediaPrefix = 5 + kSignatureBytes;
constexpr std::size_t kHandshakeBlock = 1536;
constexpr std::uint32_t kPublisherChunkSize = 4096;
constexpr std::uint32_t kDefaultChunkSize = 128;  // RTMP's, until a Set Chunk Size says otherwise
constexpr std::size_t kPublisherQueueWarn = 1 << 20;  // unwritten: the server lags the publisher

// RTMP message types and the chunk streams we send on.
enum MessageType : std::uint8_t {
  kSetChunkSize = 1,
  kAbort = 2,
  kAcknowledgement = 3,
  kUserControl = 4,
  kWindowAckSize = 5,
  kAudio = 8,
  kVideo = 9,
  kDataAmf0 = 18,
  kCommandAmf0 = 20,
};
constexpr std::uint8_t kControlChunkStream = 2;
constexpr std::uint8_t kCommandChunkStream = 3;
constexpr std::uint8_t kAudioChunkStream = 4;
constexpr std::uint8_t kDataChunkStream = 5;
constexpr std::uint8_t kVideoChunkStream = 6;
constexpr std::uint8_t kPlayChunkStream = 8;

std::uint32_t read_be(const std::uint8_t* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return v;
}
void put_be(std::vector<std::uint8_t>& out, std::uint32_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// ---------------------------------------------------------------------------------------------
// Options and URLs

enum class Protocol { flv, rtmp };

struct RtmpUrl {
  std::string host;
  std::uint16_t port = 1935;
  std::string app;     // first path segment
  std::string stream;  // the rest, query included ("demo?key=…")
  std::string tc_url;  // rtmp://host:port/app
};

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target;
};

// "scheme://host[:port]/rest" → host, port, "/rest".
void split_url(const std::string& url, std::string_view scheme, std::string& host,
               std::uint16_t& port, std::string& rest) {
  std::string prefix = std::string(scheme) + "://";
  if (url.rfind(prefix, 0) != 0)
    throw std::runtime_error("not a " + std::string(scheme) + ":// URL: " + url);
  std::string_view s(url);
  s.remove_prefix(prefix.size());
  auto slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  rest = slash == std::string_view::npos ? "/" : std::string(s.substr(slash));
  auto colon = authority.rfind(':');
  host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos)
    port = static_cast<std::uint16_t>(std::stoi(std::string(authority.substr(colon + 1))));
  if (host.empty()) throw std::runtime_error("no host in " + url);
}

RtmpUrl parse_rtmp_url(const std::string& url) {
  RtmpUrl u;
  std::string rest;
  split_url(url, "rtmp", u.host, u.port, rest);
  auto slash = rest.find('/', 1);
  if (slash == std::string::npos || slash + 1 >= rest.size())
    throw std::runtime_error("need rtmp://HOST[:PORT]/APP/STREAM: " + url);
  u.app = rest.substr(1, slash - 1);
  u.stream = rest.substr(slash + 1);
  u.tc_url = "rtmp://" + u.host + ":" + std::to_string(u.port) + "/" + u.app;
  return u;
}

HttpUrl parse_http_url(const std::string& url) {
  HttpUrl u;
  split_url(url, "http", u.host, u.port, u.target);
  return u;
}

struct Options {
  std::string file;
  std::string publish_url;
  std::string url;
  Protocol protocol = Protocol::rtmp;
  std::string label = "server";
  int viewers = 100;
  int threads = 1;
  double duration = 30;
  double warmup = 1.5;
  double settle = 2;
  double drain = 1;
  double connect_timeout = 30;
  double lag_limit_ms = 1000;
  double stall = 0;
  int connect_concurrency = 100;
  int server_pid = 0;
  std::string command_line;
};

std::optional<Options> parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  std::string protocol;
  po::options_description desc("media_load options");
  // clang-format off
  desc.add_options()
      ("help", "show help")
      ("file", po::value(&o.file)->required(), "FLV file to publish (H.264 + AAC), looped")
      ("publish-url", po::value(&o.publish_url)->required(),
       "rtmp://HOST:PORT/APP/STREAM[?key=…] to publish to")
      ("url", po::value(&o.url)->required(),
       "what viewers play: http://HOST:PORT/….flv or rtmp://HOST:PORT/APP/STREAM")
      ("protocol", po::value(&protocol), "flv or rtmp (default: from the --url scheme)")
      ("label", po::value(&o.label)->default_value(o.label), "server name in the ROW line")
      ("viewers", po::value(&o.viewers)->default_value(o.viewers), "viewers")
      ("threads", po::value(&o.threads)->default_value(o.threads),
       "io threads for the viewers (the publisher has its own)")
      ("duration", po::value(&o.duration)->default_value(o.duration), "seconds measured")
      ("warmup", po::value(&o.warmup)->default_value(o.warmup),
       "seconds of publishing before viewers connect")
      ("settle", po::value(&o.settle)->default_value(o.settle),
       "seconds between the viewers playing and measuring")
      ("drain", po::value(&o.drain)->default_value(o.drain),
       "seconds to wait for frames sent in the window")
      ("connect-timeout", po::value(&o.connect_timeout)->default_value(o.connect_timeout),
       "seconds for all viewers to play")
      ("lag-limit-ms", po::value(&o.lag_limit_ms)->default_value(o.lag_limit_ms),
       "a viewer whose last frame at the end of the window is older than this is behind")
      ("connect-concurrency",
       po::value(&o.connect_concurrency)->default_value(o.connect_concurrency),
       "viewers connecting at once")
      ("server-pid", po::value(&o.server_pid), "server process, for its CPU time")
      ("stall", po::value(&o.stall)->default_value(o.stall),
       "self-check: viewers stop reading this many seconds in mid-window, so they fall behind");
  // clang-format on
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  po::notify(vm);
  const bool http = o.url.rfind("http://", 0) == 0;
  if (protocol.empty()) protocol = http ? "flv" : "rtmp";
  if (protocol != "flv" && protocol != "rtmp")
    throw std::runtime_error("--protocol is flv or rtmp");
  o.protocol = protocol == "flv" ? Protocol::flv : Protocol::rtmp;
  if (http != (o.protocol == Protocol::flv))
    throw std::runtime_error("--url does not match --protocol " + protocol);
  if (o.viewers < 1 || o.threads < 1 || o.duration <= 0 || o.connect_concurrency < 1)
    throw std::runtime_error(
        "need viewers >= 1, threads >= 1, duration > 0, connect-concurrency >= 1");
  for (int i = 0; i < argc; ++i) {
    if (i) o.command_line.push_back(' ');
    o.command_line.append(argv[i]);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Measurement

using bench::Histogram;

// What names a video frame: FNV-1a over its payload size and the H.264 bytes after the 5-byte
// FLV video header (slice header and the first coded bytes, which differ from frame to frame).
std::uint64_t frame_signature(std::uint32_t size, Bytes prefix) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint8_t b) {
    h ^= b;
    h *= 1099511628211ull;
  };
  for (int i = 0; i < 4; ++i) mix(static_cast<std::uint8_t>(size >> (8 * i)));
  for (std::size_t i = 5; i < prefix.size() && i < kMediaPrefix; ++i) mix(prefix[i]);
  return h;
}

// An AVC coded frame (not a sequence header or end of sequence): the frames we count.
bool is_avc_frame(Bytes prefix) {
  return prefix.size() >= 2 && (prefix[0] & 0x0F) == 7 && prefix[1] == 1;
}

struct SourceTag {
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;
  std::vector<std::uint8_t> body;
  int frame = -1;  // index among the file's AVC frames, for video frames
};

// The FLV file to publish: its metadata and sequence headers (sent once) and the audio and
// video tags that loop. Frames are numbered in file order; signatures map back to them.
class SourceFile {
 public:
  static constexpr int kUnknown = -1;
  static constexpr int kAmbiguous = -2;

  explicit SourceFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::uint8_t> d((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
    if (d.size() < 13 || d[0] != 'F' || d[1] != 'L' || d[2] != 'V')
      throw std::runtime_error("not an FLV file: " + path);
    std::size_t pos = read_be(&d[5], 4) + 4;  // header, then the first PreviousTagSize
    std::uint32_t last_video = 0, first_video = 0, max_ts = 0;
    int video_tags = 0;
    while (pos + 11 <= d.size()) {
      SourceTag t;
      t.type = d[pos] & 0x1F;
      std::uint32_t size = read_be(&d[pos + 1], 3);
      t.timestamp = read_be(&d[pos + 4], 3) | static_cast<std::uint32_t>(d[pos + 7]) << 24;
      if (pos + 11 + size > d.size()) break;  // a truncated last tag
      t.body.assign(d.begin() + static_cast<std::ptrdiff_t>(pos + 11),
                    d.begin() + static_cast<std::ptrdiff_t>(pos + 11 + size));
      pos += 11 + size + 4;
      bytes_ += t.body.size();
      if (t.type == 18) {
        if (metadata_.empty()) metadata_ = std::move(t.body);
        continue;
      }
      if (t.type != kAudio && t.type != kVideo) continue;
      bool sequence_header = t.body.size() >= 2 && t.body[1] == 0 &&
                             ((t.type == kVideo && (t.body[0] & 0x0F) == 7) ||
                              (t.type == kAudio && (t.body[0] >> 4) == 10));
      if (sequence_header) {
        if (loop_.empty()) headers_.push_back(std::move(t));
        continue;
      }
      if (t.type == kVideo && is_avc_frame(t.body)) {
        t.frame = frames_++;
        auto [it, fresh] = frames_by_signature_.try_emplace(signature(t), t.frame);
        if (!fresh) it->second = kAmbiguous;
        if (video_tags++ == 0) first_video = t.timestamp;
        last_video = t.timestamp;
      }
      max_ts = std::max(max_ts, t.timestamp);
      loop_.push_back(std::move(t));
    }
    if (frames_ < 2) throw std::runtime_error(path + ": needs H.264 video (two frames at least)");
    frame_interval_ms_ = static_cast<double>(last_video - first_video) / (video_tags - 1);
    loop_ms_ = max_ts + static_cast<std::uint32_t>(std::lround(frame_interval_ms_));
    first_ts_ = loop_.front().timestamp;
    for (auto& [sig, frame] : frames_by_signature_)
      if (frame == kAmbiguous) ++ambiguous_;
  }

  static std::uint64_t signature(const SourceTag& t) {
    return frame_signature(static_cast<std::uint32_t>(t.body.size()),
                           Bytes(t.body.data(), std::min(t.body.size(), kMediaPrefix)));
  }
  // The file's index of a received frame, kUnknown, or kAmbiguous (two frames share it).
  [[nodiscard]] int frame_of(std::uint64_t signature) const {
    auto it = frames_by_signature_.find(signature);
    return it == frames_by_signature_.end() ? kUnknown : it->second;
  }

  [[nodiscard]] const std::vector<std::uint8_t>& metadata() const { return metadata_; }
  [[nodiscard]] const std::vector<SourceTag>& headers() const { return headers_; }
  [[nodiscard]] const std::vector<SourceTag>& loop() const { return loop_; }
  [[nodiscard]] int frames_per_loop() const { return frames_; }
  [[nodiscard]] std::uint32_t loop_ms() const { return loop_ms_; }
  [[nodiscard]] std::uint32_t first_ts() const { return first_ts_; }
  [[nodiscard]] double frame_interval_ms() const { return frame_interval_ms_; }
  [[nodiscard]] double mbit_per_s() const {
    return static_cast<double>(bytes_) * 8 / loop_ms_ / 1000;
  }
  [[nodiscard]] int ambiguous() const { return ambiguous_; }

 private:
  std::vector<std::uint8_t> metadata_;
  std::vector<SourceTag> headers_;
  std::vector<SourceTag> loop_;
  std::unordered_map<std::uint64_t, int> frames_by_signature_;
  int frames_ = 0;
  int ambiguous_ = 0;
  std::uint32_t loop_ms_ = 0;
  std::uint32_t first_ts_ = 0;
  double frame_interval_ms_ = 0;
  std::size_t bytes_ = 0;
};

// When the publisher sent each video frame, by sequence number (loop × frames per loop + frame
// index in the file). Written once per frame by the publisher's thread before the frame is
// written, read by every viewer thread: release/acquire on the send time orders them.
class FrameLog {
 public:
  explicit FrameLog(std::size_t capacity) : sent_(capacity) {}

  [[nodiscard]] bool record(std::int64_t seq, std::int64_t at_ns) {
    if (seq < 0 || static_cast<std::size_t>(seq) >= sent_.size()) return false;
    sent_[static_cast<std::size_t>(seq)].store(at_ns, std::memory_order_release);
    last_.store(seq, std::memory_order_release);
    return true;
  }
  // 0 when that frame has not been sent.
  [[nodiscard]] std::int64_t sent_ns(std::int64_t seq) const {
    if (seq < 0 || static_cast<std::size_t>(seq) >= sent_.size()) return 0;
    return sent_[static_cast<std::size_t>(seq)].load(std::memory_order_acquire);
  }
  [[nodiscard]] std::int64_t last_seq() const { return last_.load(std::memory_order_acquire); }

 private:
  std::vector<std::atomic<std::int64_t>> sent_;
  std::atomic<std::int64_t> last_{-1};
};

// One viewer's outcome. Written by its io thread; the main thread reads the atomics while the
// run goes on and the rest after the io threads have stopped.
struct ViewerRecord {
  std::atomic<std::int64_t> last_seq{-1};        // last frame received
  std::atomic<std::uint64_t> skipped_frames{0};  // frames the server never delivered
  std::atomic<std::uint64_t> skips{0};           // times it skipped ahead
  std::atomic<bool> ended{false};                // connection closed after playing
  bool settled = false;                          // playing or failed: the connect pacing moved on
  bool playing = false;
};

// Per io thread: its context and counters only it touches (bytes is also read by the main thread
// to measure the window).
struct IoThread {
  asio::io_context ioc{1};
  Histogram delay;
  std::atomic<std::uint64_t> bytes{0};
  std::uint64_t frames = 0;
  std::uint64_t unmatched = 0;  // video frames matching no frame sent
};

// What all viewers share: the source, the publisher's frame log, the measured window and counts.
struct Run {
  Run(const SourceFile& s, FrameLog& l) : source(s), log(l) {}

  const SourceFile& source;
  FrameLog& log;
  std::atomic<std::int64_t> window_start_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<std::int64_t> window_end_ns{std::numeric_limits<std::int64_t>::max()};
  std::atomic<int> playing{0};
  std::atomic<int> failed{0};
  std::atomic<int> settled{0};
  std::function<void()> on_settled;  // the connect pacing: start the next viewer
  std::mutex reasons_mutex;
  std::map<std::string, int> failure_reasons;  // why viewers failed or ended, counted

  void count_reason(const std::string& why) {
    std::lock_guard lock(reasons_mutex);
    ++failure_reasons[why];
  }
};

// A viewer received a video frame at `now`: match it to the sent frame, count skipped frames,
// and take its delay when it was sent inside the measured window.
void track_video(Run& run, IoThread& io, ViewerRecord& rec, std::uint32_t size, Bytes prefix,
                 std::int64_t now) {
  if (!is_avc_frame(prefix)) return;
  ++io.frames;
  const std::int64_t per_loop = run.source.frames_per_loop();
  const std::int64_t last = rec.last_seq.load(std::memory_order_relaxed);
  int frame = run.source.frame_of(frame_signature(size, prefix));
  std::int64_t seq = -1;
  if (frame >= 0 && last < 0) {
    // The first frame: its most recent sending (an earlier loop's copy would be 20 s old).
    std::int64_t newest = run.log.last_seq();
    seq = (newest / per_loop) * per_loop + frame;
    if (seq > newest) seq -= per_loop;
  } else if (frame >= 0) {
    seq = (last / per_loop) * per_loop + frame;  // the first sending of that frame after `last`
    if (seq <= last) seq += per_loop;
  } else if (frame == SourceFile::kAmbiguous && last >= 0) {
    seq = last + 1;  // cannot tell: assume the next one
  }
  const std::int64_t sent = seq >= 0 ? run.log.sent_ns(seq) : 0;
  if (sent == 0) return void(++io.unmatched);
  if (last >= 0 && seq > last + 1) {
    rec.skipped_frames.fetch_add(static_cast<std::uint64_t>(seq - last - 1),
                                 std::memory_order_relaxed);
    rec.skips.fetch_add(1, std::memory_order_relaxed);
  }
  rec.last_seq.store(seq, std::memory_order_relaxed);
  if (sent >= run.window_start_ns.load(std::memory_order_relaxed) &&
      sent < run.window_end_ns.load(std::memory_order_relaxed))
    io.delay.add((now - sent) / 1000);
  if (!rec.playing) {
    rec.playing = true;
    run.playing.fetch_add(1);
    if (!rec.settled) {
      rec.settled = true;
      run.settled.fetch_add(1);
      if (run.on_settled) run.on_settled();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Connections

// One TCP connection on one io thread: connects, writes queued bytes in order, and hands what
// it reads to the derived class. One read of up to 64 KiB per wake-up: after a short read Asio
// waits for epoll instead of trying again, so a wake-up costs one recv.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(IoThread& io) : io_(io), socket_(io.ioc) {}
  virtual ~Connection() = default;

  void start(const tcp::endpoint& ep) {
    asio::post(io_.ioc, [self = shared_from_this(), ep] {
      self->socket_.async_connect(ep, [self](boost::system::error_code ec) {
        if (ec) return self->close("connect: " + ec.message());
        boost::system::error_code ignored;
        self->socket_.set_option(tcp::no_delay(true), ignored);
        self->buffer_.resize(kReadBufferBytes);
        self->on_connected();
        self->do_read();
      });
    });
  }
  // From any thread.
  void stop() {
    asio::post(io_.ioc, [self = shared_from_this()] {
      self->stopped_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
  }
  [[nodiscard]] std::size_t queued_bytes() const { return pending_.size() + writing_.size(); }

 protected:
  virtual void on_connected() = 0;
  // Bytes just read (at `now`); false closes the connection (after on_closed with the reason).
  virtual bool on_data(Bytes data, std::int64_t now) = 0;
  virtual void on_closed(const std::string& why) = 0;

  void send(Bytes bytes) {
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    if (writing_.empty()) write_pending();
  }
  void close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    if (!stopped_) on_closed(why);
  }
  IoThread& io_;
  std::string protocol_error_;  // set by on_data before it returns false

 private:
  void do_read() {
    socket_.async_read_some(
        asio::buffer(buffer_),
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (ec)
            return self->close(ec == asio::error::eof ? "closed by the server" : ec.message());
          self->io_.bytes.fetch_add(n, std::memory_order_relaxed);
          if (!self->on_data(Bytes(self->buffer_.data(), n), now_ns()))
            return self->close(self->protocol_error_);
          if (!self->closed_) self->do_read();
        });
  }
  void write_pending() {
    writing_.swap(pending_);
    asio::async_write(socket_, asio::buffer(writing_),
                      [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                        self->writing_.clear();
                        if (ec) return self->close("write: " + ec.message());
                        if (!self->pending_.empty()) self->write_pending();
                      });
  }

  tcp::socket socket_;
  std::vector<std::uint8_t> buffer_;   // read into
  std::vector<std::uint8_t> pending_;  // to write after the write in flight
  std::vector<std::uint8_t> writing_;  // in flight
  bool closed_ = false;
  bool stopped_ = false;  // closed by the main thread at the end: not a failure
};

// ---------------------------------------------------------------------------------------------
// RTMP: AMF0, chunks, and the client side of a connection

// Builds AMF0 values (only the types commands need).
class Amf0Writer {
 public:
  Amf0Writer& number(double v) {
    out_.push_back(0);
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int i = 7; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
    return *this;
  }
  Amf0Writer& boolean(bool v) {
    out_.push_back(1);
    out_.push_back(v ? 1 : 0);
    return *this;
  }
  Amf0Writer& string(std::string_view s) {
    out_.push_back(2);
    return key(s);
  }
  Amf0Writer& null() {
    out_.push_back(5);
    return *this;
  }
  Amf0Writer& begin_object() {
    out_.push_back(3);
    return *this;
  }
  Amf0Writer& key(std::string_view k) {
    put_be(out_, static_cast<std::uint32_t>(k.size()), 2);
    out_.insert(out_.end(), k.begin(), k.end());
    return *this;
  }
  Amf0Writer& end_object() {
    out_.insert(out_.end(), {0, 0, 9});
    return *this;
  }
  [[nodiscard]] Bytes bytes() const { return out_; }

 private:
  std::vector<std::uint8_t> out_;
};

// What a client needs from a server's command: its name, transaction id, the last top-level
// number (createStream's stream id) and the "code" of its info object (onStatus, _error).
struct Reply {
  std::string name;
  double transaction = 0;
  double last_number = 0;
  std::string code;
};

// Reads AMF0 values, collecting what Reply needs; false on malformed input.
class Amf0Reader {
 public:
  explicit Amf0Reader(Bytes d) : d_(d) {}
  bool read_all(Reply& r) {
    int top = 0;
    while (pos_ < d_.size())
      if (!value(r, 0, {}, top)) return false;
    return top >= 2;
  }

 private:
  bool value(Reply& r, int depth, std::string_view key, int& top) {
    if (depth > 16 || pos_ >= d_.size()) return false;
    std::uint8_t marker = d_[pos_++];
    switch (marker) {
      case 0: {  // number
        if (!have(8)) return false;
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = bits << 8 | d_[pos_ + static_cast<std::size_t>(i)];
        pos_ += 8;
        double v = 0;
        std::memcpy(&v, &bits, sizeof v);
        if (depth == 0) {
          if (top == 1) r.transaction = v;
          r.last_number = v;
          ++top;
        }
        return true;
      }
      case 1:  // boolean
        if (depth == 0) ++top;
        return skip(1);
      case 2:     // string
      case 12: {  // long string
        std::string_view s;
        if (!text(marker == 2 ? 2 : 4, s)) return false;
        if (depth == 0 && top++ == 0) r.name = std::string(s);
        if (key == "code") r.code = std::string(s);
        return true;
      }
      case 3:  // object
        return properties(r, depth, top);
      case 8:  // ECMA array: a count, then properties like an object
        return skip(4) && properties(r, depth, top);
      case 10: {  // strict array
        if (!have(4)) return false;
        std::uint32_t n = read_be(&d_[pos_], 4);
        pos_ += 4;
        for (std::uint32_t i = 0; i < n; ++i)
          if (!value(r, depth + 1, {}, top)) return false;
        return true;
      }
      case 5:  // null
      case 6:  // undefined
        if (depth == 0) ++top;
        return true;
      case 11:  // date
        return skip(10);
      default:
        return false;
    }
  }
  bool properties(Reply& r, int depth, int& top) {
    if (depth == 0) ++top;
    while (true) {
      std::string_view k;
      if (!text(2, k)) return false;
      if (k.empty() && pos_ < d_.size() && d_[pos_] == 9) return skip(1);
      if (!value(r, depth + 1, k, top)) return false;
    }
  }
  bool text(int length_bytes, std::string_view& out) {
    if (!have(static_cast<std::size_t>(length_bytes))) return false;
    std::size_t n = read_be(&d_[pos_], length_bytes);
    pos_ += static_cast<std::size_t>(length_bytes);
    if (!have(n)) return false;
    out = std::string_view(reinterpret_cast<const char*>(&d_[pos_]), n);
    pos_ += n;
    return true;
  }
  bool have(std::size_t n) const { return d_.size() - pos_ >= n; }
  bool skip(std::size_t n) {
    if (!have(n)) return false;
    pos_ += n;
    return true;
  }
  Bytes d_;
  std::size_t pos_ = 0;
};

// Appends one message as chunks: a type 0 header, then type 3 continuations (csid < 64).
void append_message(std::vector<std::uint8_t>& out, std::uint8_t csid, std::uint8_t type,
                    std::uint32_t timestamp, std::uint32_t stream_id, Bytes payload,
                    std::uint32_t chunk_size) {
  const bool extended = timestamp >= 0xFFFFFF;
  out.push_back(csid);
  put_be(out, extended ? 0xFFFFFF : timestamp, 3);
  put_be(out, static_cast<std::uint32_t>(payload.size()), 3);
  out.push_back(type);
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<std::uint8_t>(stream_id >> (8 * i)));  // little-endian
  if (extended) put_be(out, timestamp, 4);
  std::size_t offset = 0;
  do {
    if (offset > 0) {
      out.push_back(static_cast<std::uint8_t>(0xC0 | csid));
      if (extended) put_be(out, timestamp, 4);
    }
    std::size_t take = std::min<std::size_t>(chunk_size, payload.size() - offset);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(offset),
               payload.begin() + static_cast<std::ptrdiff_t>(offset + take));
    offset += take;
  } while (offset < payload.size());
}

// Receives reassembled RTMP messages.
class RtmpMessageHandler {
 public:
  virtual ~RtmpMessageHandler() = default;
  // Audio and video: only the first kMediaPrefix bytes of the payload are kept.
  virtual void on_media(std::uint8_t type, std::uint32_t size, Bytes prefix) = 0;
  // Everything else but Set Chunk Size and Abort (handled by the reader); false: close.
  virtual bool on_message(std::uint8_t type, Bytes payload) = 0;
};

// Reassembles RTMP messages from chunks of any header format (0–3, extended timestamps, any
// chunk size), fed in pieces of any length. No I/O. Timestamps are parsed past, not kept.
class ChunkReader {
 public:
  // False on a protocol error (error() says which).
  bool feed(Bytes data, RtmpMessageHandler& h) {
    std::size_t pos = 0;
    while (pos < data.size()) {
      if (current_ < 0) {
        if (!read_header(data, pos, h)) return error_ == nullptr;
        if (current_ < 0) continue;  // an empty message, already dispatched
      }
      auto& s = streams_[static_cast<std::size_t>(current_)];
      auto take = static_cast<std::uint32_t>(std::min<std::size_t>(chunk_left_, data.size() - pos));
      if (s.type == kAudio || s.type == kVideo) {
        std::size_t keep = std::min<std::size_t>(take, kMediaPrefix - s.prefix_len);
        std::memcpy(s.prefix.data() + s.prefix_len, data.data() + pos, keep);
        s.prefix_len += keep;
      } else {
        s.body.insert(s.body.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                      data.begin() + static_cast<std::ptrdiff_t>(pos + take));
      }
      pos += take;
      chunk_left_ -= take;
      s.left -= take;
      if (chunk_left_ == 0) current_ = -1;
      if (s.left == 0 && !dispatch(s, h)) return false;
    }
    return true;
  }
  [[nodiscard]] const char* error() const { return error_; }

 private:
  struct ChunkStream {
    std::uint32_t id = 0;
    std::uint32_t length = 0;  // of the current (or last) message
    std::uint8_t type = 0;
    bool extended = false;   // the last full header carried an extended timestamp
    std::uint32_t left = 0;  // bytes of the current message still to come; 0 between messages
    std::vector<std::uint8_t> body;  // non-media messages only
    std::array<std::uint8_t, kMediaPrefix> prefix{};
    std::size_t prefix_len = 0;
  };

  // Copies header bytes until header_ holds `want`; false while more input is needed.
  bool fill(Bytes data, std::size_t& pos, std::size_t want) {
    if (have_ >= want) return true;
    std::size_t take = std::min(want - have_, data.size() - pos);
    std::memcpy(header_.data() + have_, data.data() + pos, take);
    have_ += take;
    pos += take;
    return have_ == want;
  }

  bool fail(const char* why) {
    error_ = why;
    return false;
  }

  bool read_header(Bytes data, std::size_t& pos, RtmpMessageHandler& h) {
    static constexpr std::size_t kMessageHeader[4] = {11, 7, 3, 0};
    if (!fill(data, pos, 1)) return false;
    const std::uint8_t fmt = header_[0] >> 6;
    const std::size_t basic = (header_[0] & 0x3F) == 0 ? 2 : (header_[0] & 0x3F) == 1 ? 3 : 1;
    if (!fill(data, pos, basic + kMessageHeader[fmt])) return false;
    std::uint32_t csid = header_[0] & 0x3F;
    if (basic == 2) csid = 64 + header_[1];
    if (basic == 3) csid = 64 + header_[1] + 256u * header_[2];
    auto it = std::find_if(streams_.begin(), streams_.end(),
                           [csid](const ChunkStream& s) { return s.id == csid; });
    if (it == streams_.end()) {
      if (fmt != 0) return fail("a chunk on a chunk stream with no earlier full header");
      if (streams_.size() >= kMaxChunkStreams) return fail("too many chunk streams");
      streams_.push_back(ChunkStream{});
      it = std::prev(streams_.end());
      it->id = csid;
    }
    const std::uint8_t* mh = header_.data() + basic;
    const bool extended = fmt < 3 ? read_be(mh, 3) == 0xFFFFFF : it->extended;
    if (!fill(data, pos, basic + kMessageHeader[fmt] + (extended ? 4 : 0))) return false;
    have_ = 0;
    if (fmt < 3) it->extended = extended;
    if (fmt <= 1) {
      it->length = read_be(mh + 3, 3);
      it->type = mh[6];
    }
    if (it->left == 0) {  // a new message
      it->left = it->length;
      it->body.clear();
      it->prefix_len = 0;
      if (it->type != kAudio && it->type != kVideo && it->length > kMaxControlMessage)
        return fail("control message too large");
    } else if (fmt != 3) {
      return fail("a new message header inside a message");
    }
    current_ = static_cast<int>(it - streams_.begin());
    chunk_left_ = std::min(chunk_size_, it->left);
    if (it->left == 0) {  // empty message
      current_ = -1;
      return dispatch(*it, h);
    }
    return true;
  }

  bool dispatch(ChunkStream& s, RtmpMessageHandler& h) {
    if (s.type == kAudio || s.type == kVideo) {
      h.on_media(s.type, s.length, Bytes(s.prefix.data(), s.prefix_len));
      return true;
    }
    if (s.type == kSetChunkSize) {
      if (s.body.size() < 4) return fail("short Set Chunk Size");
      std::uint32_t size = read_be(s.body.data(), 4) & 0x7FFFFFFF;
      if (size == 0 || size > (1u << 24)) return fail("bad chunk size");
      chunk_size_ = size;
      return true;
    }
    if (s.type == kAbort) {
      if (s.body.size() < 4) return fail("short Abort");
      std::uint32_t csid = read_be(s.body.data(), 4);
      for (auto& other : streams_)
        if (other.id == csid && static_cast<int>(&other - streams_.data()) != current_)
          other.left = 0;
      return true;
    }
    if (!h.on_message(s.type, s.body)) return fail("message refused");
    return true;
  }

  std::vector<ChunkStream> streams_;
  std::array<std::uint8_t, 18> header_{};  // 3 basic + 11 message + 4 extended timestamp at most
  std::size_t have_ = 0;
  int current_ = -1;  // chunk stream whose chunk payload is being read
  std::uint32_t chunk_left_ = 0;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  const char* error_ = nullptr;
};

// The client side of an RTMP connection: plain handshake, chunk reading, acknowledgements and
// pings; commands go to the derived class as Replies.
class RtmpClient : public Connection, protected RtmpMessageHandler {
 public:
  RtmpClient(IoThread& io, RtmpUrl url) : Connection(io), url_(std::move(url)) {}

 protected:
  virtual void on_handshake_done() = 0;
  virtual bool on_reply(const Reply& r) = 0;

  void on_connected() override {
    std::vector<std::uint8_t> c0c1;
    c0c1.reserve(1 + kHandshakeBlock);
    c0c1.push_back(3);              // version
    c0c1.insert(c0c1.end(), 8, 0);  // time, zero: the plain handshake
    std::mt19937 rng(static_cast<unsigned>(now_ns()));
    while (c0c1.size() < 1 + kHandshakeBlock) c0c1.push_back(static_cast<std::uint8_t>(rng()));
    send(c0c1);
  }

  bool on_data(Bytes data, std::int64_t now) override {
    now_ = now;
    if (!handshake_done_) {  // S0 S1 S2
      std::size_t take = std::min(data.size(), 1 + 2 * kHandshakeBlock - handshake_.size());
      handshake_.insert(handshake_.end(), data.begin(),
                        data.begin() + static_cast<std::ptrdiff_t>(take));
      data = data.subspan(take);
      if (handshake_.size() < 1 + 2 * kHandshakeBlock) return true;
      if (handshake_[0] != 3) return protocol_error("bad handshake version");
      send(Bytes(handshake_.data() + 1, kHandshakeBlock));  // C2 echoes S1
      handshake_ = {};
      handshake_done_ = true;
      on_handshake_done();
    }
    received_ += data.size();
    if (!reader_.feed(data, *this))  // the handler may have said why already
      return protocol_error_.empty() ? protocol_error(reader_.error()) : false;
    if (window_ > 0 && received_ - acknowledged_ >= window_) {
      acknowledged_ = received_;
      std::array<std::uint8_t, 4> seq{};
      for (int i = 0; i < 4; ++i)
        seq[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(received_ >> (24 - 8 * i));
      send_message(kControlChunkStream, kAcknowledgement, 0, seq);
    }
    return true;
  }

  bool on_message(std::uint8_t type, Bytes payload) override {
    if (type == kWindowAckSize && payload.size() >= 4) {
      window_ = read_be(payload.data(), 4);
    } else if (type == kUserControl && payload.size() >= 6 && read_be(payload.data(), 2) == 6) {
      std::array<std::uint8_t, 6> pong{0, 7};  // PingResponse, with the ping's timestamp
      std::copy(payload.begin() + 2, payload.begin() + 6, pong.begin() + 2);
      send_message(kControlChunkStream, kUserControl, 0, pong);
    } else if (type == kCommandAmf0) {
      Reply r;
      if (!Amf0Reader(payload).read_all(r)) return protocol_error("malformed AMF0 command");
      return on_reply(r);
    }
    return true;
  }

  void send_message(std::uint8_t csid, std::uint8_t type, std::uint32_t stream_id, Bytes payload,
                    std::uint32_t timestamp = 0) {
    scratch_.clear();
    append_message(scratch_, csid, type, timestamp, stream_id, payload, out_chunk_size_);
    send(scratch_);
  }
  void send_connect() {
    Amf0Writer w;
    w.string("connect").number(1).begin_object();
    w.key("app").string(url_.app);
    w.key("type").string("nonprivate");
    w.key("flashVer").string("LNX 9,0,124,2");
    w.key("tcUrl").string(url_.tc_url);
    w.key("fpad").boolean(false);
    w.key("capabilities").number(15);
    w.key("audioCodecs").number(4071);
    w.key("videoCodecs").number(252);
    w.key("videoFunction").number(1);
    w.end_object();
    send_message(kCommandChunkStream, kCommandAmf0, 0, w.bytes());
  }
  void send_create_stream() {
    Amf0Writer w;
    w.string("createStream").number(2).null();
    send_message(kCommandChunkStream, kCommandAmf0, 0, w.bytes());
  }
  bool protocol_error(const std::string& why) {
    protocol_error_ = "protocol error: " + why;
    return false;
  }

  RtmpUrl url_;
  std::uint32_t out_chunk_size_ = kDefaultChunkSize;
  std::int64_t now_ = 0;  // when the data being parsed was read

 private:
  ChunkReader reader_;
  std::vector<std::uint8_t> handshake_;
  std::vector<std::uint8_t> scratch_;
  bool handshake_done_ = false;
  std::uint64_t received_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint32_t window_ = 0;
};

// ---------------------------------------------------------------------------------------------
// The publisher

// Publishes the source file in real time on its own io thread: each tag at its timestamp (the
// file looping, timestamps going on rising), recording each video frame's send time in the log.
class Publisher : public RtmpClient {
 public:
  enum class State { connecting, live, failed };

  Publisher(IoThread& io, RtmpUrl url, const SourceFile& source, FrameLog& log)
      : RtmpClient(io, std::move(url)), source_(source), log_(log), timer_(io.ioc) {}

  [[nodiscard]] State state() const { return state_.load(); }
  [[nodiscard]] std::string failure() const {
    std::lock_guard lock(failure_mutex_);
    return failure_;
  }
  // Worst lateness against the schedule and largest unwritten backlog since the last reset.
  [[nodiscard]] double max_late_ms() const {
    return static_cast<double>(max_late_ns_.load()) / 1e6;
  }
  [[nodiscard]] std::size_t max_queued() const { return max_queued_.load(); }
  void reset_maxima() {
    max_late_ns_ = 0;
    max_queued_ = 0;
  }
  void finish() {
    asio::post(io_.ioc, [self = std::static_pointer_cast<Publisher>(shared_from_this())] {
      self->timer_.cancel();
    });
    stop();
  }

 private:
  void on_handshake_done() override {
    std::array<std::uint8_t, 4> size{};
    for (int i = 0; i < 4; ++i)
      size[static_cast<std::size_t>(i)] =
          static_cast<std::uint8_t>(kPublisherChunkSize >> (24 - 8 * i));
    send_message(kControlChunkStream, kSetChunkSize, 0, size);
    out_chunk_size_ = kPublisherChunkSize;
    send_connect();
  }

  bool on_reply(const Reply& r) override {
    if (r.name == "_result" && r.transaction == 1) {
      send_create_stream();
    } else if (r.name == "_result" && r.transaction == 2) {
      stream_id_ = static_cast<std::uint32_t>(r.last_number);
      Amf0Writer w;
      w.string("publish").number(3).null().string(url_.stream).string("live");
      send_message(kCommandChunkStream, kCommandAmf0, stream_id_, w.bytes());
    } else if (r.name == "onStatus" && r.code == "NetStream.Publish.Start") {
      go_live();
    } else if (r.name == "_error" ||
               (r.name == "onStatus" && r.code.find("Publish") != std::string::npos)) {
      fail(r.name + " " + r.code);
    }
    return true;
  }

  void on_media(std::uint8_t, std::uint32_t, Bytes) override {}

  void on_closed(const std::string& why) override { fail(why); }

  void fail(const std::string& why) {
    {
      std::lock_guard lock(failure_mutex_);
      if (failure_.empty()) failure_ = why;
    }
    state_ = State::failed;
    timer_.cancel();
  }

  void go_live() {
    std::vector<std::uint8_t> out;
    Amf0Writer set_data_frame;
    set_data_frame.string("@setDataFrame");
    const Bytes prefix = set_data_frame.bytes();
    std::vector<std::uint8_t> metadata(prefix.begin(), prefix.end());
    metadata.insert(metadata.end(), source_.metadata().begin(), source_.metadata().end());
    if (!source_.metadata().empty())
      append_message(out, kDataChunkStream, kDataAmf0, 0, stream_id_, metadata, out_chunk_size_);
    for (const auto& t : source_.headers())
      append_message(out, t.type == kVideo ? kVideoChunkStream : kAudioChunkStream, t.type, 0,
                     stream_id_, t.body, out_chunk_size_);
    send(out);
    start_ = Clock::now();
    state_ = State::live;
    pace();
  }

  [[nodiscard]] Clock::time_point due(std::size_t index, std::uint64_t loop) const {
    const auto& t = source_.loop()[index];
    return start_ + std::chrono::milliseconds(
                        static_cast<std::int64_t>(loop * source_.loop_ms() + t.timestamp) -
                        static_cast<std::int64_t>(source_.first_ts()));
  }

  // Sends every tag that is due, in one write, then sleeps until the next one is.
  void pace() {
    const auto now = Clock::now();
    out_.clear();
    const auto& loop = source_.loop();
    while (due(next_, loop_) <= now) {
      const auto& t = loop[next_];
      max_late_ns_ = std::max<std::int64_t>(
          max_late_ns_.load(),
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - due(next_, loop_)).count());
      auto timestamp = static_cast<std::uint32_t>(loop_ * source_.loop_ms() + t.timestamp);
      if (t.frame >= 0 &&
          !log_.record(static_cast<std::int64_t>(loop_) * source_.frames_per_loop() + t.frame,
                       now_ns()))
        return fail("frame log full: run shorter or raise its capacity");
      append_message(out_, t.type == kVideo ? kVideoChunkStream : kAudioChunkStream, t.type,
                     timestamp, stream_id_, t.body, out_chunk_size_);
      if (++next_ == loop.size()) {
        next_ = 0;
        ++loop_;
      }
    }
    // What earlier writes left unwritten: the server is not reading the publisher fast enough.
    max_queued_ = std::max(max_queued_.load(), queued_bytes());
    if (!out_.empty()) send(out_);
    timer_.expires_at(due(next_, loop_));
    timer_.async_wait([self = std::static_pointer_cast<Publisher>(shared_from_this())](
                          boost::system::error_code ec) {
      if (!ec && self->state_ == State::live) self->pace();
    });
  }

  const SourceFile& source_;
  FrameLog& log_;
  asio::steady_timer timer_;
  std::atomic<State> state_{State::connecting};
  mutable std::mutex failure_mutex_;
  std::string failure_;
  std::uint32_t stream_id_ = 1;
  Clock::time_point start_;
  std::size_t next_ = 0;  // next tag of the loop
  std::uint64_t loop_ = 0;
  std::vector<std::uint8_t> out_;
  std::atomic<std::int64_t> max_late_ns_{0};
  std::atomic<std::size_t> max_queued_{0};
};

// ---------------------------------------------------------------------------------------------
// Viewers

// Settles a viewer that failed before playing, or marks one that played as ended.
void viewer_closed(Run& run, ViewerRecord& rec, const std::string& why) {
  run.count_reason(why);
  if (rec.playing) {
    rec.ended = true;
  } else if (!rec.settled) {
    rec.settled = true;
    run.failed.fetch_add(1);
    run.settled.fetch_add(1);
    if (run.on_settled) run.on_settled();
  }
}

// An RTMP player: connect, createStream, play, then every audio/video message.
class RtmpViewer : public RtmpClient {
 public:
  RtmpViewer(IoThread& io, RtmpUrl url, Run& run, ViewerRecord& rec)
      : RtmpClient(io, std::move(url)), run_(run), rec_(rec) {}

 private:
  void on_handshake_done() override { send_connect(); }

  bool on_reply(const Reply& r) override {
    if (r.name == "_result" && r.transaction == 1) {
      send_create_stream();
    } else if (r.name == "_result" && r.transaction == 2) {
      Amf0Writer w;
      w.string("play").number(0).null().string(url_.stream).number(-2);
      send_message(kPlayChunkStream, kCommandAmf0, static_cast<std::uint32_t>(r.last_number),
                   w.bytes());
    } else if (r.name == "_error") {
      return refused(r.code.empty() ? "_error" : r.code);
    } else if (r.name == "onStatus") {
      if (r.code.find("StreamNotFound") != std::string::npos ||
          r.code.find("Failed") != std::string::npos ||
          r.code == "NetStream.Play.UnpublishNotify" || r.code == "NetStream.Play.Stop")
        return refused(r.code);
    }
    return true;
  }
  bool refused(const std::string& code) {
    protocol_error_ = code;
    return false;
  }

  void on_media(std::uint8_t type, std::uint32_t size, Bytes prefix) override {
    if (type == kVideo) track_video(run_, io_, rec_, size, prefix, now_);
  }

  void on_closed(const std::string& why) override { viewer_closed(run_, rec_, why); }

  Run& run_;
  ViewerRecord& rec_;
};

// Splits an FLV byte stream into tags, keeping the first bytes of each body. No I/O.
class FlvTagReader {
 public:
  // Calls on_tag(type, size, prefix) for each complete tag; false if this is not FLV.
  template <class OnTag>
  bool feed(Bytes data, OnTag&& on_tag) {
    std::size_t pos = 0;
    while (pos < data.size()) {
      if (body_left_ > 0) {
        auto take =
            static_cast<std::uint32_t>(std::min<std::size_t>(body_left_, data.size() - pos));
        std::size_t keep = std::min<std::size_t>(take, kMediaPrefix - prefix_len_);
        std::memcpy(prefix_.data() + prefix_len_, data.data() + pos, keep);
        prefix_len_ += keep;
        pos += take;
        body_left_ -= take;
        if (body_left_ == 0) on_tag(type_, size_, Bytes(prefix_.data(), prefix_len_));
        continue;
      }
      // The file header (9 bytes), then before each tag the previous one's size (4) and its
      // header (11).
      const std::size_t want = file_header_done_ ? 15 : 9;
      std::size_t take = std::min(want - have_, data.size() - pos);
      std::memcpy(header_.data() + have_, data.data() + pos, take);
      have_ += take;
      pos += take;
      if (have_ < want) break;
      have_ = 0;
      if (!file_header_done_) {
        if (header_[0] != 'F' || header_[1] != 'L' || header_[2] != 'V' ||
            read_be(&header_[5], 4) != 9)
          return false;
        file_header_done_ = true;
        continue;
      }
      type_ = header_[4] & 0x1F;
      size_ = read_be(&header_[5], 3);
      body_left_ = size_;
      prefix_len_ = 0;
      if (size_ == 0) on_tag(type_, size_, Bytes{});
    }
    return true;
  }

 private:
  std::array<std::uint8_t, 15> header_{};
  std::size_t have_ = 0;
  bool file_header_done_ = false;
  std::uint8_t type_ = 0;
  std::uint32_t size_ = 0;
  std::uint32_t body_left_ = 0;
  std::array<std::uint8_t, kMediaPrefix> prefix_{};
  std::size_t prefix_len_ = 0;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// An HTTP-FLV viewer: one GET, then the body (chunked transfer-encoding or not) as FLV tags.
class FlvViewer : public Connection {
 public:
  FlvViewer(IoThread& io, const HttpUrl& url, Run& run, ViewerRecord& rec)
      : Connection(io), url_(url), run_(run), rec_(rec) {}

 private:
  void on_connected() override {
    std::string request = "GET " + url_.target + " HTTP/1.1\r\nHost: " + url_.host + ":" +
                          std::to_string(url_.port) +
                          "\r\nUser-Agent: media_load\r\nAccept: */*\r\n\r\n";
    send(Bytes(reinterpret_cast<const std::uint8_t*>(request.data()), request.size()));
  }

  bool on_data(Bytes data, std::int64_t now) override {
    if (!headers_done_) {
      std::size_t before = head_.size();
      head_.append(reinterpret_cast<const char*>(data.data()),
                   std::min(data.size(), kMaxHttpHeader));
      auto end = head_.find("\r\n\r\n");
      if (end == std::string::npos)
        return head_.size() < kMaxHttpHeader || error("response headers too large");
      if (head_.compare(0, 9, "HTTP/1.1 ") != 0 && head_.compare(0, 9, "HTTP/1.0 ") != 0)
        return error("not HTTP");
      if (head_.compare(9, 3, "200") != 0)
        return error("HTTP " + head_.substr(9, head_.find('\r') - 9));
      std::string lower(head_.begin(), head_.begin() + static_cast<std::ptrdiff_t>(end));
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      chunked_ = lower.find("\r\ntransfer-encoding: chunked") != std::string::npos;
      data = data.subspan(end + 4 - before);
      head_ = {};
      headers_done_ = true;
    }
    now_ = now;
    return chunked_ ? dechunk(data) : flv(data);
  }

  // Transfer-encoding: chunked, by hand: a hex size line, that many bytes, CRLF; size 0 ends.
  bool dechunk(Bytes data) {
    std::size_t pos = 0;
    while (pos < data.size()) {
      if (chunk_left_ > 0) {
        std::size_t take = std::min<std::size_t>(chunk_left_, data.size() - pos);
        if (!flv(data.subspan(pos, take))) return false;
        pos += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) crlf_left_ = 2;
        continue;
      }
      if (crlf_left_ > 0) {
        --crlf_left_;
        ++pos;
        continue;
      }
      const char c = static_cast<char>(data[pos++]);
      if (c == '\n') {
        if (!size_digits_) continue;  // a blank line: tolerated
        chunk_left_ = size_line_;
        size_line_ = 0;
        size_digits_ = false;
        in_extension_ = false;
        if (chunk_left_ == 0) return error("stream ended");
      } else if (c == ';') {
        in_extension_ = true;
      } else if (int digit = hex_digit(c); !in_extension_ && digit >= 0) {
        size_line_ = size_line_ * 16 + static_cast<std::size_t>(digit);
        size_digits_ = true;
        if (size_line_ > (1u << 30)) return error("chunk too large");
      } else if (c != '\r' && !in_extension_) {
        return error("bad chunk size line");
      }
    }
    return true;
  }

  bool flv(Bytes data) {
    bool ok = tags_.feed(data, [this](std::uint8_t type, std::uint32_t size, Bytes prefix) {
      if (type == kVideo) track_video(run_, io_, rec_, size, prefix, now_);
    });
    return ok || error("not an FLV stream");
  }

  bool error(const std::string& why) {
    protocol_error_ = why;
    return false;
  }

  void on_closed(const std::string& why) override { viewer_closed(run_, rec_, why); }

  HttpUrl url_;
  Run& run_;
  ViewerRecord& rec_;
  std::string head_;
  bool headers_done_ = false;
  bool chunked_ = false;
  std::size_t chunk_left_ = 0;
  std::size_t size_line_ = 0;
  bool size_digits_ = false;
  bool in_extension_ = false;
  int crlf_left_ = 0;
  FlvTagReader tags_;
  std::int64_t now_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Process sampling and the run

void sleep_seconds(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

tcp::endpoint resolve(const std::string& host, std::uint16_t port) {
  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  return *resolver.resolve(host, std::to_string(port)).begin();
}

// The viewers, their io threads and the connect pacing.
class Audience {
 public:
  Audience(Run& run, const Options& opt)
      : run_(run),
        opt_(opt),
        records_(static_cast<std::size_t>(opt.viewers)),
        viewers_(records_.size()) {
    for (int i = 0; i < opt.threads; ++i) {
      io_.push_back(std::make_unique<IoThread>());
      guards_.push_back(asio::make_work_guard(io_.back()->ioc));
      threads_.emplace_back([&ctx = io_.back()->ioc] { ctx.run(); });
    }
    endpoint_ = opt.protocol == Protocol::flv
                    ? resolve(parse_http_url(opt.url).host, parse_http_url(opt.url).port)
                    : resolve(parse_rtmp_url(opt.url).host, parse_rtmp_url(opt.url).port);
    run_.on_settled = [this] { start_next(); };
  }
  ~Audience() { stop(); }

  // Connects every viewer, `connect_concurrency` at a time (each that plays or fails starts the
  // next); false when some have not settled within the connect timeout.
  bool connect() {
    for (int i = 0; i < std::min(opt_.connect_concurrency, opt_.viewers); ++i) start_next();
    return bench::wait_until([&] { return run_.settled.load() >= opt_.viewers; }, opt_.connect_timeout);
  }
  // Makes every io thread stop reading for a while (the --stall self-check).
  void stall(double seconds) {
    for (auto& t : io_) asio::post(t->ioc, [seconds] { sleep_seconds(seconds); });
  }
  [[nodiscard]] std::uint64_t bytes() const {
    std::uint64_t b = 0;
    for (auto& t : io_) b += t->bytes.load(std::memory_order_relaxed);
    return b;
  }
  [[nodiscard]] const std::vector<ViewerRecord>& records() const { return records_; }

  // Closes every viewer and joins the threads; the totals below are then safe to read.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (!launching_) return;
      launching_ = false;
      for (auto& v : viewers_)
        if (v) v->stop();
    }
    guards_.clear();
    for (auto& t : io_) t->ioc.stop();
    for (auto& t : threads_) t.join();
  }
  [[nodiscard]] Histogram delay() const {
    Histogram h;
    for (auto& t : io_) h.merge(t->delay);
    return h;
  }
  [[nodiscard]] std::uint64_t frames() const {
    std::uint64_t n = 0;
    for (auto& t : io_) n += t->frames;
    return n;
  }
  [[nodiscard]] std::uint64_t unmatched() const {
    std::uint64_t n = 0;
    for (auto& t : io_) n += t->unmatched;
    return n;
  }

 private:
  // Called from the main thread and from io threads (as viewers settle): the mutex guards
  // `viewers_` and `next_` against each other and stop().
  void start_next() {
    std::lock_guard lock(mutex_);
    if (!launching_ || next_ >= opt_.viewers) return;
    auto i = static_cast<std::size_t>(next_++);
    auto& thread = *io_[i % io_.size()];
    std::shared_ptr<Connection> v;
    if (opt_.protocol == Protocol::flv)
      v = std::make_shared<FlvViewer>(thread, parse_http_url(opt_.url), run_, records_[i]);
    else
      v = std::make_shared<RtmpViewer>(thread, parse_rtmp_url(opt_.url), run_, records_[i]);
    viewers_[i] = v;
    v->start(endpoint_);
  }

  Run& run_;
  const Options& opt_;
  std::vector<std::unique_ptr<IoThread>> io_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::vector<ViewerRecord> records_;
  std::vector<std::shared_ptr<Connection>> viewers_;
  tcp::endpoint endpoint_;
  std::mutex mutex_;
  int next_ = 0;
  bool launching_ = true;
};

// What the measured window gave.
struct Window {
  double seconds = 0;
  double server_cpu = 0;  // CPU seconds
  double own_cpu = 0;
  std::uint64_t bytes = 0;
  double publisher_late_ms = 0;
  std::size_t publisher_queued = 0;
  std::vector<double> lag_ms;  // per viewer at the end of the window; negative: not playing then
};

Window measure(const Options& opt, Run& run, Publisher& publisher, Audience& audience) {
  Window w;
  publisher.reset_maxima();
  const double server_cpu0 = bench::process_cpu_seconds(opt.server_pid),
               own_cpu0 = bench::own_cpu_seconds();
  const std::uint64_t bytes0 = audience.bytes();
  const auto t0 = Clock::now();
  run.window_start_ns = now_ns();
  if (opt.stall > 0) {
    sleep_seconds(opt.duration / 2);
    audience.stall(opt.stall);
    sleep_seconds(opt.duration / 2);
  } else {
    sleep_seconds(opt.duration);
  }
  run.window_end_ns = now_ns();
  w.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  w.server_cpu = bench::process_cpu_seconds(opt.server_pid) - server_cpu0;
  w.own_cpu = bench::own_cpu_seconds() - own_cpu0;
  w.bytes = audience.bytes() - bytes0;
  w.publisher_late_ms = publisher.max_late_ms();
  w.publisher_queued = publisher.max_queued();
  // How far behind each viewer is: the send-time gap between the publisher's last frame and its.
  const std::int64_t last_sent_ns = run.log.sent_ns(run.log.last_seq());
  for (const auto& r : audience.records()) {
    std::int64_t seen = r.last_seq.load(std::memory_order_relaxed);
    w.lag_ms.push_back(seen < 0 ? -1
                                : static_cast<double>(last_sent_ns - run.log.sent_ns(seen)) / 1e6);
  }
  return w;
}

// Which viewers fell behind: not playing at the end of the window, disconnected, skipped frames,
// or more than the lag limit behind at the end of the window.
struct Verdict {
  int not_playing = 0, disconnected = 0, skipped = 0, lagging = 0, behind = 0;
  std::uint64_t skipped_frames = 0, skips = 0;
  double worst_lag_ms = 0;
  std::map<std::string, int> reasons;  // why viewers failed or ended
};

Verdict assess(const Options& opt, Run& run, const Window& w,
               const std::vector<ViewerRecord>& records) {
  Verdict v;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    const bool n = w.lag_ms[i] < 0, d = !n && r.ended.load(), s = r.skipped_frames.load() > 0,
               l = !n && w.lag_ms[i] > opt.lag_limit_ms;
    v.not_playing += n;
    v.disconnected += d;
    v.skipped += s;
    v.lagging += l;
    v.behind += n || d || s || l;
    v.skipped_frames += r.skipped_frames.load();
    v.skips += r.skips.load();
    v.worst_lag_ms = std::max(v.worst_lag_ms, w.lag_ms[i]);
  }
  std::lock_guard lock(run.reasons_mutex);
  v.reasons = run.failure_reasons;
  return v;
}

void report(const Options& opt, const Window& w, const Verdict& v, const Audience& audience,
            const std::string& publisher_failure) {
  const Histogram delay = audience.delay();
  const int playing = opt.viewers - v.not_playing;
  const double mbit = static_cast<double>(w.bytes) * 8 / w.seconds / 1e6;
  const double viewer_minutes = playing * w.seconds / 60;
  const double cpu_per_viewer_minute = viewer_minutes > 0 ? w.server_cpu / viewer_minutes : 0;
  const double viewers_per_core = w.server_cpu > 0 ? playing / (w.server_cpu / w.seconds) : 0;
  const double client_percent = 100 * w.own_cpu / w.seconds;
  const char* proto = opt.protocol == Protocol::flv ? "flv" : "rtmp";
  const auto p50 = delay.percentile_ms(50), p90 = delay.percentile_ms(90),
             p99 = delay.percentile_ms(99);
  using ull = unsigned long long;

  std::printf(
      "window %.1f s: received %.1f Mbit/s (%.2f per viewer), %llu video frames, %llu unmatched\n",
      w.seconds, mbit, playing > 0 ? mbit / playing : 0, static_cast<ull>(audience.frames()),
      static_cast<ull>(audience.unmatched()));
  std::printf(
      "relay delay (%llu frames sent in the window): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max "
      "%.2f ms\n",
      static_cast<ull>(delay.count()), p50, p90, p99, delay.max_ms());
  std::printf(
      "behind: %d of %d viewers (%d not playing, %d disconnected, %d skipped %llu frames in %llu "
      "jumps, "
      "%d more than %.0f ms behind at the end; worst %.0f ms)\n",
      v.behind, opt.viewers, v.not_playing, v.disconnected, v.skipped,
      static_cast<ull>(v.skipped_frames), static_cast<ull>(v.skips), v.lagging, opt.lag_limit_ms,
      v.worst_lag_ms);
  for (const auto& [why, count] : v.reasons) std::printf("  %d× %s\n", count, why.c_str());
  if (opt.server_pid > 0)
    std::printf(
        "server: %.2f CPU s in %.1f s (%.0f %% of one core) = %.4f CPU s per viewer-minute, "
        "%.0f viewers per core\n",
        w.server_cpu, w.seconds, 100 * w.server_cpu / w.seconds, cpu_per_viewer_minute,
        viewers_per_core);
  std::printf(
      "client: %.0f %% of one core; publisher at most %.1f ms late, at most %zu bytes "
      "unwritten%s\n",
      client_percent, w.publisher_late_ms, w.publisher_queued,
      w.publisher_queued > kPublisherQueueWarn
          ? " (the server is not reading the publisher fast enough)"
          : "");
  if (client_percent > 90.0 * opt.threads)
    std::printf(
        "warning: the client was busy %.0f %% of the time per thread: it may be what limits this "
        "run\n",
        client_percent / opt.threads);
  if (!publisher_failure.empty())
    std::printf("warning: the publisher failed: %s\n", publisher_failure.c_str());

  std::printf(
      "RESULT "
      "{\"label\":\"%s\",\"protocol\":\"%s\",\"viewers\":%d,\"playing\":%d,\"behind\":%d,\"not_"
      "playing\":%d,"
      "\"disconnected\":%d,\"skipped\":%d,\"skipped_frames\":%llu,\"skips\":%llu,\"lagging\":%d,"
      "\"worst_lag_ms\":%.0f,"
      "\"delay_ms\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"max\":%.2f},\"delay_samples\":%llu,"
      "\"unmatched\":%llu,"
      "\"mbit_per_s\":%.1f,\"window_s\":%.2f,\"server_cpu_seconds\":%.2f,\"cpu_s_per_viewer_"
      "minute\":%.5f,"
      "\"viewers_per_core\":%.0f,\"client_cpu_percent\":%.0f,\"publisher_late_ms\":%.1f,"
      "\"command\":\"%s\"}\n",
      opt.label.c_str(), proto, opt.viewers, playing, v.behind, v.not_playing, v.disconnected,
      v.skipped, static_cast<ull>(v.skipped_frames), static_cast<ull>(v.skips), v.lagging,
      v.worst_lag_ms, p50, p90, p99, delay.max_ms(), static_cast<ull>(delay.count()),
      static_cast<ull>(audience.unmatched()), mbit, w.seconds, w.server_cpu, cpu_per_viewer_minute,
      viewers_per_core, client_percent, w.publisher_late_ms, opt.command_line.c_str());
  std::printf(
      "ROW | %s | %s | %d | %d | %d | %.2f | %.2f | %.2f | %.0f | %.4f | %.0f | %.0f %% |\n",
      opt.label.c_str(), proto, opt.viewers, playing, v.behind, p50, p99, delay.max_ms(), mbit,
      cpu_per_viewer_minute, viewers_per_core, client_percent);
}

// The publisher on its own io thread; stops and joins it when it goes.
class PublisherThread {
 public:
  PublisherThread(const Options& opt, const SourceFile& source, FrameLog& log)
      : url_(parse_rtmp_url(opt.publish_url)),
        publisher_(std::make_shared<Publisher>(io_, url_, source, log)),
        guard_(asio::make_work_guard(io_.ioc)),
        thread_([this] { io_.ioc.run(); }) {}
  ~PublisherThread() {
    publisher_->finish();
    guard_.reset();
    io_.ioc.stop();
    thread_.join();
  }
  // Connects and publishes; an empty string when live, else why not.
  std::string go_live() {
    publisher_->start(resolve(url_.host, url_.port));
    bench::wait_until([&] { return publisher_->state() != Publisher::State::connecting; }, 10);
    if (publisher_->state() == Publisher::State::live) return {};
    return publisher_->state() == Publisher::State::failed ? publisher_->failure()
                                                           : "no answer in 10 s";
  }
  [[nodiscard]] Publisher& publisher() { return *publisher_; }
  [[nodiscard]] std::string failure() const {
    return publisher_->state() == Publisher::State::failed ? publisher_->failure() : "";
  }

 private:
  IoThread io_;
  RtmpUrl url_;
  std::shared_ptr<Publisher> publisher_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) try {
  auto parsed = parse(argc, argv);
  if (!parsed) return 0;
  const Options& opt = *parsed;
  bench::raise_fd_limit();

  SourceFile source(opt.file);
  std::printf("source: %s, %d video frames (%.1f ms apart) in a %.1f s loop, %.2f Mbit/s%s\n",
              opt.file.c_str(), source.frames_per_loop(), source.frame_interval_ms(),
              source.loop_ms() / 1000.0, source.mbit_per_s(),
              source.ambiguous() ? " (some frames share a signature)" : "");
  // Room for every frame of the whole run, connect timeout included, twice over.
  const double run_seconds =
      opt.warmup + opt.connect_timeout + opt.settle + opt.duration + opt.drain + opt.stall + 10;
  FrameLog log(static_cast<std::size_t>(2 * run_seconds * 1000 / source.frame_interval_ms()) + 1);
  Run run(source, log);

  PublisherThread publishing(opt, source, log);
  if (std::string why = publishing.go_live(); !why.empty()) {
    std::fprintf(stderr, "media_load: publishing to %s failed: %s\n", opt.publish_url.c_str(),
                 why.c_str());
    return 2;
  }
  std::printf("publishing to %s\n", opt.publish_url.c_str());
  sleep_seconds(opt.warmup);  // so the server has a keyframe to start viewers on

  Audience audience(run, opt);
  auto t_connect = Clock::now();
  audience.connect();
  std::printf("%d/%d viewers playing in %.2f s (%d failed, %d still starting)\n",
              run.playing.load(), opt.viewers,
              std::chrono::duration<double>(Clock::now() - t_connect).count(), run.failed.load(),
              opt.viewers - run.settled.load());
  sleep_seconds(opt.settle);

  const Window window = measure(opt, run, publishing.publisher(), audience);
  sleep_seconds(opt.drain);  // frames sent late in the window still count their delay
  const Verdict verdict = assess(opt, run, window, audience.records());
  const std::string publisher_failure = publishing.failure();
  audience.stop();

  report(opt, window, verdict, audience, publisher_failure);
  return verdict.behind == 0 && publisher_failure.empty() ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "media_load: %s\n", e.what());
  return 2;
}
