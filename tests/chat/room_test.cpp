#include "chat/room.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <array>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "chat/events.hpp"

namespace chat {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

// A connected client as the room sees it: records every frame and kick. The room calls it
// on its strand, which here runs on the test thread only.
class FakeMember : public Member {
 public:
  void send(Frame frame, bool droppable) override {
    frames.push_back(*frame);
    droppable_flags.push_back(droppable);
  }
  void kick(CloseReason reason) override {
    kicks.push_back(reason);
    frames_before_kick.push_back(frames.size());
  }

  [[nodiscard]] std::vector<json::object> objects() const {
    std::vector<json::object> out;
    for (const auto& f : frames) out.push_back(json::parse(f).as_object());
    return out;
  }
  // The events of every batch received, in order.
  [[nodiscard]] std::vector<json::object> batch_events() const {
    std::vector<json::object> out;
    for (const auto& o : objects())
      if (o.at("type").as_string() == "batch")
        for (const auto& e : o.at("events").as_array()) out.push_back(e.as_object());
    return out;
  }
  [[nodiscard]] std::vector<json::object> events_of_type(std::string_view type) const {
    std::vector<json::object> out;
    for (const auto& e : batch_events())
      if (e.at("type").as_string() == type) out.push_back(e);
    return out;
  }
  [[nodiscard]] std::vector<json::object> frames_of_type(std::string_view type) const {
    std::vector<json::object> out;
    for (const auto& o : objects())
      if (o.at("type").as_string() == type) out.push_back(o);
    return out;
  }
  [[nodiscard]] std::size_t batch_count() const { return frames_of_type("batch").size(); }
  void clear() {
    frames.clear();
    droppable_flags.clear();
  }

  std::vector<std::string> frames;
  std::vector<bool> droppable_flags;
  std::vector<CloseReason> kicks;
  std::vector<std::size_t> frames_before_kick;  // frames received when each kick came
};

std::string str(const json::value& v) { return std::string(v.as_string()); }
std::uint64_t num(const json::value& v) { return v.to_number<std::uint64_t>(); }

const Identity kHost{"h_soy", "主播", Role::host};
const Identity kOperator{"o_soy", "场控", Role::operator_};

Identity viewer(const std::string& id) { return Identity{id, "nick_" + id, Role::viewer}; }

class RoomTest : public testing::Test {
 protected:
  RoomTest() {
    config_.tick = milliseconds(5);
    config_.banned_words = {"傻逼"};
  }
  ~RoomTest() override { drain(); }

  // Created on first use, so that a test may change config_ first.
  Room& room() {
    if (!room_) room_ = std::make_shared<Room>(ioc_.get_executor(), RoomInfo{"soy", "低钠酱油试吃"}, config_, stats_);
    return *room_;
  }

  // Runs everything the room has to do (posted calls and the batch timer) until it is idle.
  void drain() {
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(30));
  }

  // The fixture keeps every member's session alive until the test ends or drops it.
  std::shared_ptr<FakeMember> join(std::uint64_t member_id, const Identity& who) {
    auto member = std::make_shared<FakeMember>();
    sessions_.push_back(member);
    room().join(member_id, member, who, "token-" + who.user_id);
    return member;
  }
  // The session ends without telling the room (its weak_ptr expires).
  void end_session_without_leaving(std::shared_ptr<FakeMember>& member) {
    std::erase(sessions_, member);
    member.reset();
  }
  // Joins and runs until the join is announced, then forgets what the member received.
  std::shared_ptr<FakeMember> joined(std::uint64_t member_id, const Identity& who) {
    auto member = join(member_id, who);
    drain();
    member->clear();
    return member;
  }

  void chat(std::uint64_t member_id, std::string text, std::string ref = {}) {
    room().handle(member_id, ChatMsg{std::move(text), std::move(ref)});
  }

  boost::asio::io_context ioc_;
  ChatConfig config_;
  ChatStats stats_;
  std::shared_ptr<Room> room_;
  std::vector<std::shared_ptr<FakeMember>> sessions_;
};

TEST_F(RoomTest, JoinSendsWelcomeFirst) {
  auto a = join(1, viewer("v_a"));
  drain();
  ASSERT_FALSE(a->frames.empty());
  auto welcome = a->objects().front();
  EXPECT_EQ(str(welcome.at("type")), "welcome");
  EXPECT_EQ(str(welcome.at("room").at("id")), "soy");
  EXPECT_EQ(str(welcome.at("room").at("title")), "低钠酱油试吃");
  EXPECT_EQ(str(welcome.at("you").at("id")), "v_a");
  EXPECT_EQ(str(welcome.at("token")), "token-v_a");
  EXPECT_EQ(num(welcome.at("online")), 1u);
  EXPECT_TRUE(welcome.at("history").as_array().empty());
}

TEST_F(RoomTest, JoinIsAnnouncedInOneBatchWithJoinAndOnlineEvents) {
  auto a = join(1, viewer("v_a"));
  drain();
  ASSERT_EQ(a->frames.size(), 2u);
  auto batch = a->objects()[1];
  ASSERT_EQ(str(batch.at("type")), "batch");
  const auto& events = batch.at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(str(events[0].at("type")), "join");
  ASSERT_EQ(events[0].at("users").as_array().size(), 1u);
  EXPECT_EQ(str(events[0].at("users").as_array()[0].at("id")), "v_a");
  EXPECT_EQ(num(events[0].at("more")), 0u);
  EXPECT_EQ(str(events[1].at("type")), "online");
  EXPECT_EQ(num(events[1].at("count")), 1u);
}

TEST_F(RoomTest, WelcomeCountsTheJoinerAmongThoseOnline) {
  joined(1, viewer("v_a"));
  auto b = join(2, viewer("v_b"));
  drain();
  EXPECT_EQ(num(b->objects().front().at("online")), 2u);
}

TEST_F(RoomTest, WelcomeIsNotDroppableAndBatchesAre) {
  auto a = join(1, viewer("v_a"));
  drain();
  ASSERT_EQ(a->droppable_flags.size(), 2u);
  EXPECT_FALSE(a->droppable_flags[0]);
  EXPECT_TRUE(a->droppable_flags[1]);
}

TEST_F(RoomTest, ChatsReachEveryMemberInOneBatchInOrder) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  chat(1, "one");
  chat(2, "two");
  chat(1, "three");
  drain();
  for (const auto& m : {a, b}) {
    ASSERT_EQ(m->batch_count(), 1u);
    auto chats = m->events_of_type("chat");
    ASSERT_EQ(chats.size(), 3u);
    EXPECT_EQ(str(chats[0].at("text")), "one");
    EXPECT_EQ(str(chats[1].at("text")), "two");
    EXPECT_EQ(str(chats[2].at("text")), "three");
    EXPECT_EQ(str(chats[0].at("user").at("id")), "v_a");
    EXPECT_EQ(str(chats[1].at("user").at("id")), "v_b");
    EXPECT_LT(num(chats[0].at("id")), num(chats[1].at("id")));
    EXPECT_LT(num(chats[1].at("id")), num(chats[2].at("id")));
  }
}

TEST_F(RoomTest, BatchIsOneSharedFrameForEveryMember) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  chat(1, "hello");
  drain();
  ASSERT_EQ(a->frames.size(), 1u);
  ASSERT_EQ(b->frames.size(), 1u);
  EXPECT_EQ(a->frames[0], b->frames[0]);
  EXPECT_EQ(stats_.messages.load(), 1u);
}

TEST_F(RoomTest, NothingIsSentWhenNothingHappened) {
  auto a = joined(1, viewer("v_a"));
  drain();
  EXPECT_TRUE(a->frames.empty());
}

TEST_F(RoomTest, LikesWithinOneTickArriveAsOneEventWithTheirSum) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  for (std::uint32_t i = 1; i <= 10; ++i) room().handle(i % 2 + 1, LikeMsg{i});
  drain();
  auto likes = a->events_of_type("likes");
  ASSERT_EQ(likes.size(), 1u);
  EXPECT_EQ(num(likes[0].at("count")), 55u);
  EXPECT_EQ(num(likes[0].at("total")), 55u);
  EXPECT_EQ(a->batch_count(), 1u);
  EXPECT_EQ(b->events_of_type("likes").size(), 1u);
}

TEST_F(RoomTest, LikesTotalAccumulatesAcrossBatches) {
  auto a = joined(1, viewer("v_a"));
  room().handle(1, LikeMsg{5});
  drain();
  room().handle(1, LikeMsg{3});
  drain();
  auto likes = a->events_of_type("likes");
  ASSERT_EQ(likes.size(), 2u);
  EXPECT_EQ(num(likes[1].at("count")), 3u);
  EXPECT_EQ(num(likes[1].at("total")), 8u);
}

TEST_F(RoomTest, JoinNoticesBeyondTheLimitAreCountedInMore) {
  config_.max_join_notices_per_tick = 2;
  std::vector<std::shared_ptr<FakeMember>> members;
  for (std::uint64_t i = 1; i <= 5; ++i) members.push_back(join(i, viewer("v_" + std::to_string(i))));
  drain();
  auto joins = members[0]->events_of_type("join");
  ASSERT_EQ(joins.size(), 1u);
  const auto& users = joins[0].at("users").as_array();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(str(users[0].at("id")), "v_1");
  EXPECT_EQ(str(users[1].at("id")), "v_2");
  EXPECT_EQ(num(joins[0].at("more")), 3u);
  auto online = members[0]->events_of_type("online");
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(num(online[0].at("count")), 5u);
}

TEST_F(RoomTest, HistoryKeepsTheLastMessagesInOrderForANewJoiner) {
  config_.history_size = 3;
  joined(1, viewer("v_a"));
  for (int i = 1; i <= 5; ++i) chat(1, "m" + std::to_string(i));
  drain();
  auto c = join(2, viewer("v_c"));
  drain();
  json::array history = c->objects().front().at("history").as_array();
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(str(history[0].at("text")), "m3");
  EXPECT_EQ(str(history[1].at("text")), "m4");
  EXPECT_EQ(str(history[2].at("text")), "m5");
  EXPECT_EQ(str(history[0].at("type")), "chat");
}

TEST_F(RoomTest, DeleteRemovesTheMessageFromHistory) {
  joined(1, kHost);
  joined(2, viewer("v_a"));
  chat(2, "keep me");
  chat(2, "delete me");
  chat(2, "keep me too");
  drain();
  room().handle(1, DeleteMsg{2});
  drain();
  auto c = join(3, viewer("v_c"));
  drain();
  json::array history = c->objects().front().at("history").as_array();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(str(history[0].at("text")), "keep me");
  EXPECT_EQ(str(history[1].at("text")), "keep me too");
}

TEST_F(RoomTest, DeleteIsBroadcastAndAcknowledged) {
  auto host = joined(1, kHost);
  auto a = joined(2, viewer("v_a"));
  chat(2, "spam");
  drain();
  auto id = num(a->events_of_type("chat").at(0).at("id"));
  host->clear();
  room().handle(1, DeleteMsg{id});
  drain();
  auto deletes = a->events_of_type("delete");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(num(deletes[0].at("id")), id);
  auto acks = host->frames_of_type("ack");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(str(acks[0].at("action")), "delete");
  EXPECT_EQ(str(acks[0].at("id")), std::to_string(id));
}

TEST_F(RoomTest, DeleteOfAnIdTheRoomNeverHadIsNotFound) {
  auto host = joined(1, kHost);
  room().handle(1, DeleteMsg{99});
  drain();
  auto errors = host->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "not_found");
}

}  // namespace

namespace {

std::string message_name(const ClientMessage& m) {
  constexpr std::array<const char*, 7> kNames{"chat", "like", "mute", "unmute", "ban", "delete", "slow_mode"};
  return kNames.at(m.index());
}

}  // namespace

void PrintTo(const ClientMessage& m, std::ostream* os) { *os << message_name(m); }

namespace {

class RoomViewerStaffAction : public RoomTest, public testing::WithParamInterface<ClientMessage> {};

TEST_P(RoomViewerStaffAction, IsForbidden) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  chat(2, "first");
  drain();
  a->clear();
  b->clear();
  room().handle(1, GetParam());
  drain();
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "forbidden");
  EXPECT_TRUE(b->frames.empty());  // nothing happened to the room
  EXPECT_TRUE(b->kicks.empty());
}

INSTANTIATE_TEST_SUITE_P(Table, RoomViewerStaffAction,
                         testing::Values(ClientMessage{MuteMsg{"v_b", 60}}, ClientMessage{UnmuteMsg{"v_b"}},
                                         ClientMessage{BanMsg{"v_b"}}, ClientMessage{DeleteMsg{1}},
                                         ClientMessage{SlowModeMsg{10}}),
                         [](const testing::TestParamInfo<ClientMessage>& info) { return message_name(info.param); });

TEST_F(RoomTest, MutedViewerIsRefusedWithMuted) {
  joined(1, kHost);
  auto a = joined(2, viewer("v_a"));
  room().handle(1, MuteMsg{"v_a", 0});
  chat(2, "hello", "r1");
  drain();
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "muted");
  EXPECT_EQ(str(errors[0].at("ref")), "r1");
  EXPECT_TRUE(a->events_of_type("chat").empty());
}

TEST_F(RoomTest, UnmutedViewerMayChatAgain) {
  joined(1, kHost);
  auto a = joined(2, viewer("v_a"));
  room().handle(1, MuteMsg{"v_a", 0});
  room().handle(1, UnmuteMsg{"v_a"});
  chat(2, "hello");
  drain();
  EXPECT_TRUE(a->frames_of_type("error").empty());
  EXPECT_EQ(a->events_of_type("chat").size(), 1u);
}

TEST_F(RoomTest, StaffCannotBeMuted) {
  auto host = joined(1, kHost);
  joined(2, kOperator);
  room().handle(1, MuteMsg{kOperator.user_id, 0});
  drain();
  auto errors = host->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "forbidden");
}

TEST_F(RoomTest, HostBanKicksEveryConnectionOfTheUser) {
  auto host = joined(1, kHost);
  auto a1 = joined(2, viewer("v_a"));
  auto a2 = joined(3, viewer("v_a"));
  a1->clear();
  room().handle(1, BanMsg{"v_a"});
  drain();
  for (const auto& a : {a1, a2}) {
    ASSERT_EQ(a->kicks.size(), 1u);
    EXPECT_EQ(a->kicks[0], CloseReason::banned);
    ASSERT_EQ(a->frames_before_kick[0], 1u);  // the error frame, then the kick
    auto error = json::parse(a->frames[0]).as_object();
    EXPECT_EQ(str(error.at("type")), "error");
    EXPECT_EQ(str(error.at("code")), "banned");
  }
}

TEST_F(RoomTest, BanIsAcknowledgedAndTheOnlineCountDrops) {
  auto host = joined(1, kHost);
  joined(2, viewer("v_a"));
  host->clear();
  room().handle(1, BanMsg{"v_a"});
  drain();
  auto acks = host->frames_of_type("ack");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(str(acks[0].at("action")), "ban");
  EXPECT_EQ(str(acks[0].at("user")), "v_a");
  auto online = host->events_of_type("online");
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(num(online[0].at("count")), 1u);
  EXPECT_EQ(room().counters().online, 1u);
}

TEST_F(RoomTest, BannedUserIsRefusedWhenJoiningAgain) {
  joined(1, kHost);
  joined(2, viewer("v_a"));
  room().handle(1, BanMsg{"v_a"});
  drain();
  auto again = join(3, viewer("v_a"));
  drain();
  ASSERT_EQ(again->frames.size(), 1u);
  auto error = json::parse(again->frames[0]).as_object();
  EXPECT_EQ(str(error.at("code")), "banned");
  ASSERT_EQ(again->kicks.size(), 1u);
  EXPECT_EQ(again->kicks[0], CloseReason::banned);
  EXPECT_EQ(room().counters().online, 1u);
}

TEST_F(RoomTest, BanOfAnAbsentUserRefusesTheirLaterJoin) {
  joined(1, kHost);
  room().handle(1, BanMsg{"v_later"});
  drain();
  auto later = join(2, viewer("v_later"));
  drain();
  ASSERT_EQ(later->kicks.size(), 1u);
  EXPECT_EQ(later->kicks[0], CloseReason::banned);
}

// BUG (chat/room.cpp, Room::kick_user): it sets online_changed_ even when no connection was
// removed, so banning someone who is not in the room broadcasts an unchanged online count
// (the protocol sends "online" only when it changed).
TEST_F(RoomTest, BanOfAnAbsentUserSendsNoOnlineEvent) {
  auto host = joined(1, kHost);
  room().handle(1, BanMsg{"v_absent"});
  drain();
  EXPECT_TRUE(host->events_of_type("online").empty());
}

TEST_F(RoomTest, HostIdentityIsNeverRefusedByABan) {
  joined(1, kOperator);
  room().handle(1, BanMsg{"v_a"});
  drain();
  auto host = join(2, Identity{"v_a", "主播", Role::host});
  drain();
  EXPECT_TRUE(host->kicks.empty());
  ASSERT_FALSE(host->frames.empty());
  EXPECT_EQ(str(host->objects().front().at("type")), "welcome");
}

TEST_F(RoomTest, StaffCannotBeBanned) {
  auto host = joined(1, kHost);
  auto op = joined(2, kOperator);
  room().handle(1, BanMsg{kOperator.user_id});
  room().handle(2, BanMsg{kHost.user_id});
  drain();
  for (const auto& m : {host, op}) {
    auto errors = m->frames_of_type("error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(str(errors[0].at("code")), "forbidden");
    EXPECT_TRUE(m->kicks.empty());
  }
  EXPECT_EQ(room().counters().online, 2u);
}

TEST_F(RoomTest, SlowModeIsBroadcastAndAcknowledged) {
  auto host = joined(1, kHost);
  auto a = joined(2, viewer("v_a"));
  host->clear();
  room().handle(1, SlowModeMsg{10});
  drain();
  auto events = a->events_of_type("slow_mode");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(num(events[0].at("seconds")), 10u);
  auto acks = host->frames_of_type("ack");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(str(acks[0].at("action")), "slow_mode");
  EXPECT_EQ(str(acks[0].at("seconds")), "10");
}

TEST_F(RoomTest, SlowModeRefusesAViewersSecondMessage) {
  joined(1, kHost);
  auto a = joined(2, viewer("v_a"));
  room().handle(1, SlowModeMsg{600});
  chat(2, "one");
  chat(2, "two");
  drain();
  EXPECT_EQ(a->events_of_type("chat").size(), 1u);
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "slow_mode");
  EXPECT_GT(num(errors[0].at("retry_after_ms")), 0u);
}

TEST_F(RoomTest, WelcomeCarriesTheSlowMode) {
  joined(1, kHost);
  room().handle(1, SlowModeMsg{30});
  drain();
  auto b = join(2, viewer("v_b"));
  drain();
  EXPECT_EQ(num(b->objects().front().at("slow_mode")), 30u);
}

TEST_F(RoomTest, RateLimitedChatIsRefusedWithRetryAfter) {
  config_.rate_per_second = 0.001;  // one message per 1000 s
  config_.rate_burst = 1;
  auto a = joined(1, viewer("v_a"));
  chat(1, "one");
  chat(1, "two", "r2");
  drain();
  EXPECT_EQ(a->events_of_type("chat").size(), 1u);
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "rate_limited");
  EXPECT_EQ(str(errors[0].at("ref")), "r2");
  EXPECT_GT(num(errors[0].at("retry_after_ms")), 0u);
}

TEST_F(RoomTest, RejectedChatIsAnsweredOnlyToTheSender) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  chat(1, "傻逼", "c7");
  drain();
  auto errors = a->frames_of_type("error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(str(errors[0].at("code")), "banned_word");
  EXPECT_EQ(str(errors[0].at("ref")), "c7");
  EXPECT_FALSE(a->droppable_flags[0]);
  EXPECT_TRUE(b->frames.empty());
}

TEST_F(RoomTest, CloseSendsRoomClosedThenKicksEveryone) {
  auto a = joined(1, viewer("v_a"));
  auto host = joined(2, kHost);
  room().close();
  drain();
  for (const auto& m : {a, host}) {
    ASSERT_EQ(m->kicks.size(), 1u);
    EXPECT_EQ(m->kicks[0], CloseReason::room_closed);
    ASSERT_GE(m->frames_before_kick[0], 1u);
    auto last = json::parse(m->frames[m->frames_before_kick[0] - 1]).as_object();
    EXPECT_EQ(str(last.at("type")), "room_closed");
  }
  EXPECT_TRUE(room().is_closed());
  EXPECT_EQ(room().counters().online, 0u);
}

TEST_F(RoomTest, JoinAfterCloseIsRefusedWithRoomClosed) {
  room().close();
  drain();
  auto late = join(1, kHost);
  drain();
  ASSERT_EQ(late->frames.size(), 1u);
  auto error = json::parse(late->frames[0]).as_object();
  EXPECT_EQ(str(error.at("type")), "error");
  EXPECT_EQ(str(error.at("code")), "room_closed");
  ASSERT_EQ(late->kicks.size(), 1u);
  EXPECT_EQ(late->kicks[0], CloseReason::room_closed);
}

TEST_F(RoomTest, ClosingTwiceTellsMembersOnce) {
  auto a = joined(1, viewer("v_a"));
  room().close();
  room().close();
  drain();
  EXPECT_EQ(a->kicks.size(), 1u);
  EXPECT_EQ(a->frames_of_type("room_closed").size(), 1u);
}

TEST_F(RoomTest, ShutdownKicksEveryoneAsShuttingDown) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  room().shutdown();
  drain();
  for (const auto& m : {a, b}) {
    ASSERT_EQ(m->kicks.size(), 1u);
    EXPECT_EQ(m->kicks[0], CloseReason::shutting_down);
  }
}

TEST_F(RoomTest, LeaveIsAnnouncedAsTheOnlineCount) {
  auto a = joined(1, viewer("v_a"));
  joined(2, viewer("v_b"));
  a->clear();
  room().leave(2);
  drain();
  auto online = a->events_of_type("online");
  ASSERT_EQ(online.size(), 1u);
  EXPECT_EQ(num(online[0].at("count")), 1u);
}

TEST_F(RoomTest, MessagesFromAMemberWhoLeftAreIgnored) {
  auto a = joined(1, viewer("v_a"));
  joined(2, viewer("v_b"));
  room().leave(2);
  drain();
  a->clear();
  chat(2, "ghost");
  drain();
  EXPECT_TRUE(a->frames.empty());
}

TEST_F(RoomTest, ExpiredMemberIsRemovedAtTheNextFlush) {
  joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  ASSERT_EQ(room().counters().online, 2u);
  end_session_without_leaving(b);
  chat(1, "anyone there?");
  drain();
  EXPECT_EQ(room().counters().online, 1u);
}

// BUG (chat/room.cpp, Room::flush): a member whose session ended without leave() is dropped
// while the batch is sent, after the batch's "online" count was taken, and the
// `online_changed_ = true` set there schedules no flush. The others keep seeing the old count
// until something else happens in the room.
TEST_F(RoomTest, ExpiredMembersDepartureIsAnnouncedAsTheOnlineCount) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  a->clear();
  end_session_without_leaving(b);
  chat(1, "anyone there?");
  drain();
  auto online = a->events_of_type("online");
  ASSERT_FALSE(online.empty()) << "no online event after the member expired";
  EXPECT_EQ(num(online.back().at("count")), 1u);
}

TEST_F(RoomTest, PublishedEventsAppearInTheNextBatch) {
  auto a = joined(1, viewer("v_a"));
  room().publish(R"({"type":"product","id":"p1"})");
  drain();
  auto products = a->events_of_type("product");
  ASSERT_EQ(products.size(), 1u);
  EXPECT_EQ(str(products[0].at("id")), "p1");
}

TEST_F(RoomTest, PublishedEventsKeepTheirOrderAmongChats) {
  auto a = joined(1, viewer("v_a"));
  chat(1, "before");
  room().publish(R"({"type":"product","id":"p1"})");
  chat(1, "after");
  drain();
  auto events = a->batch_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(str(events[0].at("text")), "before");
  EXPECT_EQ(str(events[1].at("type")), "product");
  EXPECT_EQ(str(events[2].at("text")), "after");
}

TEST_F(RoomTest, CountersReflectOnlinePeakMessagesAndLikes) {
  joined(1, viewer("v_a"));
  joined(2, viewer("v_b"));
  joined(3, viewer("v_c"));
  room().leave(3);
  chat(1, "one");
  chat(2, "two");
  chat(2, "");  // refused: not counted
  room().handle(1, LikeMsg{4});
  room().handle(2, LikeMsg{3});
  drain();
  auto c = room().counters();
  EXPECT_EQ(c.online, 2u);
  EXPECT_EQ(c.peak_online, 3u);
  EXPECT_EQ(c.messages, 2u);
  EXPECT_EQ(c.likes, 7u);
  EXPECT_EQ(stats_.messages.load(), 2u);
  EXPECT_EQ(stats_.likes.load(), 7u);
}

TEST_F(RoomTest, WelcomeCarriesTheLikesTotal) {
  joined(1, viewer("v_a"));
  room().handle(1, LikeMsg{9});
  drain();
  auto b = join(2, viewer("v_b"));
  drain();
  EXPECT_EQ(num(b->objects().front().at("likes")), 9u);
}

TEST_F(RoomTest, ChatStatsCountRejectionsByReason) {
  joined(1, kHost);
  joined(2, viewer("v_a"));
  joined(3, viewer("v_b"));
  chat(2, "   ");
  chat(2, std::string(201, 'x'));
  chat(2, "bad\x07");
  chat(2, "傻逼");
  chat(2, "傻逼!");
  room().handle(1, MuteMsg{"v_b", 0});
  chat(3, "hi");
  drain();
  auto rejected = [&](Rejection r) { return stats_.rejected[static_cast<std::size_t>(r)].load(); };
  EXPECT_EQ(rejected(Rejection::empty), 1u);
  EXPECT_EQ(rejected(Rejection::too_long), 1u);
  EXPECT_EQ(rejected(Rejection::invalid_text), 1u);
  EXPECT_EQ(rejected(Rejection::banned_word), 2u);
  EXPECT_EQ(rejected(Rejection::muted), 1u);
  EXPECT_EQ(rejected(Rejection::rate_limited), 0u);
  EXPECT_EQ(rejected(Rejection::slow_mode), 0u);
  EXPECT_EQ(stats_.messages.load(), 0u);
}

TEST_F(RoomTest, ChatStatsCountBatchesAndDeliveries) {
  joined(1, viewer("v_a"));
  joined(2, viewer("v_b"));
  auto batches = stats_.batches.load();
  auto deliveries = stats_.deliveries.load();
  chat(1, "hi");
  drain();
  EXPECT_EQ(stats_.batches.load(), batches + 1);
  EXPECT_EQ(stats_.deliveries.load(), deliveries + 2);
}

}  // namespace
}  // namespace chat
