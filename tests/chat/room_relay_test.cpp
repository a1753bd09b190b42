#include "chat/room_relay.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

// The cluster's room batch on the wire: what encode_relay writes decode_relay reads back, and
// every malformed part is refused (the node counts it as a bad message and ignores it).
namespace chat {
namespace {

RelayBatch round_trip(const RelayBatch& b, std::string* node = nullptr) {
  std::string from, error;
  auto back = decode_relay(encode_relay("n1", b), from, error);
  EXPECT_TRUE(back) << error;
  EXPECT_EQ(from, "n1");
  if (node) *node = from;
  return back ? *back : RelayBatch{};
}

TEST(RoomRelay, EveryPartSurvivesTheRoundTrip) {
  RelayBatch b;
  b.messages.push_back({(7u << kNodeTagBits) | 3, R"({"type":"chat"})",
                        {"v_a", "小王", Role::viewer}, "多少钱？"});
  b.deleted = {5, 9};
  b.joins = {{"v_b", "小李", Role::viewer}, {"h", "主播", Role::host}};
  b.more_joins = 4;
  b.likes = 25;
  b.banned = {"v_c"};
  b.online = 13;
  b.slow_mode = std::chrono::seconds(10);
  b.live = true;
  b.mutes = {{"v_d", true, 1764040600123}, {"v_e", true, std::nullopt}, {"v_d", false, std::nullopt}};
  auto back = round_trip(b);
  ASSERT_EQ(back.messages.size(), 1u);
  EXPECT_EQ(back.messages[0].id, b.messages[0].id);
  EXPECT_EQ(back.messages[0].encoded, b.messages[0].encoded);
  EXPECT_EQ(back.messages[0].from.nick, "小王");
  EXPECT_EQ(back.messages[0].text, "多少钱？");
  EXPECT_EQ(back.deleted, b.deleted);
  ASSERT_EQ(back.joins.size(), 2u);
  EXPECT_EQ(back.joins[1].role, Role::host);
  EXPECT_EQ(back.more_joins, 4u);
  EXPECT_EQ(back.likes, 25u);
  EXPECT_EQ(back.banned, b.banned);
  EXPECT_EQ(back.online, 13u);
  EXPECT_EQ(back.slow_mode, std::chrono::seconds(10));
  EXPECT_TRUE(back.live);
  ASSERT_EQ(back.mutes.size(), 3u);
  EXPECT_EQ(back.mutes[0].user_id, "v_d");
  EXPECT_EQ(back.mutes[0].until_ms, 1764040600123);
  EXPECT_TRUE(back.mutes[1].muted);
  EXPECT_FALSE(back.mutes[1].until_ms) << "until unmuted";
  EXPECT_FALSE(back.mutes[2].muted) << "in the order staff made them";
}

TEST(RoomRelay, MicLinkPartsSurviveTheRoundTrip) {
  RelayBatch b;
  RelayMic end;
  end.op = RelayMic::Op::end;
  end.to = "owner";
  end.member = 3;
  end.who = {"h", "主播", Role::host};
  end.slot = 2;
  RelayMic reply;
  reply.op = RelayMic::Op::reply;
  reply.to = "n2";
  reply.member = 7;
  reply.frame = R"({"type":"mic_queued","position":1})";
  RelayMic state;
  state.op = RelayMic::Op::queue;
  state.queue.push_back({{"v_a", "小王", Role::viewer}, 7, "n2"});
  state.guests.push_back({1, {{"v_b", "阿芳", Role::viewer}, 4, "owner"}});
  RelayMic gone;
  gone.op = RelayMic::Op::gone;
  gone.to = "owner";
  gone.member = 7;
  b.mic = {end, reply, state, gone};
  auto back = round_trip(b);
  ASSERT_EQ(back.mic.size(), 4u);
  EXPECT_EQ(back.mic[0].op, RelayMic::Op::end);
  EXPECT_EQ(back.mic[0].to, "owner");
  EXPECT_EQ(back.mic[0].member, 3u);
  EXPECT_EQ(back.mic[0].who.role, Role::host);
  EXPECT_EQ(back.mic[0].slot, 2);
  EXPECT_EQ(back.mic[1].frame, reply.frame);
  ASSERT_EQ(back.mic[2].queue.size(), 1u);
  EXPECT_EQ(back.mic[2].queue[0].node, "n2");
  EXPECT_EQ(back.mic[2].queue[0].member_id, 7u);
  ASSERT_EQ(back.mic[2].guests.size(), 1u);
  EXPECT_EQ(back.mic[2].guests[0].slot, 1);
  EXPECT_EQ(back.mic[2].guests[0].entry.who.nick, "阿芳");
  EXPECT_EQ(back.mic[3].op, RelayMic::Op::gone);
  EXPECT_EQ(encode_relay("n1", back), encode_relay("n1", b));
}

TEST(RoomRelay, HistoryAsksAndAnswersSurviveTheRoundTrip) {
  RelayBatch b;
  b.history_wanted = true;
  b.history = std::vector<RelayBatch::Past>{{1025, R"({"type":"chat","id":1025})"}};
  std::string node, error;
  auto back = decode_relay(encode_relay("n1", b), node, error);
  ASSERT_TRUE(back) << error;
  EXPECT_TRUE(back->history_wanted);
  ASSERT_TRUE(back->history);
  ASSERT_EQ(back->history->size(), 1u);
  EXPECT_EQ(back->history->front().id, 1025u);
  EXPECT_FALSE(back->empty());
  RelayBatch none;  // an empty answer is still an answer
  none.history.emplace();
  back = decode_relay(encode_relay("n1", none), node, error);
  ASSERT_TRUE(back && back->history);
  EXPECT_TRUE(back->history->empty());
  std::string too_many = R"({"node":"n","history":[)";
  for (std::size_t i = 0; i <= kMaxRelayHistory; ++i) too_many += (i ? "," : "") + std::string(R"({"id":1,"encoded":"x"})");
  EXPECT_FALSE(decode_relay(too_many + "]}", node, error));
}

TEST(RoomRelay, AHeartbeatLeavesEmptyPartsOut) {
  RelayBatch b;
  b.online = 2;
  EXPECT_EQ(encode_relay("n1", b), R"({"node":"n1","online":2})");
  EXPECT_FALSE(round_trip(b).live);
  b.live = true;
  EXPECT_EQ(encode_relay("n1", b), R"({"node":"n1","online":2,"live":true})");
}

TEST(RoomRelay, MalformedBatchesAreRefused) {
  const std::vector<std::string> bad{
      "not json",
      "[1,2]",
      R"({"online":1})",
      R"({"node":7})",
      R"({"node":"n","online":"many"})",
      R"({"node":"n","online":-1})",
      R"({"node":"n","banned":[1]})",
      R"({"node":"n","deleted":"5"})",
      R"({"node":"n","joins":[{"user_id":"v"}]})",
      R"({"node":"n","messages":[{"id":1}]})",
      R"({"node":"n","slow_mode":"fast"})",
      R"({"node":"n","live":1})",
      R"({"node":"n","history_wanted":"yes"})",
      R"({"node":"n","history":{}})",
      R"({"node":"n","history":[{"encoded":"{}"}]})",
      R"({"node":"n","history":[{"id":0,"encoded":"{}"}]})",
      R"({"node":"n","history":[{"id":3,"encoded":{}}]})",
      R"({"node":"n","live":"yes"})",
      R"({"node":"n","mutes":{}})",
      R"({"node":"n","mutes":[{"user_id":1,"muted":true}]})",
      R"({"node":"n","mutes":[{"user_id":"v"}]})",
      R"({"node":"n","mutes":[{"user_id":"v","muted":true,"until_ms":"soon"}]})",
      R"({"node":"n","mutes":[{"user_id":"v","muted":true,"until_ms":-5}]})",
      R"({"node":"n","mutes":[{"user_id":"v","muted":false,"until_ms":5}]})",
      // Malformed mic-link parts.
      R"({"node":"n","mic":{}})",
      R"({"node":"n","mic":[7]})",
      R"({"node":"n","mic":[{"op":"dance"}]})",
      R"({"node":"n","mic":[{"to":"o","member":1}]})",
      R"({"node":"n","mic":[{"op":"request","member":1,"who":{"user_id":"v","nick":"n","role":"viewer"}}]})",
      R"({"node":"n","mic":[{"op":"request","to":"o","who":{"user_id":"v","nick":"n","role":"viewer"}}]})",
      R"({"node":"n","mic":[{"op":"request","to":"o","member":-1,"who":{"user_id":"v","nick":"n","role":"viewer"}}]})",
      R"({"node":"n","mic":[{"op":"request","to":"o","member":1}]})",
      R"({"node":"n","mic":[{"op":"request","to":"o","member":1,"who":{"user_id":"v","nick":"n","role":"king"}}]})",
      R"({"node":"n","mic":[{"op":"accept","to":"o","member":1,"who":{"user_id":"h","nick":"n","role":"host"}}]})",
      R"({"node":"n","mic":[{"op":"accept","to":"o","member":1,"who":{"user_id":"h","nick":"n","role":"host"},"user":""}]})",
      R"({"node":"n","mic":[{"op":"end","to":"o","member":1,"who":{"user_id":"h","nick":"n","role":"host"}}]})",
      R"({"node":"n","mic":[{"op":"end","to":"o","member":1,"who":{"user_id":"h","nick":"n","role":"host"},"slot":1,"user":"v"}]})",
      R"({"node":"n","mic":[{"op":"end","to":"o","member":1,"who":{"user_id":"h","nick":"n","role":"host"},"slot":9}]})",
      R"({"node":"n","mic":[{"op":"gone","to":"o"}]})",
      R"({"node":"n","mic":[{"op":"reply","to":"n2","member":1}]})",
      R"({"node":"n","mic":[{"op":"reply","to":"n2","member":1,"frame":{}}]})",
      R"({"node":"n","mic":[{"op":"guests"}]})",
      R"({"node":"n","mic":[{"op":"queue","queue":[]}]})",
      R"({"node":"n","mic":[{"op":"queue","queue":[{"who":{"user_id":"v","nick":"n","role":"viewer"},"member":1}],"guests":[]}]})",
      R"({"node":"n","mic":[{"op":"queue","queue":[],"guests":[{"who":{"user_id":"v","nick":"n","role":"viewer"},"node":"x","member":1}]}]})",
      R"({"node":"n","mic":[{"op":"queue","queue":[],"guests":[{"slot":0,"who":{"user_id":"v","nick":"n","role":"viewer"},"node":"x","member":1}]}]})",
  };
  for (const auto& payload : bad) {
    std::string node, error;
    EXPECT_FALSE(decode_relay(payload, node, error)) << payload;
    EXPECT_FALSE(error.empty()) << payload;
  }
}

}  // namespace
}  // namespace chat
