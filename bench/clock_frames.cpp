// clock_frames: the two ends of a glass-to-glass measurement outside the browser.
//
//   clock_frames write [--width W --height H --fps F --seconds S]
//     writes raw I420 pictures to stdout in real time, each with the wall-clock time (Unix ms)
//     at which it was made burnt into its top-left corner (bench/clock_code.hpp), over a moving
//     background with grain so the encoder has a real picture to code. Pipe it into ffmpeg
//     (`-f rawvideo -pix_fmt yuv420p -s WxH -framerate F -i -`).
//     --log FILE: also writes "frame-number stamp-ms" for every picture to FILE.
//   clock_frames flv-times --log FILE [--fps F --warmup S --seconds S --label L]
//     reads FLV from stdin (ffmpeg's encoder output, or the server's HTTP-FLV) without decoding it
//     and reports, for each video frame, its arrival − the stamp `write` logged for it: the
//     encoder's delay alone, or the encoder's and the relay's. A frame is named by its FLV
//     timestamp (frame n at n/F s: ffmpeg numbers raw input frames so, and no B-frames).
//   clock_frames read [--width W --height H --warmup S --seconds S --label L]
//     reads raw I420 pictures from stdin (ffmpeg decoding something), reads each one's stamp
//     and reports now − stamp: p50/p90/p99/max over the frames after the warm-up, frames whose
//     code failed its check, and frames skipped or repeated (the 8-bit counter).
//
// Writer and reader use the same clock (CLOCK_REALTIME) on the same machine. The stamp has
// 1 ms resolution. Driven by bench/run_whep_bench.sh.
#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "clock_code.hpp"

namespace po = boost::program_options;
namespace code = bench::clock_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string mode;
  int width = 1280;
  int height = 720;
  int fps = 30;
  double seconds = 0;  // 0: until stdin or stdout closes
  double warmup = 3;   // read: frames in the first seconds are not counted (start-up backlog)
  std::string label = "frames";
  std::string log;  // write: where to log stamps; flv-times: where to read them
};

double unix_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A cheap, deterministic grain source (xorshift64*).
class Grain {
 public:
  std::uint8_t next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<std::uint8_t>((state_ * 0x2545F4914F6CDD1DULL) >> 56);
  }

 private:
  std::uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

int write_frames(const Options& o) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed reader is a write error, not a silent death
  const std::size_t luma = static_cast<std::size_t>(o.width) * o.height;
  const std::size_t chroma = luma / 4;
  std::vector<std::uint8_t> frame(luma + 2 * chroma);
  // Grain: ±8 around zero, a table larger than a picture, read from a new offset each frame.
  Grain grain;
  std::vector<std::int8_t> noise(luma + 65536);
  for (auto& n : noise) n = static_cast<std::int8_t>((grain.next() & 15) - 8);

  const auto period =
      std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(1.0 / o.fps));
  std::FILE* log = o.log.empty() ? nullptr : std::fopen(o.log.c_str(), "w");
  if (!o.log.empty() && !log) {
    std::perror(o.log.c_str());
    return 1;
  }
  auto next = SteadyClock::now();
  const auto until = next + std::chrono::duration_cast<SteadyClock::duration>(
                                std::chrono::duration<double>(o.seconds));
  for (std::uint64_t n = 0;; ++n) {
    std::this_thread::sleep_until(next);
    next += period;
    if (o.seconds > 0 && SteadyClock::now() >= until) return 0;
    double made = unix_ms();
    auto stamp = code::Stamp{static_cast<std::uint64_t>(made) & code::kTimeMask,
                             static_cast<std::uint8_t>(n & 0xFF)};
    if (log) {
      std::fprintf(log, "%llu %.3f\n", static_cast<unsigned long long>(n), made);
      std::fflush(log);
    }
    // Background: diagonal bands scrolling 4 pixels a frame, with grain; a box bouncing across.
    const std::size_t offset = (n * 7919) % 65536;
    const int box_x = static_cast<int>((n * 9) % static_cast<std::uint64_t>(o.width - 160));
    for (int y = 0; y < o.height; ++y) {
      std::uint8_t* row = frame.data() + static_cast<std::size_t>(y) * o.width;
      const std::int8_t* g = noise.data() + offset + static_cast<std::size_t>(y) * o.width;
      bool box_row = y >= o.height / 2 && y < o.height / 2 + 120;
      for (int x = 0; x < o.width; ++x) {
        int v = 60 + ((x + y + static_cast<int>(n) * 4) & 127) + g[x];
        if (box_row && x >= box_x && x < box_x + 160) v = 200 + g[x];
        row[x] = static_cast<std::uint8_t>(std::clamp(v, 16, 235));
      }
    }
    std::uint8_t* u = frame.data() + luma;
    std::uint8_t* v = u + chroma;
    for (int y = 0; y < o.height / 2; ++y)
      for (int x = 0; x < o.width / 2; ++x) {
        u[y * (o.width / 2) + x] = static_cast<std::uint8_t>(96 + ((x + static_cast<int>(n)) & 63));
        v[y * (o.width / 2) + x] = static_cast<std::uint8_t>(96 + ((y * 2) & 63));
      }
    // The code's cells are pure grey (no colour), on luma and chroma.
    code::draw(stamp, frame.data(), o.width);
    for (int y = 0; y < code::kHeight / 2; ++y)
      for (int x = 0; x < code::kWidth / 2; ++x)
        u[y * (o.width / 2) + x] = v[y * (o.width / 2) + x] = 128;
    if (std::fwrite(frame.data(), 1, frame.size(), stdout) != frame.size() ||
        std::fflush(stdout) != 0)
      return errno == EPIPE ? 0 : 1;
  }
}

double percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

void report(const Options& o, std::vector<double>& delays) {
  std::sort(delays.begin(), delays.end());
  if (delays.empty()) return;
  std::printf("%s: delay ms p50 %.1f p90 %.1f p99 %.1f max %.1f min %.1f\n", o.label.c_str(),
              percentile(delays, 50), percentile(delays, 90), percentile(delays, 99), delays.back(),
              delays.front());
}

std::uint32_t be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

int flv_times(const Options& o) {
  struct Arrival {
    std::uint32_t timestamp;
    double at_ms;
    double elapsed_s;
  };
  std::vector<Arrival> arrivals;
  std::uint8_t header[13];
  if (std::fread(header, 1, sizeof header, stdin) != sizeof header || header[0] != 'F' ||
      header[1] != 'L' || header[2] != 'V') {
    std::fprintf(stderr, "%s: no FLV on stdin\n", o.label.c_str());
    return 1;
  }
  std::vector<std::uint8_t> body;
  SteadyClock::time_point start;
  for (std::uint8_t tag[11]; std::fread(tag, 1, sizeof tag, stdin) == sizeof tag;) {
    std::uint32_t size = be(tag + 1, 3);
    std::uint32_t timestamp = be(tag + 4, 3) | std::uint32_t{tag[7]} << 24;
    body.resize(size + 4);  // the body and the next PreviousTagSize
    if (std::fread(body.data(), 1, body.size(), stdin) != body.size()) break;
    double now = unix_ms();
    // Video, AVC NAL units (not the sequence header).
    if ((tag[0] & 0x1F) != 9 || size < 2 || body[1] != 1) continue;
    if (arrivals.empty()) start = SteadyClock::now();
    double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    if (o.seconds > 0 && elapsed > o.warmup + o.seconds) break;
    arrivals.push_back({timestamp, now, elapsed});
  }
  std::unordered_map<std::uint64_t, double> made;
  std::ifstream log(o.log);
  for (std::uint64_t n; log >> n;) log >> made[n];
  std::vector<double> delays;
  std::size_t unmatched = 0, in_warmup = 0;
  for (const auto& a : arrivals) {
    auto n = static_cast<std::uint64_t>(std::llround(a.timestamp * o.fps / 1000.0));
    auto it = made.find(n);
    if (it == made.end()) {
      ++unmatched;
      continue;
    }
    if (a.elapsed_s < o.warmup) {
      ++in_warmup;
      continue;
    }
    delays.push_back(a.at_ms - it->second);
  }
  std::printf("%s: %zu video frames, %zu in the %.0f s warm-up, %zu not in the log, %zu measured\n",
              o.label.c_str(), arrivals.size(), in_warmup, o.warmup, unmatched, delays.size());
  if (delays.empty()) return 1;
  report(o, delays);
  std::printf("RESULT %s frames=%zu p50=%.1f p90=%.1f p99=%.1f max=%.1f\n", o.label.c_str(),
              delays.size(), percentile(delays, 50), percentile(delays, 90), percentile(delays, 99),
              delays.back());
  return 0;
}

int read_frames(const Options& o) {
  const std::size_t luma = static_cast<std::size_t>(o.width) * o.height;
  std::vector<std::uint8_t> frame(luma + luma / 2);
  std::vector<double> delays;
  std::uint64_t frames = 0, unreadable = 0, skipped = 0, repeated = 0, in_warmup = 0;
  int last_frame = -1;
  SteadyClock::time_point start;  // the first frame's arrival: warm-up and window count from it
  while (std::fread(frame.data(), 1, frame.size(), stdin) == frame.size()) {
    double now = unix_ms();
    if (frames++ == 0) start = SteadyClock::now();
    double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
    if (o.seconds > 0 && elapsed > o.warmup + o.seconds) break;
    auto stamp = code::read(frame.data(), o.width);
    if (!stamp) {
      ++unreadable;
      continue;
    }
    if (last_frame >= 0) {
      int step = (stamp->frame - last_frame + 256) % 256;
      if (step == 0) ++repeated;
      if (step > 1) skipped += static_cast<std::uint64_t>(step - 1);
    }
    last_frame = stamp->frame;
    if (elapsed < o.warmup) {
      ++in_warmup;
      continue;
    }
    auto now_low = static_cast<std::uint64_t>(now) & code::kTimeMask;
    auto diff = static_cast<std::int64_t>((now_low - stamp->time_ms) & code::kTimeMask);
    if (diff > static_cast<std::int64_t>(code::kTimeMask / 2))
      diff -= static_cast<std::int64_t>(code::kTimeMask) + 1;
    delays.push_back(static_cast<double>(diff) + (now - std::floor(now)));
  }
  std::printf(
      "%s: %llu frames read, %llu unreadable (check failed), %llu in the %.0f s warm-up, %llu "
      "measured; %llu skipped, %llu repeated\n",
      o.label.c_str(), static_cast<unsigned long long>(frames),
      static_cast<unsigned long long>(unreadable), static_cast<unsigned long long>(in_warmup),
      o.warmup, static_cast<unsigned long long>(delays.size()),
      static_cast<unsigned long long>(skipped), static_cast<unsigned long long>(repeated));
  if (delays.empty()) return 1;
  report(o, delays);
  std::printf(
      "RESULT %s frames=%zu p50=%.1f p90=%.1f p99=%.1f max=%.1f unreadable=%llu skipped=%llu\n",
      o.label.c_str(), delays.size(), percentile(delays, 50), percentile(delays, 90),
      percentile(delays, 99), delays.back(), static_cast<unsigned long long>(unreadable),
      static_cast<unsigned long long>(skipped));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  po::options_description desc("clock_frames write|read [options]");
  desc.add_options()("help", "this help")("width", po::value(&o.width)->default_value(o.width),
                                          "picture width (>= 512, even)")(
      "height", po::value(&o.height)->default_value(o.height), "picture height (>= 128, even)")(
      "fps", po::value(&o.fps)->default_value(o.fps), "write: frames per second")(
      "seconds", po::value(&o.seconds)->default_value(o.seconds),
      "write: stop after; read: seconds measured after the warm-up (0: until the input ends)")(
      "warmup", po::value(&o.warmup)->default_value(o.warmup), "read: seconds not counted")(
      "label", po::value(&o.label)->default_value(o.label), "read: name in the report")(
      "log", po::value(&o.log),
      "write: log each frame's stamp here; flv-times: read them from here")(
      "mode", po::value(&o.mode), "write, read or flv-times");
  po::positional_options_description pos;
  pos.add("mode", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  if (vm.count("help") || (o.mode != "write" && o.mode != "read" && o.mode != "flv-times") ||
      (o.mode == "flv-times" && o.log.empty()) || o.width < code::kWidth ||
      o.height < code::kHeight || o.width % 2 || o.height % 2 || o.fps <= 0) {
    std::cerr << desc;
    return 2;
  }
  if (o.mode == "write") return write_frames(o);
  return o.mode == "read" ? read_frames(o) : flv_times(o);
}
