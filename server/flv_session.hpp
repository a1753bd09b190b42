#pragma once
// One HTTP-FLV viewer (GET /live/{room}.flv): a chunked response carrying the FLV header,
// the room's cached start (headers, latest GOP), then every tag as it arrives. Tags wait in a
// bounded TagQueue: a viewer that falls behind skips ahead to the next keyframe. Each tag goes
// out in one gather write of its own small header and the body shared by every viewer.
#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>

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
  void on_end() override;
  void shut_down() override;

 private:
  void write_next();
  void watch_for_close();
  void finish();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<media::StreamHub> hub_;
  ServerMetrics& metrics_;
  SessionTracker& tracker_;
  std::uint64_t id_ = 0;
  media::TagQueue queue_;
  media::Tag in_flight_;
  std::chrono::steady_clock::time_point in_flight_arrived_{};
  std::array<std::uint8_t, 32> head_{};  // chunk size line + FLV tag header
  std::array<std::uint8_t, 6> tail_{};   // PreviousTagSize + CRLF
  std::array<char, 64> discard_{};
  bool writing_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

}  // namespace server
