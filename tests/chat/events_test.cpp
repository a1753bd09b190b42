#include "chat/events.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace chat {
namespace {

namespace json = boost::json;

// Parses encoder output; a parse failure fails the test and yields an empty object.
json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    ADD_FAILURE() << "not JSON (" << ec.message() << "): " << text;
    return {};
  }
  if (!v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << text;
    return {};
  }
  return v.as_object();
}

std::string str(const json::value& v) { return std::string(v.as_string()); }

const Identity kViewer{"v_1", "小王", Role::viewer};

TEST(EncodeChat, HasTypeIdUserTextAndTime) {
  auto o = parse_object(encode_chat({17, kViewer, "多少钱？", 1764040000123}));
  EXPECT_EQ(str(o.at("type")), "chat");
  EXPECT_EQ(o.at("id").to_number<std::uint64_t>(), 17u);
  EXPECT_EQ(str(o.at("user").at("id")), "v_1");
  EXPECT_EQ(str(o.at("user").at("nick")), "小王");
  EXPECT_EQ(str(o.at("user").at("role")), "viewer");
  EXPECT_EQ(str(o.at("text")), "多少钱？");
  EXPECT_EQ(o.at("ts").to_number<std::int64_t>(), 1764040000123);
}

TEST(EncodeChat, NamesEachRole) {
  for (auto [role, name] :
       {std::pair{Role::viewer, "viewer"}, std::pair{Role::host, "host"},
        std::pair{Role::operator_, "operator"}, std::pair{Role::admin, "admin"}}) {
    auto o = parse_object(encode_chat({1, Identity{"u", "n", role}, "t", 0}));
    EXPECT_EQ(str(o.at("user").at("role")), name);
  }
}

TEST(EncodeChat, UserTextWithSpecialCharactersRoundTrips) {
  std::string text = "他说 \"你好\" \\ C:\\path\n第二行\t</script><!-- \xF0\x9F\x98\x80 \x01";
  std::string nick = "\"nick\"\\";
  auto o = parse_object(encode_chat({1, Identity{"u\"1", nick, Role::viewer}, text, 0}));
  EXPECT_EQ(str(o.at("text")), text);
  EXPECT_EQ(str(o.at("user").at("nick")), nick);
  EXPECT_EQ(str(o.at("user").at("id")), "u\"1");
}

TEST(EncodeLikes, HasAddedCountAndTotal) {
  auto o = parse_object(encode_likes(25, 5020));
  EXPECT_EQ(str(o.at("type")), "likes");
  EXPECT_EQ(o.at("count").to_number<std::uint64_t>(), 25u);
  EXPECT_EQ(o.at("total").to_number<std::uint64_t>(), 5020u);
}

TEST(EncodeJoins, ListsNamedUsersAndCountsTheRest) {
  auto o = parse_object(encode_joins({kViewer, Identity{"v_2", "小李", Role::viewer}}, 3));
  EXPECT_EQ(str(o.at("type")), "join");
  const auto& users = o.at("users").as_array();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(str(users[0].at("id")), "v_1");
  EXPECT_EQ(str(users[0].at("nick")), "小王");
  EXPECT_EQ(str(users[1].at("id")), "v_2");
  EXPECT_EQ(o.at("more").to_number<std::uint64_t>(), 3u);
}

TEST(EncodeJoins, NoNamedUsersIsAnEmptyArray) {
  auto o = parse_object(encode_joins({}, 7));
  EXPECT_TRUE(o.at("users").as_array().empty());
  EXPECT_EQ(o.at("more").to_number<std::uint64_t>(), 7u);
}

TEST(EncodeOnline, HasTheCount) {
  auto o = parse_object(encode_online(13));
  EXPECT_EQ(str(o.at("type")), "online");
  EXPECT_EQ(o.at("count").to_number<std::uint64_t>(), 13u);
}

TEST(EncodeDeleted, HasTheMessageId) {
  auto o = parse_object(encode_deleted(17));
  EXPECT_EQ(str(o.at("type")), "delete");
  EXPECT_EQ(o.at("id").to_number<std::uint64_t>(), 17u);
}

TEST(EncodeSlowMode, HasTheSeconds) {
  auto o = parse_object(encode_slow_mode(std::chrono::seconds(10)));
  EXPECT_EQ(str(o.at("type")), "slow_mode");
  EXPECT_EQ(o.at("seconds").to_number<std::int64_t>(), 10);
}

TEST(EncodeBatch, WrapsEncodedEventsInOrder) {
  std::vector<std::string> events{encode_chat({1, kViewer, "a", 0}), encode_likes(2, 3),
                                  encode_online(4)};
  auto o = parse_object(encode_batch(events));
  EXPECT_EQ(str(o.at("type")), "batch");
  const auto& list = o.at("events").as_array();
  ASSERT_EQ(list.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(list[i], json::parse(events[i])) << i;
}

TEST(EncodeBatch, OfOneEventHasIt) {
  auto o = parse_object(encode_batch({encode_online(1)}));
  ASSERT_EQ(o.at("events").as_array().size(), 1u);
  EXPECT_EQ(str(o.at("events").as_array()[0].at("type")), "online");
}

TEST(EncodeBatch, OfNoEventsIsAnEmptyArray) {
  auto o = parse_object(encode_batch({}));
  EXPECT_EQ(str(o.at("type")), "batch");
  EXPECT_TRUE(o.at("events").as_array().empty());
}

TEST(EncodeError, HasCodeAndMessage) {
  auto o = parse_object(encode_error({"forbidden", "only the host"}));
  EXPECT_EQ(str(o.at("type")), "error");
  EXPECT_EQ(str(o.at("code")), "forbidden");
  EXPECT_EQ(str(o.at("message")), "only the host");
  EXPECT_FALSE(o.contains("ref"));
  EXPECT_FALSE(o.contains("retry_after_ms"));
}

TEST(EncodeError, CarriesRefAndRetryAfterWhenGiven) {
  auto o = parse_object(
      encode_error({"rate_limited", "slow down", "c\"3", std::chrono::milliseconds(800)}));
  EXPECT_EQ(str(o.at("ref")), "c\"3");
  EXPECT_EQ(o.at("retry_after_ms").to_number<std::int64_t>(), 800);
}

TEST(EncodeWelcome, HasEveryField) {
  Identity you{"v_x", "小王", Role::viewer};
  std::vector<std::string> history;
  auto o = parse_object(encode_welcome({.room_id = "soy-sauce",
                                        .room_title = "低钠酱油试吃",
                                        .you = you,
                                        .token = "tok",
                                        .online = 12,
                                        .likes = 340,
                                        .slow_mode = std::chrono::seconds(5),
                                        .history = history}));
  EXPECT_EQ(str(o.at("type")), "welcome");
  EXPECT_EQ(str(o.at("room").at("id")), "soy-sauce");
  EXPECT_EQ(str(o.at("room").at("title")), "低钠酱油试吃");
  EXPECT_EQ(str(o.at("you").at("id")), "v_x");
  EXPECT_EQ(str(o.at("you").at("nick")), "小王");
  EXPECT_EQ(str(o.at("you").at("role")), "viewer");
  EXPECT_EQ(str(o.at("token")), "tok");
  EXPECT_EQ(o.at("online").to_number<std::uint64_t>(), 12u);
  EXPECT_EQ(o.at("likes").to_number<std::uint64_t>(), 340u);
  EXPECT_EQ(o.at("slow_mode").to_number<std::int64_t>(), 5);
  EXPECT_TRUE(o.at("history").as_array().empty());
  EXPECT_EQ(o.at("room").at("live"), false);
}

TEST(EncodeWelcome, SaysWhenTheStreamIsLive) {
  Identity you{"v_x", "n", Role::viewer};
  std::vector<std::string> history;
  auto o = parse_object(encode_welcome({.room_id = "r",
                                        .room_title = "t",
                                        .live = true,
                                        .you = you,
                                        .token = "",
                                        .online = 1,
                                        .likes = 0,
                                        .slow_mode = {},
                                        .history = history}));
  EXPECT_EQ(o.at("room").at("live"), true);
}

TEST(EncodeStream, SaysLiveOrNot) {
  EXPECT_EQ(json::parse(encode_stream(true)), json::parse(R"({"type":"stream","live":true})"));
  EXPECT_EQ(json::parse(encode_stream(false)), json::parse(R"({"type":"stream","live":false})"));
}

TEST(EncodeWelcome, SplicesHistoryInOrder) {
  Identity you{"v_x", "n", Role::viewer};
  std::vector<std::string> history{encode_chat({1, kViewer, "first", 0}),
                                   encode_chat({2, kViewer, "second", 0}),
                                   encode_chat({3, kViewer, "third \"q\"", 0})};
  auto o = parse_object(encode_welcome({.room_id = "r",
                                        .room_title = "t",
                                        .you = you,
                                        .token = "",
                                        .online = 1,
                                        .likes = 0,
                                        .slow_mode = {},
                                        .history = history}));
  const auto& list = o.at("history").as_array();
  ASSERT_EQ(list.size(), 3u);
  for (std::size_t i = 0; i < history.size(); ++i) EXPECT_EQ(list[i], json::parse(history[i])) << i;
  EXPECT_EQ(str(o.at("room").at("id")), "r");
  EXPECT_EQ(o.at("online").to_number<std::uint64_t>(), 1u);
}

TEST(EncodeWelcome, EscapesRoomTitleAndNick) {
  Identity you{"v\\x", "\"小王\"\n", Role::viewer};
  std::vector<std::string> history;
  auto o = parse_object(encode_welcome({.room_id = "r",
                                        .room_title = "a\"b\\c\nd",
                                        .you = you,
                                        .token = "t",
                                        .online = 1,
                                        .likes = 0,
                                        .slow_mode = {},
                                        .history = history}));
  EXPECT_EQ(str(o.at("room").at("title")), "a\"b\\c\nd");
  EXPECT_EQ(str(o.at("you").at("nick")), "\"小王\"\n");
  EXPECT_EQ(str(o.at("you").at("id")), "v\\x");
}

TEST(EncodeAck, HasActionAndDetail) {
  auto o = parse_object(encode_ack("mute", "user", "v_1"));
  EXPECT_EQ(str(o.at("type")), "ack");
  EXPECT_EQ(str(o.at("action")), "mute");
  EXPECT_EQ(str(o.at("user")), "v_1");
}

TEST(EncodeAck, WithoutDetailHasOnlyTheAction) {
  auto o = parse_object(encode_ack("close", "", ""));
  EXPECT_EQ(o.size(), 2u);
  EXPECT_EQ(str(o.at("action")), "close");
}

TEST(EncodeRoomClosed, IsTheRoomClosedEvent) {
  auto o = parse_object(encode_room_closed());
  EXPECT_EQ(o.size(), 1u);
  EXPECT_EQ(str(o.at("type")), "room_closed");
}

}  // namespace
}  // namespace chat
