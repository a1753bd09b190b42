// Fuzz target for the RTMP protocol layer: handshake, chunk stream and AMF0, fed the same
// untrusted bytes a publisher's socket delivers. libFuzzer with clang (-DLIVECART_FUZZ=ON);
// in the normal test build a seed-and-mutation replay (standalone_main.cpp).
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "media/amf0.hpp"
#include "media/rtmp_chunk_reader.hpp"
#include "media/rtmp_handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);

  media::rtmp::ServerHandshake handshake;
  std::vector<std::uint8_t> reply;
  std::size_t used = handshake.feed(in, reply);
  if (used > size) __builtin_trap();

  // The chunk stream, fed in two pieces so that resumption is exercised too.
  media::rtmp::ChunkReader reader(1 << 20);
  std::vector<media::rtmp::Message> messages;
  std::size_t half = size / 2;
  if (reader.feed(in.subspan(0, half), messages) == media::rtmp::ChunkError::none)
    (void)reader.feed(in.subspan(half), messages);
  for (const auto& m : messages) {
    if (m.payload.size() > (1u << 20)) __builtin_trap();
    (void)media::amf0::decode_all(m.payload);
  }
  (void)media::amf0::decode_all(in);
  return 0;
}

// Seeds for the replay: a whole publisher conversation built by our own writers.
#include <string>

#include "media/rtmp_chunk_writer.hpp"
#include "media/rtmp_control.hpp"

std::vector<std::string> fuzz_seeds() {
  using media::amf0::Value;
  namespace rtmp = media::rtmp;
  std::vector<std::uint8_t> session{rtmp::kRtmpVersion};
  session.insert(session.end(), 2 * rtmp::kHandshakeBlock, 0x11);
  rtmp::ChunkWriter writer;
  writer.write(rtmp::command("connect", 1, {Value::object({{"app", Value::string("live")}})}), session);
  writer.write(rtmp::set_chunk_size(4096), session);
  writer.set_chunk_size(4096);
  writer.write(rtmp::command("createStream", 2, {Value::null()}), session);
  writer.write(rtmp::command("publish", 3, {Value::null(), Value::string("r1?key=k"), Value::string("live")}, 1), session);
  writer.write({18, 0, 1, 5, media::amf0::encode_all({Value::string("@setDataFrame"), Value::string("onMetaData"),
                                                      Value::ecma_array({{"width", Value::number(1280)}})})},
               session);
  writer.write({9, 0, 1, 6, std::vector<std::uint8_t>(5000, 0x17)}, session);
  std::vector<std::uint8_t> chunks(session.begin() + 1 + 2 * rtmp::kHandshakeBlock, session.end());
  return {std::string(session.begin(), session.end()), std::string(chunks.begin(), chunks.end()), ""};
}
