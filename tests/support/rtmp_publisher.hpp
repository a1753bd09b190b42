#pragma once
// A small RTMP publisher for tests that need many quick publishes (ffmpeg takes a second to
// start): the handshake, connect, createStream and publish, then the tags of an FLV file.
// Blocking socket calls, each bounded by the timeout.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace testing_support {

struct FlvFileTag {
  std::uint8_t type = 0;  // 8 audio, 9 video, 18 script
  std::uint32_t timestamp = 0;
  std::vector<std::uint8_t> body;
};

// The tags of an FLV file (empty when it cannot be read).
[[nodiscard]] std::vector<FlvFileTag> read_flv_file(const std::string& path);

class RtmpPublisher {
 public:
  // Connects to 127.0.0.1:port and publishes `stream` ("room?key=..."), waiting for the answer.
  RtmpPublisher(std::uint16_t port, const std::string& stream, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  // True once the server answered NetStream.Publish.Start.
  [[nodiscard]] bool publishing() const { return publishing_; }
  // What the server said (its onStatus bytes, for failure messages).
  [[nodiscard]] const std::string& answer() const { return answer_; }
  // Sends the tags at once (no pacing); false when the connection failed.
  bool send(const std::vector<FlvFileTag>& tags);
  void close();

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  bool publishing_ = false;
  std::string answer_;
};

}  // namespace testing_support
