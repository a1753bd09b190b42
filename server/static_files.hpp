#pragma once
// The web folder, read into memory at start and served from there (no disk on I/O threads).
#include <memory>
#include <string>
#include <unordered_map>

#include "server/http_types.hpp"

namespace server {

class StaticFiles {
 public:
  // Reads every file under `root` (at most kMaxTotalBytes in all); a missing folder serves nothing.
  explicit StaticFiles(const std::string& root);

  // The file for GET/HEAD `path` ("/" is index.html), or nullopt when there is none.
  [[nodiscard]] std::optional<Response> serve(const Request& req, const std::string& path) const;
  [[nodiscard]] std::size_t size() const { return files_.size(); }

  static constexpr std::size_t kMaxTotalBytes = 64 << 20;

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string etag;
  };
  std::unordered_map<std::string, File> files_;  // by URL path, e.g. "/chat.js"
};

}  // namespace server
