// Bad input of every kind gets a clear error or a clean close, and the server keeps serving.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <thread>

#include "fixture.hpp"

namespace testing_support {
namespace {

class BadInputTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    create_room("r1");
  }
  // The room still works for everyone: a fresh viewer chats and sees its message.
  void expect_room_serves() {
    auto c = join("r1");
    ASSERT_TRUE(c);
    ASSERT_TRUE(c->send_json(chat_msg("still serving")));
    EXPECT_TRUE(c->wait_for(is_chat("still serving")));
  }
};

TEST_F(BadInputTest, MalformedJsonGetsAnErrorAndTheConnectionStaysUsable) {
  auto a = join("r1");
  for (const char* bad : {"{", "not json", "{\"type\":\"chat\",\"text\":\"x\"", "[]", "42", "\"chat\"", ""}) {
    ASSERT_TRUE(a->send_text(bad));
    auto e = a->wait_type("error");
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->at("code"), "bad_json") << bad;
  }
  ASSERT_TRUE(a->send_json(chat_msg("after the garbage")));
  EXPECT_TRUE(a->wait_for(is_chat("after the garbage")));
}

TEST_F(BadInputTest, UnknownTypeIsNamedInTheError) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_text(R"({"type":"teleport","ref":"t1"})"));
  auto e = a->wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("code"), "unknown_type");
  EXPECT_EQ(e->at("ref"), "t1");
  EXPECT_NE(std::string(e->at("message").as_string()).find("teleport"), std::string::npos);
}

TEST_F(BadInputTest, WrongFieldTypesAreRefused) {
  auto a = join("r1");
  for (const char* bad : {R"({"type":"chat","text":123})", R"({"type":"chat"})", R"({"type":5})", R"({"text":"x"})",
                          R"({"type":"like","count":"5"})", R"({"type":"like","count":1.5})",
                          R"({"type":"like","count":-1})", R"({"type":"like","count":1000000})",
                          R"({"type":"mute","user":["v_1"]})", R"({"type":"delete","id":"x"})"}) {
    ASSERT_TRUE(a->send_text(bad));
    auto e = a->wait_type("error");
    ASSERT_TRUE(e) << bad;
    EXPECT_EQ(e->at("code"), "bad_field") << bad;
  }
  expect_room_serves();
}

TEST_F(BadInputTest, OversizedFrameClosesWithTooBig) {
  auto a = join("r1");
  auto b = join("r1");
  // The server may close before the client has finished writing: the write result is moot.
  (void)a->send_json(chat_msg(std::string(64 * 1024, 'x')));
  // The close frame says 1009, unless TCP reset the connection first: the server closes with
  // the rest of the oversized frame unread, and a reset can overtake the close frame.
  auto code = a->wait_closed();
  EXPECT_TRUE(a->closed());
  if (code) {
    EXPECT_EQ(*code, 1009);
  }
  EXPECT_GE(metric_value(port(), "livecart_ws_protocol_closes_total").value_or(0), 1);
  ASSERT_TRUE(b->send_json(chat_msg("b is fine")));
  EXPECT_TRUE(b->wait_for(is_chat("b is fine")));
}

TEST_F(BadInputTest, InvalidUtf8ClosesWithBadPayload) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_text("{\"type\":\"chat\",\"text\":\"\xff\xfe\xc3\x28\"}"));
  EXPECT_EQ(a->wait_closed(), 1007);
  expect_room_serves();
}

TEST_F(BadInputTest, InvalidUtf8ThroughJsonEscapesIsRefused) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_text(R"({"type":"chat","text":"\ud800"})"));
  auto e = a->wait_type("error");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->at("code") == "bad_json" || e->at("code") == "bad_field") << json::serialize(*e);
  expect_room_serves();
}

TEST_F(BadInputTest, ControlCharactersInChatAreRefused) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_json(chat_msg(std::string("bell\x07") + "ring")));
  EXPECT_TRUE(a->wait_for(is_error("invalid_text")));
}

TEST_F(BadInputTest, BinaryFramesAreRefused) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_binary(std::string("\x00\x01\x02", 3)));
  EXPECT_TRUE(a->wait_for(is_error("binary_unsupported")));
  ASSERT_TRUE(a->send_json(chat_msg("text works")));
  EXPECT_TRUE(a->wait_for(is_chat("text works")));
}

TEST_F(BadInputTest, FrameFloodIsRateLimited) {
  auto a = join("r1");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(a->send_json({{"type", "like"}}));
  EXPECT_TRUE(a->wait_for(is_error("rate_limited")));
  expect_room_serves();
}

TEST_F(BadInputTest, RateLimitedFramesSayWhenToTryAgain) {
  auto a = join("r1");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(a->send_json({{"type", "like"}}));
  auto e = a->wait_for(is_error("rate_limited"));
  ASSERT_TRUE(e);
  // 20 frames/s by default: a token is at most 50 ms away.
  auto retry = e->at("retry_after_ms").to_number<std::int64_t>();
  EXPECT_GT(retry, 0);
  EXPECT_LE(retry, 50);
}

class SlowFrameRateTest : public BadInputTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--ws-inbound-rate", "1", "--ws-inbound-burst", "2"};
  }
};

TEST_F(SlowFrameRateTest, RetryAfterComesFromTheBucketOfThatConnection) {
  auto a = join("r1");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a->send_json({{"type", "like"}}));
  auto e = a->wait_for(is_error("rate_limited"));
  ASSERT_TRUE(e);
  // The burst of 2 is spent; one frame a second refills it.
  auto retry = e->at("retry_after_ms").to_number<std::int64_t>();
  EXPECT_GT(retry, 500);
  EXPECT_LE(retry, 1000);
}

TEST_F(BadInputTest, BadNickIsRefusedAtTheHandshake) {
  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/r1?nick=" + repeat("%E5%90%8D", 21), &status));
  EXPECT_EQ(status, 400);
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/r1?nick=%FF%FE", &status));
  EXPECT_EQ(status, 400);
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/r1?nick=a%07b", &status));
  EXPECT_EQ(status, 400);
}

TEST_F(BadInputTest, RandomBytesOnTheHttpPortGetABadRequest) {
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  std::string answer = raw_exchange(port(), garbage);
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer.substr(0, 80);
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(BadInputTest, OversizedBodyIsRefused) {
  auto res = http_request(port(), "POST", "/api/rooms", std::string(200 * 1024, 'x'), kAdminToken);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(http_request(port(), "GET", "/healthz").status, 200);
}

TEST_F(BadInputTest, OversizedHeaderIsRefused) {
  std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  std::string answer = raw_exchange(port(), req);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 80);
}

TEST_F(BadInputTest, WrongMethodIsNotAllowed) {
  auto res = http_request(port(), "DELETE", "/api/rooms");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.json().at("error").at("code"), "method_not_allowed");
}

TEST_F(BadInputTest, MalformedPercentEncodingIsABadRequest) {
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/%zz").status, 400);
}

class SlowReaderTest : public BadInputTest {
 protected:
  std::vector<std::string> server_args() const override {
    return {"--ws-queue-frames", "8", "--ws-inbound-rate", "100000", "--ws-inbound-burst", "100000"};
  }
};

TEST_F(SlowReaderTest, StalledReaderNeverDelaysTheRoom) {
  auto room = http_request(port(), "GET", "/api/rooms/r1/keys", "", kAdminToken).json();
  auto host = join("r1", "token=" + std::string(room.at("host_key").as_string()));
  // This client completes the handshake, then never reads again.
  auto stalled = WsClient::connect(port(), "/ws/rooms/r1", nullptr, 10s, 4096);
  ASSERT_TRUE(stalled);
  auto reader = join("r1");

  // More than the kernel's socket buffers can absorb for the stalled client (several MB).
  const int n = 12000;
  const std::string filler = repeat("满", 190);
  // The reader keeps reading on its own thread while the host floods the room.
  int received_in_order = 0;
  std::thread reading([&] {
    for (int i = 0; i < n; ++i) {
      auto e = reader->wait_type("chat", 60s);
      if (!e || e->at("text") != (std::to_string(i) + filler).c_str()) return;
      received_in_order = i + 1;
    }
  });
  bool sent_all = true;
  for (int i = 0; i < n && sent_all; ++i) sent_all = host->send_json(chat_msg(std::to_string(i) + filler));
  reading.join();
  ASSERT_TRUE(sent_all);
  EXPECT_EQ(received_in_order, n) << "the reading viewer lost or reordered messages";
  double dropped = metric_value(port(), "livecart_ws_frames_dropped_total").value_or(0);
  double disconnected = metric_value(port(), "livecart_ws_slow_consumer_disconnects_total").value_or(0);
  EXPECT_GT(dropped + disconnected, 0);
}

}  // namespace
}  // namespace testing_support
