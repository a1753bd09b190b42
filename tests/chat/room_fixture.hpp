#pragma once
// The room test fixture: a chat::Room on an io_context run by the test thread, and fake
// members that record what the room sends them.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "chat/room.hpp"

namespace chat::test {

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

inline std::string str(const json::value& v) { return std::string(v.as_string()); }
inline std::uint64_t num(const json::value& v) { return v.to_number<std::uint64_t>(); }

inline const Identity kHost{"h_soy", "主播", Role::host};
inline const Identity kOperator{"o_soy", "场控", Role::operator_};

inline Identity viewer(const std::string& id) { return Identity{id, "nick_" + id, Role::viewer}; }

// Writes down what the room tells its observer, as "enter v_a", "comment v_a 你好", "likes 3".
class RecordingObserver : public RoomObserver {
 public:
  void on_enter(const Identity& who) override { heard.push_back("enter " + who.user_id); }
  void on_leave(const Identity& who) override { heard.push_back("leave " + who.user_id); }
  void on_comment(const Identity& who, const std::string& text) override {
    heard.push_back("comment " + who.user_id + " " + text);
  }
  void on_likes(std::uint64_t count) override { heard.push_back("likes " + std::to_string(count)); }
  void on_mic_link_start(const Identity& guest) override { heard.push_back("mic_start " + guest.user_id); }
  void on_mic_link_end(const Identity& guest) override { heard.push_back("mic_end " + guest.user_id); }
  std::vector<std::string> heard;
};

class RoomTest : public testing::Test {
 protected:
  RoomTest() {
    config_.tick = milliseconds(5);
    config_.banned_words = {"傻逼"};
  }
  ~RoomTest() override { drain(); }

  // Created on first use, so that a test may change config_ first.
  Room& room() {
    if (!room_)
      room_ = std::make_shared<Room>(ioc_.get_executor(), RoomInfo{"soy", "低钠酱油试吃"}, config_,
                                     stats_, observer_, ban_store_, mic_link_);
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
  std::shared_ptr<RecordingObserver> observer_ = std::make_shared<RecordingObserver>();
  BanStore ban_store_;  // none unless a test sets one before the room is made
  std::shared_ptr<MicLinkListener> mic_link_;  // none unless a test sets one before the room is made
  std::shared_ptr<Room> room_;
  std::vector<std::shared_ptr<FakeMember>> sessions_;
};

}  // namespace chat::test
