#include "server/static_files.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/http/field.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace server {
namespace fs = std::filesystem;

namespace {

std::string content_type_for(const fs::path& p) {
  static const std::unordered_map<std::string, std::string> types{
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
      {".json", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
      {".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".ico", "image/x-icon"},
      {".webp", "image/webp"}, {".woff2", "font/woff2"}, {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& root) {
  std::error_code ec;
  if (root.empty() || !fs::is_directory(root, ec)) {
    spdlog::warn("web folder '{}' not found: no pages are served", root);
    return;
  }
  std::size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    auto rel = fs::relative(it->path(), root).generic_string();
    if (rel.starts_with("node_modules/") || rel.starts_with(".")) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string body = buf.str();
    total += body.size();
    if (total > kMaxTotalBytes) {
      spdlog::warn("web folder '{}' is over {} bytes: the rest is not served", root, kMaxTotalBytes);
      break;
    }
    std::string etag = "\"" + std::to_string(std::hash<std::string>{}(body)) + "\"";
    files_.emplace("/" + rel, File{content_type_for(it->path()), std::move(body), std::move(etag)});
  }
  spdlog::info("serving {} files from {}", files_.size(), root);
}

std::optional<Response> StaticFiles::serve(const Request& req, const std::string& path) const {
  auto it = files_.find(path == "/" ? "/index.html" : path);
  if (it == files_.end()) return std::nullopt;
  const File& f = it->second;
  bool not_modified = req[http::field::if_none_match] == f.etag;
  Response res{not_modified ? http::status::not_modified : http::status::ok, req.version()};
  res.set(http::field::server, "livecart");
  res.set(http::field::content_type, f.content_type);
  res.set(http::field::etag, f.etag);
  res.set(http::field::cache_control, "no-cache");
  res.keep_alive(req.keep_alive());
  if (!not_modified && req.method() != http::verb::head) res.body() = f.body;
  res.prepare_payload();
  if (req.method() == http::verb::head) res.content_length(f.body.size());
  return res;
}

}  // namespace server
