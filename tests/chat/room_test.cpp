#include "chat/room.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "room_fixture.hpp"

// Membership, fan-out, batching, history, publishing, counters and closing of a chat::Room.
namespace chat::test {
namespace {

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
  EXPECT_EQ(welcome.at("room").at("live"), false);
  EXPECT_TRUE(welcome.at("history").as_array().empty());
}

TEST_F(RoomTest, StreamStartAndEndReachEveryMemberAtOnceAndNotDroppable) {
  auto a = joined(1, viewer("v_a"));
  auto h = joined(2, kHost);
  room().set_live(true);
  room().set_live(true);  // no change: nothing sent
  drain();
  EXPECT_TRUE(room().is_live());
  for (const auto& m : {a, h}) {
    ASSERT_EQ(m->frames_of_type("stream").size(), 1u);
    EXPECT_EQ(m->frames_of_type("stream")[0].at("live"), true);
    EXPECT_FALSE(m->droppable_flags.back());
  }
  auto late = join(3, viewer("v_c"));
  drain();
  EXPECT_EQ(late->objects().front().at("room").at("live"), true);
  room().set_live(false);
  drain();
  ASSERT_EQ(a->frames_of_type("stream").size(), 2u);
  EXPECT_EQ(a->frames_of_type("stream")[1].at("live"), false);
  EXPECT_FALSE(room().is_live());
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
  for (std::uint64_t i = 1; i <= 5; ++i)
    members.push_back(join(i, viewer("v_" + std::to_string(i))));
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

// Regression: a member whose session ended without leave() was dropped while the batch went
// out, after its online count was taken, and no later batch told the others.
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

TEST_F(RoomTest, ObserverHearsComingsGoingsCommentsThatPassModerationAndLikes) {
  auto a = joined(1, viewer("v_a"));
  auto b = joined(2, viewer("v_b"));
  chat(1, "你好");
  chat(2, "傻逼");  // refused by moderation: not a comment
  room().handle(1, LikeMsg{3});
  room().leave(2);
  drain();
  end_session_without_leaving(a);
  chat(2, "wake the room");  // b left: ignored; the flush that follows finds a gone
  room().publish(R"({"type":"notice"})");
  drain();
  EXPECT_EQ(observer_->heard,
            (std::vector<std::string>{"enter v_a", "enter v_b", "comment v_a 你好", "likes 3", "leave v_b", "leave v_a"}));
}

TEST_F(RoomTest, ObserverHearsEveryoneLeaveWhenTheRoomCloses) {
  joined(1, viewer("v_a"));
  joined(2, kHost);
  room().close();
  drain();
  EXPECT_EQ(std::count(observer_->heard.begin(), observer_->heard.end(), "leave v_a"), 1);
  EXPECT_EQ(std::count(observer_->heard.begin(), observer_->heard.end(), "leave h_soy"), 1);
}

TEST_F(RoomTest, StaffMessagesReachOnlyTheHostAndOperators) {
  auto a = joined(1, viewer("v_a"));
  auto host = joined(2, kHost);
  auto op = joined(3, kOperator);
  drain();
  a->clear();
  host->clear();
  op->clear();
  room().send_to_staff(R"({"type":"suggestion"})");
  drain();
  EXPECT_TRUE(a->frames.empty());
  for (const auto& m : {host, op}) {
    ASSERT_EQ(m->frames.size(), 1u);
    EXPECT_EQ(m->frames[0], R"({"type":"suggestion"})");
    EXPECT_FALSE(m->droppable_flags[0]);
  }
}

}  // namespace
}  // namespace chat::test
