#include "chat/mic_link_queue.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

// The mic-link queue and slots of one room (chat::MicLinkQueue), with no room around them.
namespace chat {
namespace {

Identity viewer(const std::string& id) { return Identity{id, "nick_" + id, Role::viewer}; }

TEST(MicLinkQueue, RequestsWaitInTheOrderTheyCame) {
  MicLinkQueue q(1);
  EXPECT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  EXPECT_EQ(q.request(viewer("v_b"), 2), MicLinkError::none);
  ASSERT_EQ(q.queue().size(), 2u);
  EXPECT_EQ(q.queue()[0].who.user_id, "v_a");
  EXPECT_EQ(q.queue()[1].who.nick, "nick_v_b");
  EXPECT_EQ(q.position("v_b"), 2u);
  EXPECT_EQ(q.position("v_c"), 0u);
}

TEST(MicLinkQueue, ASecondRequestOfTheSameUserIsRefusedAndNotQueuedTwice) {
  MicLinkQueue q(1);
  ASSERT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  EXPECT_EQ(q.request(viewer("v_a"), 2),
            MicLinkError::already_queued);  // another tab of the same user
  EXPECT_EQ(q.queue().size(), 1u);
}

TEST(MicLinkQueue, AGuestCannotAskAgain) {
  MicLinkQueue q(2);
  ASSERT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  EXPECT_EQ(q.request(viewer("v_a"), 1), MicLinkError::already_guest);
  EXPECT_TRUE(q.queue().empty());
}

TEST(MicLinkQueue, TheQueueIsBounded) {
  MicLinkQueue q(1);
  for (std::size_t i = 0; i < kMaxMicLinkQueue; ++i)
    ASSERT_EQ(q.request(viewer("v_" + std::to_string(i)), i + 1), MicLinkError::none);
  EXPECT_EQ(q.request(viewer("v_late"), 999), MicLinkError::queue_full);
}

TEST(MicLinkQueue, CancelTakesTheRequestOut) {
  MicLinkQueue q(1);
  ASSERT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  ASSERT_EQ(q.request(viewer("v_b"), 2), MicLinkError::none);
  auto gone = q.cancel("v_a");
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->member_id, 1u);
  EXPECT_EQ(q.position("v_b"), 1u);
  EXPECT_FALSE(q.cancel("v_a"));
}

TEST(MicLinkQueue, AcceptTakesTheLowestFreeSlotsNumberedFromOne) {
  MicLinkQueue q(3);
  for (auto id : {"v_a", "v_b", "v_c"}) ASSERT_EQ(q.request(viewer(id), 1), MicLinkError::none);
  EXPECT_EQ(q.accept("v_b").guest.slot, 1);
  EXPECT_EQ(q.accept("v_a").guest.slot, 2);
  ASSERT_TRUE(q.end_slot(1));
  auto c = q.accept("v_c");
  EXPECT_EQ(c.error, MicLinkError::none);
  EXPECT_EQ(c.guest.slot, 1);
  EXPECT_EQ(c.guest.entry.who.user_id, "v_c");
  auto guests = q.guests();
  ASSERT_EQ(guests.size(), 2u);
  EXPECT_EQ(guests[0].slot, 1);
  EXPECT_EQ(guests[1].entry.who.user_id, "v_a");
}

TEST(MicLinkQueue, AcceptIsRefusedWhenEverySlotIsTakenAndTheRequestKeepsWaiting) {
  MicLinkQueue q(1);
  ASSERT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  ASSERT_EQ(q.request(viewer("v_b"), 2), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  EXPECT_EQ(q.accept("v_b").error, MicLinkError::slots_full);
  EXPECT_EQ(q.position("v_b"), 1u);
}

TEST(MicLinkQueue, AcceptOfSomeoneNotWaitingIsRefused) {
  MicLinkQueue q(1);
  EXPECT_EQ(q.accept("v_nobody").error, MicLinkError::not_queued);
  ASSERT_EQ(q.request(viewer("v_a"), 1), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  EXPECT_EQ(q.accept("v_a").error, MicLinkError::already_guest);
}

TEST(MicLinkQueue, EndBySlotOrUserFreesTheSlot) {
  MicLinkQueue q(2);
  for (auto id : {"v_a", "v_b"}) ASSERT_EQ(q.request(viewer(id), 1), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  ASSERT_EQ(q.accept("v_b").error, MicLinkError::none);
  auto by_user = q.end_user("v_b");
  ASSERT_TRUE(by_user);
  EXPECT_EQ(by_user->slot, 2);
  auto by_slot = q.end_slot(1);
  ASSERT_TRUE(by_slot);
  EXPECT_EQ(by_slot->entry.who.user_id, "v_a");
  EXPECT_TRUE(q.guests().empty());
  EXPECT_FALSE(q.end_slot(1));
  EXPECT_FALSE(q.end_slot(0));
  EXPECT_FALSE(q.end_slot(3));
  EXPECT_FALSE(q.end_user("v_a"));
}

TEST(MicLinkQueue, AConnectionThatEndsLeavesTheQueueOrEndsItsLink) {
  MicLinkQueue q(1);
  ASSERT_EQ(q.request(viewer("v_a"), 10), MicLinkError::none);
  ASSERT_EQ(q.request(viewer("v_b"), 20), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  auto waiting = q.member_gone(20);
  EXPECT_TRUE(waiting.left_queue);
  EXPECT_FALSE(waiting.ended);
  EXPECT_TRUE(q.queue().empty());
  auto guest = q.member_gone(10);
  EXPECT_FALSE(guest.left_queue);
  ASSERT_TRUE(guest.ended);
  EXPECT_EQ(guest.ended->slot, 1);
  auto other = q.member_gone(30);
  EXPECT_FALSE(other.left_queue);
  EXPECT_FALSE(other.ended);
}

TEST(MicLinkQueue, TakeEmptiesTheQueueAndTheSlots) {
  MicLinkQueue q(2);
  for (auto id : {"v_a", "v_b"}) ASSERT_EQ(q.request(viewer(id), 1), MicLinkError::none);
  ASSERT_EQ(q.accept("v_a").error, MicLinkError::none);
  EXPECT_EQ(q.take_queue().size(), 1u);
  EXPECT_EQ(q.take_guests().size(), 1u);
  EXPECT_TRUE(q.queue().empty());
  EXPECT_TRUE(q.guests().empty());
}

TEST(MicLinkQueue, SlotsAreOneToThree) {
  EXPECT_THROW(MicLinkQueue(0), std::invalid_argument);
  EXPECT_THROW(MicLinkQueue(kMaxMicLinkGuests + 1), std::invalid_argument);
  EXPECT_EQ(MicLinkQueue(3).max_guests(), 3);
}

}  // namespace
}  // namespace chat
