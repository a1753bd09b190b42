#include "server/mic_link.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <thread>

// server::MicLink over real rooms of a RoomDirectory: who may publish, the guest's pass, and
// which ends stop the guest's media (end_media) and which come from it (guest_media_ended).
namespace server {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class FakeMember : public chat::Member {
 public:
  void send(chat::Frame frame, bool) override {
    std::lock_guard lock(mutex);
    frames.push_back(json::parse(*frame).as_object());
  }
  void kick(chat::CloseReason) override {}
  std::vector<json::object> of_type(std::string_view type) {
    std::lock_guard lock(mutex);
    std::vector<json::object> out;
    for (const auto& f : frames)
      if (f.at("type").as_string() == type) out.push_back(f);
    return out;
  }
  std::mutex mutex;
  std::vector<json::object> frames;
};

class MicLinkTest : public testing::Test {
 protected:
  void SetUp() override {
    config_.tick = std::chrono::milliseconds(5);
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("livecart_mic_link_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    store_ = std::make_unique<RoomStore>((dir_ / "livecart.db").string());
    rooms_ = std::make_unique<RoomDirectory>(ioc_.get_executor(), *store_, config_, stats_);
    mic_link_ = std::make_shared<MicLink>(*rooms_, access_);
    mic_link_->end_media = [this](const std::string& room, int slot) {
      std::lock_guard lock(mutex_);
      stopped_.push_back(room + "/" + std::to_string(slot));
    };
    rooms_->set_mic_link(mic_link_);
    rooms_->load();
    rooms_->ensure(RoomRecord{"r", "room", 0, 0, 0, {}, {}});
    room_ = rooms_->find("r");
    room_->join(1, host_, {"h_r", "主播", chat::Role::host}, "");
    room_->join(2, guest_, {"v_a", "小王", chat::Role::viewer}, "");
    room_->set_live(true);
    drain();
  }
  void TearDown() override {
    room_.reset();
    rooms_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void drain() {
    ioc_.restart();
    ioc_.run_for(std::chrono::seconds(10));
  }
  void accept_guest() {
    room_->handle(2, chat::MicRequestMsg{});
    room_->handle(1, chat::MicAcceptMsg{"v_a"});
    drain();
  }
  std::vector<std::string> stopped() {
    std::lock_guard lock(mutex_);
    return stopped_;
  }

  boost::asio::io_context ioc_;
  chat::ChatConfig config_;
  chat::ChatStats stats_;
  TokenSigner signer_{"0123456789abcdef-mic-link-test"};
  Access access_{signer_, "admin-token-for-tests"};
  fs::path dir_;
  std::unique_ptr<RoomStore> store_;
  std::unique_ptr<RoomDirectory> rooms_;
  std::shared_ptr<MicLink> mic_link_;
  std::shared_ptr<chat::Room> room_;
  std::shared_ptr<FakeMember> host_ = std::make_shared<FakeMember>();
  std::shared_ptr<FakeMember> guest_ = std::make_shared<FakeMember>();
  std::mutex mutex_;
  std::vector<std::string> stopped_;
};

TEST_F(MicLinkTest, OnlyTheAcceptedGuestMayPublishInItsSlot) {
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));
  room_->handle(2, chat::MicRequestMsg{});
  drain();
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));  // asking is not enough
  room_->handle(1, chat::MicAcceptMsg{"v_a"});
  drain();
  EXPECT_TRUE(mic_link_->guest_may_publish("r", 1, "v_a"));
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_b"));
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 2, "v_a"));
  EXPECT_FALSE(mic_link_->guest_may_publish("other", 1, "v_a"));
}

TEST_F(MicLinkTest, TheGuestsPassIsAGuestTokenForItsSlotAndTheRoomsWhipUrl) {
  accept_guest();
  auto accepted = guest_->of_type("mic_accepted");
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].at("whip_url").as_string(), "/whip/r");
  auto who = access_.authenticate(std::string(accepted[0].at("token").as_string()));
  ASSERT_TRUE(who);
  EXPECT_EQ(who->slot, 1);
  EXPECT_EQ(who->user_id, "v_a");
  EXPECT_EQ(who->room, "r");
  EXPECT_FALSE(Access::allows(*who, "r", {chat::Role::host}));
}

TEST_F(MicLinkTest, TheHostEndingALinkStopsTheGuestsMedia) {
  accept_guest();
  room_->handle(1, chat::MicEndMsg{"", 1});
  drain();
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));
  EXPECT_EQ(stopped(), (std::vector<std::string>{"r/1"}));
}

TEST_F(MicLinkTest, TheGuestLeavingOrDisconnectingStopsItsMedia) {
  accept_guest();
  room_->handle(2, chat::MicLeaveMsg{});
  drain();
  EXPECT_EQ(stopped(), (std::vector<std::string>{"r/1"}));
  accept_guest();
  room_->leave(2);
  drain();
  EXPECT_EQ(stopped(), (std::vector<std::string>{"r/1", "r/1"}));
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));
}

TEST_F(MicLinkTest, ClosingTheRoomStopsTheGuestsMedia) {
  accept_guest();
  rooms_->close("r", [](std::optional<RoomView>) {});
  drain();
  EXPECT_EQ(stopped(), (std::vector<std::string>{"r/1"}));
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));
}

TEST_F(MicLinkTest, MediaThatEndedByItselfFreesTheSlotAtOnceAndTellsTheRoomButStopsNothing) {
  accept_guest();
  std::thread media([&] { mic_link_->guest_media_ended("r", 1, "the guest's browser closed"); });
  media.join();
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));  // before the room has heard
  drain();
  auto ended = guest_->of_type("mic_ended");
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].at("reason").as_string(), "media_ended");
  EXPECT_EQ(ended[0].at("detail").as_string(), "the guest's browser closed");
  auto host_heard = host_->of_type("mic_guests");
  ASSERT_FALSE(host_heard.empty());
  EXPECT_EQ(host_heard.back().at("ended").at("reason").as_string(), "media_ended");
  EXPECT_TRUE(stopped().empty());
}

TEST_F(MicLinkTest, MediaEndedForAnUnknownRoomOrAnEmptySlotDoesNothing) {
  mic_link_->guest_media_ended("nowhere", 1, "x");
  mic_link_->guest_media_ended("r", 1, "x");
  drain();
  EXPECT_TRUE(guest_->of_type("mic_ended").empty());
  EXPECT_TRUE(stopped().empty());
}

TEST_F(MicLinkTest, NoEndMediaHookIsFine) {
  mic_link_->end_media = nullptr;
  accept_guest();
  room_->handle(1, chat::MicEndMsg{"v_a", 0});
  drain();
  EXPECT_FALSE(mic_link_->guest_may_publish("r", 1, "v_a"));
}

}  // namespace
}  // namespace server
