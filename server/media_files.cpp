#include "server/media_files.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <charconv>
#include <ctime>
#include <filesystem>

#include "server/target.hpp"

namespace server {
namespace beast = boost::beast;
namespace fs = std::filesystem;

namespace {

// Room ids and the names we give files: no dots or slashes, so a path cannot leave its folder.
bool plain_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "name.ext" with a plain name.
bool plain_file(std::string_view file, std::string_view ext) {
  return file.size() > ext.size() && file.ends_with(ext) && plain_name(file.substr(0, file.size() - ext.size()));
}

std::optional<std::uint64_t> parse_u64(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

template <class Message>
void common_headers(Message& res, std::string_view content_type, std::string_view cache_control) {
  res.set(http::field::server, "livecart");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, cache_control);
  res.set(http::field::access_control_allow_origin, "*");
}

MediaResponse serve_file(const Request& req, const fs::path& path, std::string_view content_type,
                         std::string_view cache_control, std::string_view missing_code, std::string_view missing) {
  FileRangeBody::value_type body;
  beast::error_code ec;
  body.file.open(path.c_str(), beast::file_mode::scan, ec);
  if (ec) return error_response(req, http::status::not_found, missing_code, missing);
  std::uint64_t size = body.file.size(ec);
  if (ec) return error_response(req, http::status::internal_server_error, "storage", ec.message());

  auto range = parse_range(req[http::field::range], size);
  if (range && range->second == 0) {
    auto res = error_response(req, http::status::range_not_satisfiable, "range", "the range is outside the file");
    res.set(http::field::content_range, "bytes */" + std::to_string(size));
    return res;
  }
  body.offset = range ? range->first : 0;
  body.length = range ? range->second : size;
  auto status = range ? http::status::partial_content : http::status::ok;
  auto fill = [&](auto& res) {
    common_headers(res, content_type, cache_control);
    res.set(http::field::accept_ranges, "bytes");
    if (range)
      res.set(http::field::content_range, "bytes " + std::to_string(body.offset) + "-" +
                                              std::to_string(body.offset + body.length - 1) + "/" +
                                              std::to_string(size));
    res.keep_alive(req.keep_alive());
  };
  if (req.method() == http::verb::head) {
    Response res{status, req.version()};
    fill(res);
    res.content_length(body.length);  // the body is not sent
    return res;
  }
  FileResponse res{status, req.version()};
  fill(res);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

// 20261202-031500-123-000.mp4 → milliseconds since the epoch (UTC); 0 when the name is not ours.
std::int64_t started_at_ms(std::string_view name) {
  std::tm tm{};
  int ms = 0;
  std::string s(name);
  if (std::sscanf(s.c_str(), "%4d%2d%2d-%2d%2d%2d-%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &ms) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + ms;
}

}  // namespace

std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(std::string_view header, std::uint64_t size) {
  constexpr std::string_view prefix = "bytes=";
  if (!header.starts_with(prefix)) return std::nullopt;
  std::string_view spec = header.substr(prefix.size());
  if (spec.find(',') != std::string_view::npos) return std::nullopt;  // multi-range: send it all
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view first = spec.substr(0, dash), last = spec.substr(dash + 1);
  const std::pair<std::uint64_t, std::uint64_t> unsatisfiable{size, 0};
  if (first.empty()) {  // the last N bytes
    auto n = parse_u64(last);
    if (!n) return std::nullopt;
    if (*n == 0 || size == 0) return unsatisfiable;
    std::uint64_t len = std::min(*n, size);
    return std::pair{size - len, len};
  }
  auto start = parse_u64(first);
  if (!start) return std::nullopt;
  if (*start >= size) return unsatisfiable;
  std::uint64_t end = size - 1;
  if (!last.empty()) {
    auto e = parse_u64(last);
    if (!e || *e < *start) return std::nullopt;
    end = std::min(*e, size - 1);
  }
  return std::pair{*start, end - *start + 1};
}

std::optional<MediaResponse> MediaFiles::serve(const Request& req) const {
  if (req.method() != http::verb::get && req.method() != http::verb::head) return std::nullopt;
  auto target = parse_target(req.target());
  if (!target) return std::nullopt;
  const auto& seg = target->segments;
  bool live_file = seg.size() == 3 && seg[0] == "live";
  bool recording = seg.size() == 5 && seg[0] == "api" && seg[1] == "rooms" && seg[3] == "recordings";
  if (!live_file && !recording) return std::nullopt;
  const std::string& room = live_file ? seg[1] : seg[2];
  const std::string& file = seg.back();
  if (!plain_name(room)) return error_response(req, http::status::not_found, "not_found", "no such room");
  if (!live_) return error_response(req, http::status::not_found, "disabled", "live outputs are off on this server");

  if (recording) {
    if (!plain_file(file, ".mp4")) return error_response(req, http::status::not_found, "not_found", "no such recording");
    return serve_file(req, live_->recordings_dir(room) / file, "video/mp4", "public, max-age=86400", "not_found",
                      "no such recording");
  }
  if (file == "snapshot.jpg") {
    auto jpeg = live_->snapshot(room);
    if (!jpeg) return error_response(req, http::status::not_found, "no_snapshot", "no picture from this room yet");
    Response res{http::status::ok, req.version()};
    common_headers(res, "image/jpeg", "no-cache");
    res.keep_alive(req.keep_alive());
    if (req.method() == http::verb::head)
      res.content_length(jpeg->size());
    else {
      res.body() = *jpeg;
      res.prepare_payload();
    }
    return res;
  }
  if (file == "index.m3u8")  // rewritten every segment: players must always fetch it again
    return serve_file(req, live_->hls_dir(room) / file, "application/vnd.apple.mpegurl", "no-cache", "offline",
                      "this room has no HLS stream");
  if (plain_file(file, ".ts"))  // segment names are unique per broadcast: they never change
    return serve_file(req, live_->hls_dir(room) / file, "video/mp2t", "public, max-age=3600", "not_found",
                      "no such segment (it may have expired)");
  return std::nullopt;
}

std::vector<RecordingInfo> MediaFiles::recordings(const std::string& room) const {
  std::vector<RecordingInfo> out;
  if (!live_ || !plain_name(room) || live_->config().recordings_root.empty()) return out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(live_->recordings_dir(room), ec)) {
    std::string name = entry.path().filename().string();
    if (!plain_file(name, ".mp4")) continue;  // *.mp4.part: still being written
    struct stat st{};
    if (::stat(entry.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    out.push_back({name, static_cast<std::uint64_t>(st.st_size), started_at_ms(name),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace server
