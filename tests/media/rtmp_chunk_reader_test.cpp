#include "media/rtmp_chunk_reader.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "media/rtmp_chunk_writer.hpp"

namespace media::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes payload_of(std::size_t n, std::uint8_t seed = 1) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), seed);
  return b;
}

Message message(std::uint8_t type, std::uint32_t ts, std::uint32_t csid, Bytes payload, std::uint32_t stream = 1) {
  return Message{type, ts, stream, csid, std::move(payload)};
}

Bytes chunks_of(const std::vector<Message>& messages, std::uint32_t chunk_size = kDefaultChunkSize) {
  Bytes out;
  ChunkWriter w(chunk_size);
  for (const auto& m : messages) w.write(m, out);
  return out;
}

std::vector<Message> read_all(const Bytes& bytes, ChunkReader& reader, ChunkError* error = nullptr) {
  std::vector<Message> out;
  ChunkError e = reader.feed(bytes, out);
  if (error) *error = e;
  return out;
}

Bytes set_chunk_size(std::uint32_t size) {
  return chunks_of({message(1, 0, 2, {static_cast<std::uint8_t>(size >> 24), static_cast<std::uint8_t>(size >> 16),
                                      static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)},
                            0)});
}

// A captured chunk: ffmpeg's first command, "connect" on chunk stream 3 (format 0 header,
// timestamp 0, length 14 here for brevity, type 20, stream 0).
TEST(ChunkReader, ParsesAFormatZeroHeader) {
  Bytes bytes = {0x03, 0, 0, 0, 0, 0, 14, 20, 0, 0, 0, 0, 0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0x00,
                 0x3F, 0xF0, 0x00};
  bytes.resize(12 + 14, 0);
  ChunkReader reader;
  auto out = read_all(bytes, reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, 20);
  EXPECT_EQ(out[0].chunk_stream, 3u);
  EXPECT_EQ(out[0].stream_id, 0u);
  EXPECT_EQ(out[0].payload.size(), 14u);
}

TEST(ChunkReader, ReassemblesAMessageSplitIntoChunks) {
  auto payload = payload_of(1000);
  ChunkReader reader;
  auto out = read_all(chunks_of({message(9, 40, 6, payload)}), reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, payload);
  EXPECT_EQ(out[0].timestamp, 40u);
}

TEST(ChunkReader, AcceptsBytesOneAtATime) {
  auto bytes = chunks_of({message(9, 40, 6, payload_of(700)), message(8, 41, 4, payload_of(300))});
  ChunkReader reader;
  std::vector<Message> out;
  for (auto b : bytes) ASSERT_EQ(reader.feed(std::span(&b, 1), out), ChunkError::none);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload.size(), 700u);
  EXPECT_EQ(out[1].payload.size(), 300u);
  EXPECT_EQ(reader.bytes_received(), bytes.size());
}

TEST(ChunkReader, InterleavedChunkStreamsKeepTheirOwnMessages) {
  // Video (csid 6) and audio (csid 4) chunks alternate, as encoders send them.
  Bytes video = chunks_of({message(9, 0, 6, payload_of(256, 10))});
  Bytes audio = chunks_of({message(8, 0, 4, payload_of(200, 50))});
  // First chunks of each (12-byte header + 128), then the rest.
  Bytes mixed(video.begin(), video.begin() + 140);
  mixed.insert(mixed.end(), audio.begin(), audio.begin() + 140);
  mixed.insert(mixed.end(), video.begin() + 140, video.end());
  mixed.insert(mixed.end(), audio.begin() + 140, audio.end());
  ChunkReader reader;
  auto out = read_all(mixed, reader);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].payload, payload_of(256, 10));
  EXPECT_EQ(out[1].payload, payload_of(200, 50));
}

TEST(ChunkReader, FormatOneAndTwoHeadersAddTimestampDeltas) {
  Bytes bytes = chunks_of({message(8, 1000, 4, {1, 2})});
  // Format 1: delta 20, length 2, type 8.
  for (std::uint8_t b : {0x44, 0, 0, 20, 0, 0, 2, 8, 3, 4}) bytes.push_back(b);
  // Format 2: delta 30, same length and type.
  for (std::uint8_t b : {0x84, 0, 0, 30, 5, 6}) bytes.push_back(b);
  // Format 3 starting a new message: repeats the last delta (30).
  for (std::uint8_t b : {0xC4, 7, 8}) bytes.push_back(b);
  ChunkReader reader;
  auto out = read_all(bytes, reader);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].timestamp, 1000u);
  EXPECT_EQ(out[1].timestamp, 1020u);
  EXPECT_EQ(out[2].timestamp, 1050u);
  EXPECT_EQ(out[3].timestamp, 1080u);
  EXPECT_EQ(out[3].payload, (Bytes{7, 8}));
  EXPECT_EQ(out[3].stream_id, 1u);
}

TEST(ChunkReader, ExtendedTimestampsRoundTrip) {
  auto payload = payload_of(300);
  ChunkReader reader;
  auto out = read_all(chunks_of({message(9, 0x12345678, 6, payload)}), reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].timestamp, 0x12345678u);
  EXPECT_EQ(out[0].payload, payload);
}

TEST(ChunkReader, SetChunkSizeAppliesToTheFollowingChunks) {
  Bytes bytes = set_chunk_size(4096);
  Bytes big = chunks_of({message(9, 0, 6, payload_of(5000))}, 4096);
  bytes.insert(bytes.end(), big.begin(), big.end());
  ChunkReader reader;
  auto out = read_all(bytes, reader);
  EXPECT_EQ(reader.chunk_size(), 4096u);
  ASSERT_EQ(out.size(), 1u);  // the Set Chunk Size itself is applied, not handed on
  EXPECT_EQ(out[0].payload.size(), 5000u);
}

TEST(ChunkReader, AbortDropsTheHalfReceivedMessage) {
  Bytes video = chunks_of({message(9, 0, 6, payload_of(300))});
  Bytes bytes(video.begin(), video.begin() + 140);  // first chunk only
  Bytes abort = chunks_of({message(2, 0, 2, {0, 0, 0, 6}, 0)});
  bytes.insert(bytes.end(), abort.begin(), abort.end());
  Bytes next = chunks_of({message(9, 40, 6, {9, 9})});
  bytes.insert(bytes.end(), next.begin(), next.end());
  ChunkReader reader;
  auto out = read_all(bytes, reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].payload, (Bytes{9, 9}));
}

TEST(ChunkReader, ZeroLengthMessageIsDelivered) {
  ChunkReader reader;
  auto out = read_all(chunks_of({message(18, 0, 5, {})}), reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].payload.empty());
}

TEST(ChunkReader, TwoAndThreeByteChunkStreamIds) {
  ChunkReader reader;
  auto out = read_all(chunks_of({message(9, 0, 100, payload_of(10)), message(9, 0, 1000, payload_of(10))}), reader);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].chunk_stream, 100u);
  EXPECT_EQ(out[1].chunk_stream, 1000u);
}

struct BadCase {
  const char* name;
  Bytes bytes;
  ChunkError error;
};

class ChunkReaderBadInput : public testing::TestWithParam<BadCase> {};

TEST_P(ChunkReaderBadInput, IsRefused) {
  ChunkReader reader;
  ChunkError e = ChunkError::none;
  read_all(GetParam().bytes, reader, &e);
  EXPECT_EQ(e, GetParam().error) << to_string(e);
  std::vector<Message> out;
  EXPECT_EQ(reader.feed(Bytes{0x03}, out), GetParam().error) << "an error sticks";
}

INSTANTIATE_TEST_SUITE_P(
    Table, ChunkReaderBadInput,
    testing::Values(
        BadCase{"chunk_size_2_pow_31", set_chunk_size(0x80000000u), ChunkError::bad_chunk_size},
        BadCase{"chunk_size_zero", set_chunk_size(0), ChunkError::bad_chunk_size},
        BadCase{"chunk_size_over_limit", set_chunk_size(kMaxChunkSize + 1), ChunkError::bad_chunk_size},
        BadCase{"short_set_chunk_size", chunks_of({message(1, 0, 2, {0, 1}, 0)}), ChunkError::bad_control_message},
        BadCase{"message_over_limit", Bytes{0x06, 0, 0, 0, 0x90, 0, 0, 9, 1, 0, 0, 0}, ChunkError::message_too_large},
        BadCase{"format_3_first", Bytes{0xC6, 1, 2, 3}, ChunkError::no_previous_header},
        BadCase{"format_1_first", Bytes{0x46, 0, 0, 1, 0, 0, 1, 9, 0}, ChunkError::no_previous_header}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(ChunkReader, TooManyChunkStreamsIsRefused) {
  std::vector<Message> messages;
  for (std::uint32_t csid = 3; csid < 3 + kMaxChunkStreams + 1; ++csid) messages.push_back(message(9, 0, csid, {1}));
  ChunkReader reader;
  ChunkError e = ChunkError::none;
  read_all(chunks_of(messages), reader, &e);
  EXPECT_EQ(e, ChunkError::too_many_streams);
}

TEST(ChunkReader, HugeAnnouncedLengthDoesNotAllocateUpFront) {
  // 8 MiB announced, 4 bytes sent: the reader waits without reserving the announced size.
  Bytes bytes{0x06, 0, 0, 0, 0x7F, 0xFF, 0xFF, 9, 1, 0, 0, 0, 1, 2, 3, 4};
  ChunkReader reader(kMaxMessageBytes);
  ChunkError e = ChunkError::none;
  auto out = read_all(bytes, reader, &e);
  EXPECT_EQ(e, ChunkError::none);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace media::rtmp
