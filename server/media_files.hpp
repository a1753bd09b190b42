#pragma once
// What a live room leaves on disk or in memory, served over HTTP: the HLS playlist and
// segments (/live/{room}/index.m3u8, /live/{room}/*.ts), the latest snapshot
// (/live/{room}/snapshot.jpg) and recorded broadcasts (/api/rooms/{id}/recordings/{name}.mp4)
// with Range support for seeking. Files are streamed from disk 64 KiB at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "media/live_media.hpp"
#include "server/file_range_body.hpp"
#include "server/http_types.hpp"

namespace server {

using FileResponse = http::response<FileRangeBody>;
using MediaResponse = std::variant<Response, FileResponse>;

struct RecordingInfo {
  std::string name;  // e.g. 20261202-031500-123-000.mp4
  std::uint64_t bytes = 0;
  std::int64_t started_at_ms = 0;   // from the name (UTC)
  std::int64_t finished_at_ms = 0;  // the file's last write
};

class MediaFiles {
 public:
  // `live` may be null (no outputs): then only errors are served.
  explicit MediaFiles(const media::LiveMedia* live) : live_(live) {}

  // The answer for GET/HEAD of a live output or a recording; nullopt for other targets.
  [[nodiscard]] std::optional<MediaResponse> serve(const Request& req) const;

  // The room's finished recordings, oldest first.
  [[nodiscard]] std::vector<RecordingInfo> recordings(const std::string& room) const;
  [[nodiscard]] const media::LiveMedia* live() const { return live_; }

 private:
  const media::LiveMedia* live_;
};

// Parses a single "bytes=" range against a file of `size` bytes: {offset, length}; nullopt when
// the header is absent, malformed or multi-range (the whole file is sent); {size, 0} when it
// cannot be satisfied (416).
[[nodiscard]] std::optional<std::pair<std::uint64_t, std::uint64_t>> parse_range(std::string_view header,
                                                                                std::uint64_t size);

}  // namespace server
