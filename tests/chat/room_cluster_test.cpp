#include <gtest/gtest.h>

#include "chat/room.hpp"
#include "room_fixture.hpp"

// A chat::Room in cluster mode: what it relays to the other nodes and what it makes of their
// batches (the live state, mutes, mic-link asks and answers between the owner and the others).
namespace chat::test {
namespace {

// Keeps every batch the room relays, in order.
class RecordingRelay : public RoomRelay {
 public:
  void send(const std::string&, const RelayBatch& batch) override { sent.push_back(batch); }
  [[nodiscard]] std::uint16_t node_tag() const override { return 1; }
  [[nodiscard]] const std::string& node_id() const override { return id_; }
  // Every mic-link part sent so far, in order.
  [[nodiscard]] std::vector<RelayMic> mic() const {
    std::vector<RelayMic> out;
    for (const auto& b : sent) out.insert(out.end(), b.mic.begin(), b.mic.end());
    return out;
  }
  std::vector<RelayBatch> sent;

 private:
  std::string id_ = "here";
};

class RoomClusterTest : public RoomTest {
 protected:
  RoomClusterTest() { room().set_relay(relay_); }

  // A heartbeat of node `node`: nothing but its count and live state.
  void heard(const std::string& node, bool live, std::size_t online = 1) {
    RelayBatch b;
    b.online = online;
    b.live = live;
    room().receive(node, std::move(b));
    drain();
  }
  static std::vector<bool> stream_events(const FakeMember& m) {
    std::vector<bool> out;
    for (const auto& f : m.frames_of_type("stream")) out.push_back(f.at("live").as_bool());
    return out;
  }

  std::shared_ptr<RecordingRelay> relay_ = std::make_shared<RecordingRelay>();
};

TEST_F(RoomClusterTest, AStreamLiveOnAnotherNodeIsLiveForMembersHereAndInLaterWelcomes) {
  auto a = joined(1, viewer("v_a"));
  heard("n2", true);
  heard("n2", true);  // every heartbeat says so: told once
  EXPECT_EQ(stream_events(*a), std::vector<bool>{true});
  for (std::size_t i = 0; i < a->frames.size(); ++i) {
    if (a->frames[i].find(R"("type":"stream")") != std::string::npos) {
      EXPECT_FALSE(a->droppable_flags[i]) << "never skipped for a slow consumer";
    }
  }
  EXPECT_TRUE(room().is_live());
  auto late = join(2, viewer("v_b"));
  drain();
  EXPECT_EQ(late->objects().front().at("room").at("live"), true);

  heard("n2", false);
  EXPECT_EQ(stream_events(*a), (std::vector<bool>{true, false}));
  EXPECT_FALSE(room().is_live());
}

TEST_F(RoomClusterTest, MembersHearTheCombinedStateOnlyWhenItChanges) {
  auto a = joined(1, viewer("v_a"));
  room().set_live(true);
  drain();
  heard("n2", true);  // live on both nodes (a takeover in flight): still one stream
  room().set_live(false);
  drain();
  EXPECT_EQ(stream_events(*a), std::vector<bool>{true}) << "still live on node n2";
  heard("n2", false);
  EXPECT_EQ(stream_events(*a), (std::vector<bool>{true, false}));
}

TEST_F(RoomClusterTest, GoingLiveOrEndingHereIsRelayedAtOnceAndInEveryHeartbeat) {
  room().set_live(true);
  drain();
  ASSERT_EQ(relay_->sent.size(), 1u) << "sent at once, not with the next batch";
  EXPECT_TRUE(relay_->sent.back().live);
  room().relay_tick();
  drain();
  EXPECT_TRUE(relay_->sent.back().live) << "a node that starts later learns it from a heartbeat";
  room().set_live(false);
  drain();
  EXPECT_FALSE(relay_->sent.back().live);
}

TEST_F(RoomClusterTest, ANodeThatJoinedLateAsksOnceForTheHistoryAndKeepsItInOrder) {
  heard("n2", false);  // the first node heard: ask
  heard("n3", false);  // not again
  int asks = 0;
  for (const auto& b : relay_->sent) asks += b.history_wanted;
  EXPECT_EQ(asks, 1);

  auto event = [](std::uint64_t id) { return R"({"type":"chat","id":)" + std::to_string(id) + "}"; };
  const std::uint64_t first = (5u << kNodeTagBits) | 2, second = (6u << kNodeTagBits) | 3;
  RelayBatch from_n3;
  from_n3.history = std::vector<RelayBatch::Past>{{second, event(second)}};
  room().receive("n3", std::move(from_n3));
  RelayBatch from_n2;  // n2 also holds the newer one: kept once
  from_n2.history = std::vector<RelayBatch::Past>{{second, event(second)}, {first, event(first)}};
  room().receive("n2", std::move(from_n2));
  drain();

  auto late = join(1, viewer("v_late"));
  drain();
  const json::array history = late->objects().front().at("history").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].at("id").to_number<std::uint64_t>(), first) << "oldest first";
  EXPECT_EQ(history[1].at("id").to_number<std::uint64_t>(), second);

  // A message sent here now comes after every one heard of.
  chat(1, "我也来了");
  drain();
  auto mine = late->events_of_type("chat");
  ASSERT_FALSE(mine.empty());
  EXPECT_GT(mine.back().at("id").to_number<std::uint64_t>(), second);

  // Another node's ask is answered with what this node keeps.
  RelayBatch ask;
  ask.history_wanted = true;
  room().receive("n4", std::move(ask));
  drain();
  std::optional<std::vector<RelayBatch::Past>> answer;
  for (const auto& b : relay_->sent)
    if (b.history) answer = b.history;
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->size(), 3u);
}

TEST_F(RoomClusterTest, AnUnansweredAskForTheHistoryGoesAgainWithEachHeartbeatUntilAnswered) {
  auto asks = [&] {
    int n = 0;
    for (const auto& b : relay_->sent) n += b.history_wanted;
    return n;
  };
  heard("n2", false);
  ASSERT_EQ(asks(), 1);
  room().relay_tick();  // the ask or the answers were lost (pub/sub keeps nothing)
  drain();
  EXPECT_EQ(asks(), 2);
  EXPECT_TRUE(relay_->sent.back().history_wanted) << "the heartbeat carries the ask again";

  RelayBatch answer;  // an empty history is an answer too
  answer.history = std::vector<RelayBatch::Past>{};
  room().receive("n2", std::move(answer));
  drain();
  room().relay_tick();
  drain();
  EXPECT_EQ(asks(), 2) << "answered: not asked again";
  EXPECT_FALSE(relay_->sent.back().history_wanted);
}

std::int64_t unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

TEST_F(RoomClusterTest, AMuteFromAnotherNodeSilencesTheUserHereUntilTheSameMoment) {
  auto a = joined(1, viewer("v_a"));
  RelayBatch b;
  b.mutes.push_back({"v_a", true, unix_ms_now() + 60'000});
  room().receive("n2", std::move(b));
  chat(1, "还在吗");
  drain();
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "muted");
  auto retry = errors[0].at("retry_after_ms").to_number<std::int64_t>();
  EXPECT_GT(retry, 55'000);
  EXPECT_LE(retry, 60'000) << "the end the other node chose, not 60 s from arrival";
  EXPECT_TRUE(a->events_of_type("chat").empty());

  RelayBatch unmute;
  unmute.mutes.push_back({"v_a", false, std::nullopt});
  room().receive("n2", std::move(unmute));
  chat(1, "我回来了");
  drain();
  EXPECT_EQ(a->events_of_type("chat").size(), 1u);
}

TEST_F(RoomClusterTest, AMuteWhoseEndHasPassedOnArrivalSilencesNobody) {
  auto a = joined(1, viewer("v_a"));
  RelayBatch b;
  b.mutes.push_back({"v_a", true, unix_ms_now() - 1'000});
  room().receive("n2", std::move(b));
  chat(1, "hi");
  drain();
  EXPECT_TRUE(a->frames_of_type("error").empty());
  EXPECT_EQ(a->events_of_type("chat").size(), 1u);
}

TEST_F(RoomClusterTest, MutesAndUnmutesHereAreRelayedWithTheirEnd) {
  joined(100, kHost);
  auto before = unix_ms_now();
  room().handle(100, MuteMsg{"v_a", 600});
  room().handle(100, MuteMsg{"v_b", 0});
  room().handle(100, UnmuteMsg{"v_b"});
  drain();
  ASSERT_FALSE(relay_->sent.empty());
  const auto& mutes = relay_->sent.back().mutes;
  ASSERT_EQ(mutes.size(), 3u);
  EXPECT_EQ(mutes[0].user_id, "v_a");
  ASSERT_TRUE(mutes[0].until_ms);
  EXPECT_GE(*mutes[0].until_ms, before + 600'000);
  EXPECT_LE(*mutes[0].until_ms, unix_ms_now() + 600'000);
  EXPECT_FALSE(mutes[1].until_ms) << "until unmuted";
  EXPECT_FALSE(mutes[2].muted);
}

// Mic-link in the cluster: the room here owns it (its stream is live here) and node n2 forwards a
// viewer's asks.
class RoomMicOwnerTest : public RoomClusterTest {
 protected:
  void SetUp() override {
    host_ = joined(100, kHost);
    room().set_live(true);
    heard("n2", false);
    drain();
    host_->clear();
    relay_->sent.clear();
  }
  void ask_from_n2(RelayMic::Op op, std::uint64_t member, const Identity& who,
                   std::string user = {}) {
    RelayMic ask;
    ask.op = op;
    ask.to = "here";
    ask.member = member;
    ask.who = who;
    ask.user = std::move(user);
    RelayBatch b;
    b.online = 1;
    b.mic.push_back(std::move(ask));
    room().receive("n2", std::move(b));
    drain();
  }
  // The frames this node sent to n2's connection `member`, by type.
  std::vector<std::string> replies_to(std::uint64_t member) const {
    std::vector<std::string> out;
    for (const auto& m : relay_->mic())
      if (m.op == RelayMic::Op::reply && m.to == "n2" && m.member == member)
        out.push_back(str(json::parse(m.frame).at("type")));
    return out;
  }
  std::shared_ptr<FakeMember> host_;
};

TEST_F(RoomMicOwnerTest, AnotherNodesViewerIsQueuedAcceptedAndEndedWhenItsConnectionCloses) {
  ask_from_n2(RelayMic::Op::request, 7, viewer("v_far"));
  EXPECT_EQ(replies_to(7), std::vector<std::string>{"mic_queued"});
  auto queue = host_->frames_of_type("mic_queue");
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(str(queue[0].at("queue").as_array()[0].at("nick")), "nick_v_far");
  auto state = relay_->mic().back();
  ASSERT_EQ(state.op, RelayMic::Op::queue) << "every node's staff see the queue";
  ASSERT_EQ(state.queue.size(), 1u);
  EXPECT_EQ(state.queue[0].node, "n2");
  EXPECT_EQ(state.queue[0].member_id, 7u);

  room().handle(100, MicAcceptMsg{"v_far"});
  drain();
  EXPECT_EQ(replies_to(7), (std::vector<std::string>{"mic_queued", "mic_accepted"}));
  ASSERT_EQ(relay_->mic().back().op, RelayMic::Op::guests)
      << "every node's members see who is on camera";
  EXPECT_EQ(host_->frames_of_type("mic_guests").size(), 1u);

  ask_from_n2(RelayMic::Op::gone, 7, {});
  auto guests = host_->frames_of_type("mic_guests");
  ASSERT_EQ(guests.size(), 2u);
  EXPECT_EQ(str(guests[1].at("ended").at("reason")), "disconnected");
  EXPECT_TRUE(guests[1].at("guests").as_array().empty());
}

TEST_F(RoomMicOwnerTest, AnotherNodesStaffAcceptAndItsViewersErrorsAreAnsweredThroughTheRelay) {
  ask_from_n2(RelayMic::Op::accept, 8, viewer("v_cheeky"), "v_far");
  EXPECT_EQ(replies_to(8), std::vector<std::string>{"error"}) << "forbidden";
  ask_from_n2(RelayMic::Op::request, 7, viewer("v_far"));
  ask_from_n2(RelayMic::Op::accept, 9, kOperator, "v_far");
  EXPECT_EQ(replies_to(7), (std::vector<std::string>{"mic_queued", "mic_accepted"}));
  EXPECT_TRUE(replies_to(9).empty()) << "staff hear the new queue, no reply";
  // The stream ends here: the guest on n2 hears it through the relay.
  room().set_live(false);
  drain();
  EXPECT_EQ(replies_to(7), (std::vector<std::string>{"mic_queued", "mic_accepted", "mic_ended"}));
  EXPECT_FALSE(relay_->sent.back().live);
}

TEST_F(RoomMicOwnerTest, EveryHeartbeatOfTheLiveNodeCarriesItsMicLinkState) {
  ask_from_n2(RelayMic::Op::request, 7, viewer("v_far"));
  room().handle(100, MicAcceptMsg{"v_far"});
  drain();
  relay_->sent.clear();
  room().relay_tick();
  drain();
  auto mic = relay_->mic();
  ASSERT_EQ(mic.size(), 1u) << "a node started later learns who is on camera";
  EXPECT_EQ(mic[0].op, RelayMic::Op::queue);
  ASSERT_EQ(mic[0].guests.size(), 1u);
  EXPECT_EQ(mic[0].guests[0].entry.node, "n2");

  room().set_live(false);
  room().relay_tick();
  drain();
  EXPECT_EQ(relay_->sent.back().mic.size(), 0u) << "no longer the owner";
}

TEST_F(RoomMicOwnerTest, AsksAddressedToAnotherNodeAreNotAnswered) {
  RelayMic ask;
  ask.op = RelayMic::Op::request;
  ask.to = "n3";
  ask.member = 7;
  ask.who = viewer("v_far");
  RelayBatch b;
  b.mic.push_back(ask);
  room().receive("n2", std::move(b));
  drain();
  EXPECT_TRUE(relay_->mic().empty());
  EXPECT_TRUE(host_->frames_of_type("mic_queue").empty());
}

// The stream is live on node n2: this node forwards.
class RoomMicForwardTest : public RoomClusterTest {
 protected:
  void SetUp() override {
    host_ = joined(100, kHost);
    a_ = joined(1, viewer("v_a"));
    heard("n2", true);
    for (auto& m : {host_, a_}) m->clear();
  }
  void from_owner(RelayMic m) {
    RelayBatch b;
    b.live = true;
    b.mic.push_back(std::move(m));
    room().receive("n2", std::move(b));
    drain();
  }
  std::shared_ptr<FakeMember> host_, a_;
};

TEST_F(RoomMicForwardTest, AViewersAsksGoToTheOwnerAndItsAnswersComeBack) {
  room().handle(1, MicRequestMsg{});
  drain();
  auto asks = relay_->mic();
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_EQ(asks[0].op, RelayMic::Op::request);
  EXPECT_EQ(asks[0].to, "n2");
  EXPECT_EQ(asks[0].member, 1u);
  EXPECT_EQ(asks[0].who.user_id, "v_a");
  EXPECT_TRUE(a_->frames.empty()) << "the owner answers";

  RelayMic reply;
  reply.op = RelayMic::Op::reply;
  reply.to = "here";
  reply.member = 1;
  reply.frame = R"({"type":"mic_queued","position":1})";
  from_owner(reply);
  ASSERT_EQ(a_->frames_of_type("mic_queued").size(), 1u);

  RelayMic state;
  state.op = RelayMic::Op::queue;
  state.guests.push_back({1, MicLinkEntry{viewer("v_a"), 1, "here"}});
  from_owner(state);
  auto queue = host_->frames_of_type("mic_queue");
  ASSERT_EQ(queue.size(), 1u) << "staff here see the owner's queue";
  EXPECT_EQ(queue[0].at("guests").as_array().size(), 1u);
  auto late = join(3, viewer("v_late"));
  drain();
  EXPECT_EQ(late->objects().front().at("mic_link").at("guests").as_array().size(), 1u);

  RelayMic guests;
  guests.op = RelayMic::Op::guests;
  guests.frame = R"({"type":"mic_guests","guests":[]})";
  from_owner(guests);
  EXPECT_EQ(late->frames_of_type("mic_guests").size(), 1u);

  room().leave(1);
  drain();
  auto gone = relay_->mic().back();
  EXPECT_EQ(gone.op, RelayMic::Op::gone) << "the owner hears the connection closed";
  EXPECT_EQ(gone.member, 1u);
}

TEST_F(RoomMicForwardTest, StaffHearTheOwnersStateOnlyWhenItChanges) {
  RelayMic empty;
  empty.op = RelayMic::Op::queue;
  from_owner(empty);  // the owner's heartbeat with nobody waiting
  EXPECT_TRUE(host_->frames_of_type("mic_queue").empty());
  RelayMic state = empty;
  state.queue.push_back(MicLinkEntry{viewer("v_far"), 7, "n2"});
  from_owner(state);
  from_owner(state);
  EXPECT_EQ(host_->frames_of_type("mic_queue").size(), 1u);
}

TEST_F(RoomMicForwardTest, WhenTheOwnersStreamEndsItsMembersHereHearWhatItCouldNotTellThem) {
  RelayMic state;
  state.op = RelayMic::Op::queue;
  state.queue.push_back(MicLinkEntry{viewer("v_a"), 1, "here"});
  from_owner(state);
  RelayBatch ended;  // the owner's answers to v_a got lost; it is not live any more
  room().receive("n2", std::move(ended));
  drain();
  ASSERT_EQ(a_->frames_of_type("mic_declined").size(), 1u);
  EXPECT_EQ(str(a_->frames_of_type("mic_declined")[0].at("reason")), "stream_ended");
  EXPECT_TRUE(host_->frames_of_type("mic_queue").back().at("queue").as_array().empty());
  EXPECT_EQ(a_->frames_of_type("stream").back().at("live"), false);
}

}  // namespace
}  // namespace chat::test
