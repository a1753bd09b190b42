#include <gtest/gtest.h>

#include "chat/room.hpp"
#include "room_fixture.hpp"

// A chat::Room in cluster mode: what it relays to the other nodes and what it makes of their
// batches (the live state, mutes).
namespace chat::test {
namespace {

// Keeps every batch the room relays, in order.
class RecordingRelay : public RoomRelay {
 public:
  void send(const std::string&, const RelayBatch& batch) override { sent.push_back(batch); }
  [[nodiscard]] std::uint16_t node_tag() const override { return 1; }
  std::vector<RelayBatch> sent;
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

}  // namespace
}  // namespace chat::test
