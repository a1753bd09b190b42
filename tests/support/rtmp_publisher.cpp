#include "support/rtmp_publisher.hpp"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <iterator>

#include "media/amf0.hpp"
#include "media/rtmp_chunk_writer.hpp"
#include "media/rtmp_control.hpp"
#include "media/rtmp_handshake.hpp"

namespace testing_support {
namespace asio = boost::asio;
using media::amf0::Value;

namespace {

std::uint32_t be(const std::uint8_t* p, int n) {
  std::uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

std::vector<FlvFileTag> read_flv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<FlvFileTag> tags;
  if (data.size() < 13 || data[0] != 'F' || data[1] != 'L' || data[2] != 'V') return tags;
  std::size_t pos = be(&data[5], 4) + 4;  // the header, then PreviousTagSize0
  while (pos + 11 <= data.size()) {
    std::uint32_t size = be(&data[pos + 1], 3);
    if (pos + 11 + size > data.size()) break;
    FlvFileTag tag;
    tag.type = data[pos];
    tag.timestamp = be(&data[pos + 4], 3) | static_cast<std::uint32_t>(data[pos + 7]) << 24;
    tag.body.assign(data.begin() + static_cast<std::ptrdiff_t>(pos + 11),
                    data.begin() + static_cast<std::ptrdiff_t>(pos + 11 + size));
    tags.push_back(std::move(tag));
    pos += 11 + size + 4;
  }
  return tags;
}

RtmpPublisher::RtmpPublisher(std::uint16_t port, const std::string& stream, std::chrono::milliseconds timeout)
    : socket_(ioc_) {
  boost::system::error_code ec;
  socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  // Handshake: C0+C1, read S0+S1+S2, echo S1 as C2.
  std::vector<std::uint8_t> c0c1(1 + media::rtmp::kHandshakeBlock, 0);
  c0c1[0] = media::rtmp::kRtmpVersion;
  asio::write(socket_, asio::buffer(c0c1), ec);
  std::vector<std::uint8_t> s(1 + 2 * media::rtmp::kHandshakeBlock);
  if (ec || (asio::read(socket_, asio::buffer(s), ec), ec)) return;
  asio::write(socket_, asio::buffer(s.data() + 1, media::rtmp::kHandshakeBlock), ec);
  if (ec) return;

  std::vector<std::uint8_t> out;
  media::rtmp::ChunkWriter writer;
  writer.write(media::rtmp::set_chunk_size(4096), out);
  writer.set_chunk_size(4096);
  std::string tc_url = "rtmp://127.0.0.1:" + std::to_string(port) + "/live";
  writer.write(media::rtmp::command("connect", 1,
                                    {Value::object({{"app", Value::string("live")},
                                                    {"type", Value::string("nonprivate")},
                                                    {"tcUrl", Value::string(tc_url)}})}),
               out);
  writer.write(media::rtmp::command("createStream", 2, {Value::null()}), out);
  writer.write(media::rtmp::command("publish", 3, {Value::null(), Value::string(stream), Value::string("live")}, 1),
               out);
  asio::write(socket_, asio::buffer(out), ec);
  if (ec) return;

  // Read until the publish is answered (the onStatus code is plain text inside the AMF0).
  char buf[4096];
  while (answer_.find("NetStream.Publish.") == std::string::npos) {
    std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (ec) return;
    answer_.append(buf, n);
  }
  // The code may be split over two reads: read on until a description follows it.
  publishing_ = answer_.find("NetStream.Publish.Start") != std::string::npos;
  if (!publishing_ && answer_.find("NetStream.Publish.St") != std::string::npos) {
    std::size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (!ec) answer_.append(buf, n);
    publishing_ = answer_.find("NetStream.Publish.Start") != std::string::npos;
  }
}

bool RtmpPublisher::send(const std::vector<FlvFileTag>& tags) {
  std::vector<std::uint8_t> out;
  media::rtmp::ChunkWriter writer;
  writer.set_chunk_size(4096);
  for (const auto& tag : tags) {
    std::uint32_t csid = tag.type == 8 ? media::rtmp::kAudioChunkStream
                         : tag.type == 9 ? media::rtmp::kVideoChunkStream
                                         : media::rtmp::kDataChunkStream;
    writer.write({tag.type, tag.timestamp, 1, csid, tag.body}, out);
  }
  boost::system::error_code ec;
  asio::write(socket_, asio::buffer(out), ec);
  return !ec;
}

void RtmpPublisher::close() {
  boost::system::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace testing_support
