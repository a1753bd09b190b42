#include "media/rtmp_handshake.hpp"

#include <gtest/gtest.h>

namespace media::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes c0c1() {
  Bytes b{kRtmpVersion};
  for (std::size_t i = 0; i < kHandshakeBlock; ++i) b.push_back(static_cast<std::uint8_t>(i * 7));
  return b;
}

TEST(ServerHandshake, AnswersC0C1WithS0S1S2EchoingC1) {
  ServerHandshake hs;
  Bytes reply;
  auto in = c0c1();
  EXPECT_EQ(hs.feed(in, reply), in.size());
  ASSERT_EQ(reply.size(), 1 + 2 * kHandshakeBlock);
  EXPECT_EQ(reply[0], kRtmpVersion);
  EXPECT_TRUE(std::equal(in.begin() + 1, in.end(), reply.begin() + 1 + kHandshakeBlock));
  EXPECT_EQ(hs.state(), ServerHandshake::State::waiting_c2);
}

TEST(ServerHandshake, CompletesAfterC2AndLeavesChunkBytesUnused) {
  ServerHandshake hs;
  Bytes reply;
  Bytes in = c0c1();
  in.insert(in.end(), kHandshakeBlock, 0xAB);   // C2
  in.insert(in.end(), {0x03, 0x00, 0x00});      // the first chunk bytes
  EXPECT_EQ(hs.feed(in, reply), 1 + 2 * kHandshakeBlock);
  EXPECT_EQ(hs.state(), ServerHandshake::State::done);
}

TEST(ServerHandshake, AcceptsBytesInPieces) {
  ServerHandshake hs;
  Bytes reply;
  Bytes in = c0c1();
  in.insert(in.end(), kHandshakeBlock, 0);
  std::size_t used = 0;
  for (std::size_t i = 0; i < in.size(); i += 100) {
    std::size_t n = std::min<std::size_t>(100, in.size() - i);
    used += hs.feed(std::span(in.data() + i, n), reply);
  }
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(hs.state(), ServerHandshake::State::done);
  EXPECT_EQ(reply.size(), 1 + 2 * kHandshakeBlock);
}

TEST(ServerHandshake, WrongVersionFailsAtTheFirstByte) {
  for (std::uint8_t version : {0x00, 0x06, 0x47 /* 'G' of an HTTP request */, 0xFF}) {
    ServerHandshake hs;
    Bytes reply;
    Bytes in{version, 1, 2, 3};
    hs.feed(in, reply);
    EXPECT_EQ(hs.state(), ServerHandshake::State::failed) << int(version);
    EXPECT_TRUE(reply.empty());
  }
}

TEST(ServerHandshake, TruncatedHandshakeWaits) {
  ServerHandshake hs;
  Bytes reply;
  Bytes in = c0c1();
  in.resize(700);
  EXPECT_EQ(hs.feed(in, reply), 700u);
  EXPECT_EQ(hs.state(), ServerHandshake::State::waiting_c0c1);
  EXPECT_TRUE(reply.empty());
}

}  // namespace
}  // namespace media::rtmp
