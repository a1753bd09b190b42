#include <gtest/gtest.h>

#include <algorithm>

#include "chat/room.hpp"
#include "room_fixture.hpp"

// The mic-link (连麦) flow of a chat::Room: requests, the staff's queue, accept and decline,
// slots, ends of every kind, and what the observer and the listener hear.
namespace chat::test {
namespace {

// Writes down what the room tells the media side, as "accepted v_a 1", "ended v_a 1 left".
class RecordingMicLink : public MicLinkListener {
 public:
  GuestPass on_guest_accepted(const std::string& room, const Identity& guest, int slot) override {
    heard.push_back("accepted " + guest.user_id + " " + std::to_string(slot));
    return {"guest-token-" + guest.user_id, "/whip/" + room};
  }
  void on_guest_ended(const std::string&, const Identity& guest, int slot,
                      MicLinkEnd reason) override {
    heard.push_back("ended " + guest.user_id + " " + std::to_string(slot) + " " +
                    std::string(to_string(reason)));
  }
  std::vector<std::string> heard;
};

class RoomMicLinkTest : public RoomTest {
 protected:
  RoomMicLinkTest() { mic_link_ = listener_; }

  // A live room with its host and viewers v_a (member 1), v_b (2); frames received so far
  // forgotten.
  void SetUp() override {
    host_ = joined(100, kHost);
    a_ = joined(1, viewer("v_a"));
    b_ = joined(2, viewer("v_b"));
    room().set_live(true);
    drain();
    for (auto& m : {host_, a_, b_}) m->clear();
  }

  void send(std::uint64_t member_id, ClientMessage m) {
    room().handle(member_id, std::move(m));
    drain();
  }
  static std::string last_error(const FakeMember& m) {
    auto errors = m.frames_of_type("error");
    return errors.empty() ? "" : str(errors.back().at("code"));
  }
  // The staff's latest view: the nicknames waiting, in order.
  std::vector<std::string> queue_nicks() const {
    auto q = host_->frames_of_type("mic_queue");
    if (q.empty()) return {};
    std::vector<std::string> out;
    for (const auto& e : q.back().at("queue").as_array()) out.push_back(str(e.at("nick")));
    return out;
  }
  std::size_t guests_seen_by(const FakeMember& m) const {
    auto g = m.frames_of_type("mic_guests");
    return g.empty() ? 0 : g.back().at("guests").as_array().size();
  }
  void accept_a() {
    send(1, MicRequestMsg{});
    send(100, MicAcceptMsg{"v_a"});
  }

  std::shared_ptr<RecordingMicLink> listener_ = std::make_shared<RecordingMicLink>();
  std::shared_ptr<FakeMember> host_, a_, b_;
};

TEST_F(RoomMicLinkTest, ARequestIsQueuedAndStaffSeeTheQueueWithNicknames) {
  send(1, MicRequestMsg{});
  send(2, MicRequestMsg{});
  ASSERT_EQ(a_->frames_of_type("mic_queued").size(), 1u);
  EXPECT_EQ(num(a_->frames_of_type("mic_queued")[0].at("position")), 1u);
  EXPECT_EQ(num(b_->frames_of_type("mic_queued")[0].at("position")), 2u);
  EXPECT_EQ(queue_nicks(), (std::vector<std::string>{"nick_v_a", "nick_v_b"}));
  EXPECT_EQ(num(host_->frames_of_type("mic_queue").back().at("max_guests")), 1u);
  EXPECT_TRUE(a_->frames_of_type("mic_queue").empty());  // viewers never see the queue
}

TEST_F(RoomMicLinkTest, ASecondRequestIsAnsweredAlreadyQueuedAndNotQueuedTwice) {
  send(1, MicRequestMsg{});
  send(1, MicRequestMsg{});
  EXPECT_EQ(last_error(*a_), "already_queued");
  EXPECT_EQ(queue_nicks().size(), 1u);
}

TEST_F(RoomMicLinkTest, ARequestWhileTheHostIsNotLiveIsRefused) {
  room().set_live(false);
  drain();
  send(1, MicRequestMsg{});
  EXPECT_EQ(last_error(*a_), "not_live");
  EXPECT_TRUE(host_->frames_of_type("mic_queue").empty());
}

TEST_F(RoomMicLinkTest, StaffDoNotRequestAndViewersDoNotAcceptDeclineOrEnd) {
  send(100, MicRequestMsg{});
  EXPECT_EQ(last_error(*host_), "forbidden");
  send(2, MicRequestMsg{});
  for (ClientMessage m : {ClientMessage{MicAcceptMsg{"v_b"}}, ClientMessage{MicDeclineMsg{"v_b"}},
                          ClientMessage{MicEndMsg{"", 1}}}) {
    a_->clear();
    send(1, m);
    EXPECT_EQ(last_error(*a_), "forbidden");
  }
  EXPECT_EQ(queue_nicks(), (std::vector<std::string>{"nick_v_b"}));
  EXPECT_TRUE(listener_->heard.empty());
}

TEST_F(RoomMicLinkTest, AcceptGivesTheGuestItsSlotAndPassAndTellsEveryone) {
  accept_a();
  auto accepted = a_->frames_of_type("mic_accepted");
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(num(accepted[0].at("slot")), 1u);
  EXPECT_EQ(str(accepted[0].at("token")), "guest-token-v_a");
  EXPECT_EQ(str(accepted[0].at("whip_url")), "/whip/soy");
  for (const auto& m : {host_, a_, b_}) {
    auto g = m->frames_of_type("mic_guests");
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(str(g[0].at("started").at("nick")), "nick_v_a");
    EXPECT_EQ(guests_seen_by(*m), 1u);
  }
  EXPECT_TRUE(queue_nicks().empty());
  EXPECT_EQ(host_->frames_of_type("mic_queue").back().at("guests").as_array().size(), 1u);
  EXPECT_EQ(listener_->heard, (std::vector<std::string>{"accepted v_a 1"}));
  EXPECT_EQ(observer_->heard.back(), "mic_start v_a");
}

TEST_F(RoomMicLinkTest, AcceptIsRefusedWhenEverySlotIsTaken) {
  accept_a();
  send(2, MicRequestMsg{});
  send(100, MicAcceptMsg{"v_b"});
  EXPECT_EQ(last_error(*host_), "mic_full");
  EXPECT_EQ(queue_nicks(), (std::vector<std::string>{"nick_v_b"}));
  EXPECT_TRUE(b_->frames_of_type("mic_accepted").empty());
}

TEST_F(RoomMicLinkTest, AConfiguredLimitOfTwoTakesTwoGuests) {
  // A fresh room with two slots.
  config_.mic_link_max_guests = 2;
  room_.reset();
  auto h = joined(7, kHost);
  auto c = joined(8, viewer("v_c"));
  auto d = joined(9, viewer("v_d"));
  room().set_live(true);
  drain();
  send(8, MicRequestMsg{});
  send(9, MicRequestMsg{});
  send(7, MicAcceptMsg{"v_c"});
  send(7, MicAcceptMsg{"v_d"});
  EXPECT_EQ(num(d->frames_of_type("mic_accepted").at(0).at("slot")), 2u);
  EXPECT_EQ(num(h->frames_of_type("mic_queue").back().at("max_guests")), 2u);
}

TEST_F(RoomMicLinkTest, AcceptOfSomeoneWhoDidNotAskIsRefused) {
  send(100, MicAcceptMsg{"v_b"});
  EXPECT_EQ(last_error(*host_), "not_queued");
  send(100, MicAcceptMsg{"v_nobody"});
  EXPECT_EQ(last_error(*host_), "not_queued");
  EXPECT_TRUE(listener_->heard.empty());
}

TEST_F(RoomMicLinkTest, DeclineTellsTheViewerAndEmptiesItsPlace) {
  send(1, MicRequestMsg{});
  send(100, MicDeclineMsg{"v_a"});
  ASSERT_EQ(a_->frames_of_type("mic_declined").size(), 1u);
  EXPECT_EQ(str(a_->frames_of_type("mic_declined")[0].at("reason")), "declined");
  EXPECT_TRUE(queue_nicks().empty());
  send(100, MicDeclineMsg{"v_a"});
  EXPECT_EQ(last_error(*host_), "not_queued");
}

TEST_F(RoomMicLinkTest, CancelTakesTheRequestBack) {
  send(1, MicRequestMsg{});
  send(1, MicCancelMsg{});
  EXPECT_EQ(a_->frames_of_type("mic_cancelled").size(), 1u);
  EXPECT_TRUE(queue_nicks().empty());
  send(1, MicCancelMsg{});
  EXPECT_EQ(last_error(*a_), "not_queued");
}

TEST_F(RoomMicLinkTest, TheHostEndsAGuestBySlotOrByUser) {
  accept_a();
  send(100, MicEndMsg{"", 1});
  auto ended = a_->frames_of_type("mic_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(str(ended[0].at("reason")), "host_ended");
  EXPECT_EQ(guests_seen_by(*b_), 0u);
  EXPECT_EQ(str(b_->frames_of_type("mic_guests").back().at("ended").at("reason")), "host_ended");
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 host_ended");
  EXPECT_EQ(observer_->heard.back(), "mic_end v_a");

  accept_a();
  send(100, MicEndMsg{"v_a", 0});
  EXPECT_EQ(a_->frames_of_type("mic_ended").size(), 2u);
  send(100, MicEndMsg{"v_a", 0});
  EXPECT_EQ(last_error(*host_), "not_guest");
  send(100, MicEndMsg{"", 1});
  EXPECT_EQ(last_error(*host_), "not_guest");
}

TEST_F(RoomMicLinkTest, TheGuestLeaves) {
  accept_a();
  send(1, MicLeaveMsg{});
  EXPECT_EQ(str(a_->frames_of_type("mic_ended").at(0).at("reason")), "left");
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 left");
  EXPECT_EQ(str(host_->frames_of_type("mic_guests").back().at("ended").at("reason")), "left");
  send(1, MicLeaveMsg{});
  EXPECT_EQ(last_error(*a_), "not_guest");
}

TEST_F(RoomMicLinkTest, AnotherTabOfTheSameUserCanCancelOrLeaveAndBothTabsHearIt) {
  auto tab = joined(5, viewer("v_a"));
  send(1, MicRequestMsg{});
  send(5, MicRequestMsg{});
  EXPECT_EQ(last_error(*tab), "already_queued");
  send(5, MicCancelMsg{});
  EXPECT_EQ(a_->frames_of_type("mic_cancelled").size(), 1u);
  EXPECT_EQ(tab->frames_of_type("mic_cancelled").size(), 1u);
  accept_a();
  send(5, MicLeaveMsg{});
  EXPECT_EQ(str(a_->frames_of_type("mic_ended").at(0).at("reason")), "left");
  EXPECT_EQ(str(tab->frames_of_type("mic_ended").at(0).at("reason")), "left");
}

TEST_F(RoomMicLinkTest, AViewerWhoDisconnectsWhileQueuedLeavesTheQueue) {
  send(1, MicRequestMsg{});
  send(2, MicRequestMsg{});
  room().leave(1);
  drain();
  EXPECT_EQ(queue_nicks(), (std::vector<std::string>{"nick_v_b"}));
  end_session_without_leaving(b_);  // its weak_ptr expires: noticed at the next batch
  send(100, LikeMsg{1});
  EXPECT_TRUE(queue_nicks().empty());
}

TEST_F(RoomMicLinkTest, AGuestWhoDisconnectsEndsItsLink) {
  accept_a();
  room().leave(1);
  drain();
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 disconnected");
  EXPECT_EQ(guests_seen_by(*b_), 0u);
  EXPECT_NE(std::find(observer_->heard.begin(), observer_->heard.end(), "leave v_a"),
            observer_->heard.end());
  EXPECT_NE(std::find(observer_->heard.begin(), observer_->heard.end(), "mic_end v_a"),
            observer_->heard.end());
}

TEST_F(RoomMicLinkTest, TheGuestsMediaEndingEndsItsLinkWithTheReason) {
  accept_a();
  room().guest_media_ended(1, "ICE failed");
  drain();
  auto ended = a_->frames_of_type("mic_ended").at(0);
  EXPECT_EQ(str(ended.at("reason")), "media_ended");
  EXPECT_EQ(str(ended.at("detail")), "ICE failed");
  EXPECT_EQ(str(host_->frames_of_type("mic_guests").back().at("ended").at("reason")),
            "media_ended");
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 media_ended");
  room().guest_media_ended(1, "again");  // nobody there any more: nothing happens
  drain();
  EXPECT_EQ(a_->frames_of_type("mic_ended").size(), 1u);
}

TEST_F(RoomMicLinkTest, TheStreamEndingEndsLinksAndTurnsDownRequests) {
  accept_a();
  send(2, MicRequestMsg{});
  room().set_live(false);
  drain();
  EXPECT_EQ(str(a_->frames_of_type("mic_ended").at(0).at("reason")), "stream_ended");
  EXPECT_EQ(str(b_->frames_of_type("mic_declined").at(0).at("reason")), "stream_ended");
  EXPECT_TRUE(queue_nicks().empty());
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 stream_ended");
}

TEST_F(RoomMicLinkTest, ClosingTheRoomEndsLinks) {
  accept_a();
  room().close();
  drain();
  EXPECT_EQ(listener_->heard.back(), "ended v_a 1 room_closed");
  EXPECT_NE(std::find(observer_->heard.begin(), observer_->heard.end(), "mic_end v_a"),
            observer_->heard.end());
}

TEST_F(RoomMicLinkTest, WelcomeTellsWhoIsOnCameraAndStaffWhoWaits) {
  accept_a();
  send(2, MicRequestMsg{});
  auto late = join(3, viewer("v_c"));
  auto op = join(4, kOperator);
  drain();
  auto viewer_mic = late->objects().front().at("mic_link").as_object();
  EXPECT_EQ(num(viewer_mic.at("max_guests")), 1u);
  ASSERT_EQ(viewer_mic.at("guests").as_array().size(), 1u);
  EXPECT_EQ(str(viewer_mic.at("guests").as_array()[0].at("id")), "v_a");
  EXPECT_FALSE(viewer_mic.contains("queue"));
  auto staff_mic = op->objects().front().at("mic_link").as_object();
  ASSERT_EQ(staff_mic.at("queue").as_array().size(), 1u);
  EXPECT_EQ(str(staff_mic.at("queue").as_array()[0].at("nick")), "nick_v_b");
}

}  // namespace
}  // namespace chat::test
