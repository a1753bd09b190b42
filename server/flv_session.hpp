#pragma once
// One HTTP-FLV viewer (GET /live/{room}.flv): a chunked response carrying the FLV header (its
// audio and video flags from the first tags: metadata, sequence headers), the room's cached start
// (headers, latest GOP), then every tag as it arrives. Tags wait in a
// bounded TagQueue: a viewer that falls behind skips ahead to the next keyframe. Every tag
// queued goes out in one gather write of small per-viewer framing (chunk lines, FLV tag headers)
// and the bodies shared by every viewer; first straight away, the rest asynchronously.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <vector>

#include "media/stream_hub.hpp"
#include "media/tag_queue.hpp"
#include "server/metrics.hpp"
#include "server/session_tracker.hpp"

namespace server {

class FlvSession : public media::StreamSink, public Closable, public std::enable_shared_from_this<FlvSession> {
 public:
  FlvSession(boost::beast::tcp_stream&& stream, std::shared_ptr<media::StreamHub> hub, ServerMetrics& metrics,
             SessionTracker& tracker);
  ~FlvSession() override;

  void run();
  void on_tag(const media::Tag& tag) override;
  void on_tags(const media::TagRun& tags) override;
  void on_end() override;
  void shut_down() override;

 private:
  void write_next();
  [[nodiscard]] bool start_write();  // true when it completed at once
  void write_done();
  void watch_for_close();
  void finish();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<media::StreamHub> hub_;
  ServerMetrics& metrics_;
  SessionTracker& tracker_;
  std::uint64_t id_ = 0;       // the session tracker's
  std::uint64_t sink_id_ = 0;  // the stream hub's, once added
  media::TagQueue queue_;
  std::vector<media::Tag> in_flight_;  // the tags being written, in order
  std::vector<std::uint8_t> framing_;    // their chunk lines, tag headers and PreviousTagSizes
  std::vector<boost::asio::const_buffer> iov_;
  std::size_t in_flight_bytes_ = 0;
  std::array<char, 64> discard_{};
  std::vector<std::uint8_t> file_header_;  // as a chunk; empty once written
  bool tracks_known_ = false;             // file_header_ holds the stream's own flags
  bool writing_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

}  // namespace server
