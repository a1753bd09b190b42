#pragma once
// One RTMP connection on Asio: the handshake, the chunk stream, and the commands of a
// publisher (connect, releaseStream, FCPublish, createStream, publish, FCUnpublish,
// deleteStream) with @setDataFrame/onMetaData, audio and video handed to the room's StreamHub;
// or of a player (play), fed from the hub through a bounded TagQueue. Runs on its own strand.
// Protocol errors close the connection; the server serves on.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "media/delay_histogram.hpp"
#include "media/rtmp_chunk_reader.hpp"
#include "media/rtmp_chunk_writer.hpp"
#include "media/rtmp_control.hpp"
#include "media/rtmp_gate.hpp"
#include "media/rtmp_handshake.hpp"
#include "media/stream_hub.hpp"
#include "media/tag_queue.hpp"

namespace media {

struct RtmpLimits {
  std::chrono::seconds handshake_timeout{10};   // to finish the handshake and publish
  std::chrono::seconds idle_timeout{30};        // a publisher silent this long is dropped
  std::chrono::milliseconds stale_after{3000};  // a silent publisher may be taken over after this
  std::uint32_t max_message_bytes = rtmp::kMaxMessageBytes;
  std::uint32_t out_chunk_size = 4096;
  std::uint32_t window_ack_size = 2'500'000;
};

struct RtmpStats {
  std::atomic<std::int64_t> connections{0};
  std::atomic<std::int64_t> publishers{0};
  std::atomic<std::int64_t> players{0};
  std::atomic<std::uint64_t> tags_skipped{0};  // skipped by lagging players
  std::atomic<std::uint64_t> refused{0};          // wrong key, unknown room, busy
  std::atomic<std::uint64_t> protocol_errors{0};  // bad handshake, bad chunks, bad commands
  std::atomic<std::uint64_t> bytes_in{0};
  DelayHistogram play_delay;  // tag arrival to its write to an RTMP player completing
};

class RtmpSession : public StreamSink, public std::enable_shared_from_this<RtmpSession> {
 public:
  RtmpSession(boost::asio::ip::tcp::socket socket, RtmpGate& gate, const RtmpLimits& limits, RtmpStats& stats,
              std::uint64_t id);
  ~RtmpSession() override;

  void run();
  // Ends the connection (server shutting down); a live stream ends for its viewers. Any thread.
  void close();

  void on_tag(const Tag& tag) override;
  void on_tags(const TagRun& tags) override;
  void on_end() override;

 private:
  void on_play(const rtmp::Command& c, std::uint32_t stream_id);
  void send_tags();
  void do_read();
  void on_read(boost::system::error_code ec, std::size_t n);
  bool on_message(rtmp::Message& m);
  bool on_command(rtmp::Command& c, const rtmp::Message& m);
  void on_publish(const rtmp::Command& c, std::uint32_t stream_id);
  void on_data(rtmp::Message& m);
  void on_media(rtmp::Message& m);
  void send(const rtmp::Message& m);
  // A tag from this publisher, with its RTMP play chunks built once for every player.
  [[nodiscard]] Tag make_tag(flv::TagType type, std::uint32_t timestamp,
                             std::shared_ptr<const std::vector<std::uint8_t>> body) const;
  void stage_pending();  // pending_out_ joins the next write's buffers
  void flush();
  [[nodiscard]] bool start_write();  // true when it completed at once
  void write_done();
  void close_after_flush();
  void stop_publishing();
  void arm_timer(std::chrono::steady_clock::duration after);

  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  RtmpGate& gate_;
  const RtmpLimits& limits_;
  RtmpStats& stats_;
  std::uint64_t id_;
  std::uint64_t sink_id_ = 0;  // the stream hub's, while playing

  rtmp::ServerHandshake handshake_;
  rtmp::ChunkReader reader_;
  rtmp::ChunkWriter writer_;
  std::vector<std::uint8_t> read_buffer_;
  using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;
  std::vector<std::uint8_t> pending_out_;  // built here, not yet staged
  std::vector<SharedBytes> batch_;         // staged for the next write, in order (tags' chunks are shared)
  std::vector<SharedBytes> writing_;       // the buffers being written: one gather write
  std::vector<boost::asio::const_buffer> iov_;
  std::vector<std::chrono::steady_clock::time_point> writing_arrivals_;  // of the tags in it
  std::vector<std::chrono::steady_clock::time_point> pending_arrivals_;  // of the tags in pending_out_
  std::uint64_t acknowledged_ = 0;

  std::string app_;
  std::shared_ptr<StreamHub> hub_;  // set while publishing
  bool publishing_ = false;
  bool playing_ = false;
  TagQueue play_queue_;
  bool closing_ = false;
  std::chrono::steady_clock::time_point last_data_{};
};

// Accepts RTMP connections (--rtmp-port) and runs an RtmpSession for each.
class RtmpServer : public std::enable_shared_from_this<RtmpServer> {
 public:
  RtmpServer(boost::asio::io_context& ioc, const boost::asio::ip::tcp::endpoint& endpoint, RtmpGate& gate,
             const RtmpLimits& limits, RtmpStats& stats);
  void run();
  // Stops accepting and closes every connection. Any thread.
  void stop();
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  void do_accept();

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  RtmpGate& gate_;
  const RtmpLimits& limits_;
  RtmpStats& stats_;
  std::uint16_t port_ = 0;
  std::uint64_t next_id_ = 0;
  std::mutex mutex_;
  std::vector<std::weak_ptr<RtmpSession>> sessions_;  // pruned as connections come and go
};

}  // namespace media
