// Live chat over real WebSockets: delivery, order, history, likes, joins and moderation.
#include <filesystem>

#include "fixture.hpp"

namespace testing_support {
namespace {

class ChatTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    room_ = create_room("r1");
    host_key_ = std::string(room_.at("host_key").as_string());
    operator_key_ = std::string(room_.at("operator_key").as_string());
  }
  json::object room_;
  std::string host_key_;
  std::string operator_key_;
};

TEST_F(ChatTest, WelcomeNamesTheViewerAndGivesAToken) {
  auto a = join("r1", "nick=%E5%B0%8F%E7%8E%8B");  // 小王
  ASSERT_TRUE(a);
  const auto& w = a->welcome();
  EXPECT_EQ(w.at("room").at("id"), "r1");
  EXPECT_EQ(w.at("you").at("nick"), "小王");
  EXPECT_EQ(w.at("you").at("role"), "viewer");
  EXPECT_FALSE(w.at("token").as_string().empty());
  EXPECT_EQ(w.at("online"), 1);
}

TEST_F(ChatTest, AnonymousViewerGetsAGeneratedNickname) {
  auto a = join("r1");
  ASSERT_TRUE(a);
  std::string nick(a->welcome().at("you").at("nick").as_string());
  EXPECT_EQ(nick.rfind("观众", 0), 0u) << nick;
}

TEST_F(ChatTest, TokenBringsTheSameUserBack) {
  auto a = join("r1", "nick=amy");
  std::string id(a->welcome().at("you").at("id").as_string());
  std::string token(a->welcome().at("token").as_string());
  auto again = join("r1", "token=" + token);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->welcome().at("you").at("id"), id.c_str());
  EXPECT_EQ(again->welcome().at("you").at("nick"), "amy");
}

TEST_F(ChatTest, TwoViewersSeeEachOthersMessagesInOrder) {
  auto a = join("r1", "nick=a");
  auto b = join("r1", "nick=b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->send_json(chat_msg("a1")));
  ASSERT_TRUE(a->send_json(chat_msg("a2")));
  ASSERT_TRUE(b->send_json(chat_msg("b1")));
  for (auto* c : {a.get(), b.get()}) {
    std::vector<std::string> a_texts;
    std::uint64_t last_id = 0;
    bool saw_b = false;
    while (a_texts.size() < 2 || !saw_b) {
      auto e = c->wait_type("chat");
      ASSERT_TRUE(e) << "missing chat";
      auto id = e->at("id").to_number<std::uint64_t>();
      EXPECT_GT(id, last_id);
      last_id = id;
      if (e->at("user").at("nick") == "a") a_texts.emplace_back(e->at("text").as_string());
      if (e->at("text") == "b1") saw_b = true;
    }
    EXPECT_EQ(a_texts, (std::vector<std::string>{"a1", "a2"}));
  }
}

TEST_F(ChatTest, ChatEventCarriesSenderAndServerTime) {
  auto a = join("r1", "nick=a");
  ASSERT_TRUE(a->send_json(chat_msg("这个酱油多少钱？")));
  auto e = a->wait_for(is_chat("这个酱油多少钱？"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("user").at("id"), a->welcome().at("you").at("id"));
  EXPECT_GT(e->at("ts").to_number<std::int64_t>(), 1700000000000);
}

TEST_F(ChatTest, JoinerReceivesTheLastFiftyMessages) {
  auto host = join("r1", "token=" + host_key_);  // the host is not rate limited
  ASSERT_TRUE(host);
  for (int i = 1; i <= 60; ++i) ASSERT_TRUE(host->send_json(chat_msg("m" + std::to_string(i))));
  ASSERT_TRUE(host->wait_for(is_chat("m60")));
  auto late = join("r1");
  ASSERT_TRUE(late);
  const auto& history = late->welcome().at("history").as_array();
  ASSERT_EQ(history.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(history[i].at("text"), ("m" + std::to_string(i + 11)).c_str());
}

TEST_F(ChatTest, LikesAreAggregatedIntoTotals) {
  auto a = join("r1");
  auto b = join("r1");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(a->send_json({{"type", "like"}, {"count", 3}}));
  std::uint64_t sum = 0;
  int frames = 0;
  while (sum < 30) {
    auto e = b->wait_type("likes");
    ASSERT_TRUE(e) << "likes missing after " << sum;
    sum += e->at("count").to_number<std::uint64_t>();
    ++frames;
    EXPECT_EQ(e->at("total").to_number<std::uint64_t>(), sum);
  }
  EXPECT_EQ(sum, 30u);
  EXPECT_LE(frames, 10);
}

TEST_F(ChatTest, JoinNoticeAndOnlineCountReachTheRoom) {
  auto a = join("r1");
  auto b = join("r1", "nick=newcomer");
  auto notice = a->wait_for([](const json::object& e) {
    if (e.at("type") != "join") return false;
    for (const auto& u : e.at("users").as_array())
      if (u.at("nick") == "newcomer") return true;
    return false;
  });
  EXPECT_TRUE(notice);
  EXPECT_TRUE(a->wait_for([](const json::object& e) { return e.at("type") == "online" && e.at("count") == 2; }));
  b.reset();
  EXPECT_TRUE(a->wait_for([](const json::object& e) { return e.at("type") == "online" && e.at("count") == 1; }));
}

TEST_F(ChatTest, TooLongMessageIsRefusedWithItsRef) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_json({{"type", "chat"}, {"text", repeat("长", 201)}, {"ref", "c1"}}));
  auto e = a->wait_for(is_error("too_long"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->at("ref"), "c1");
  ASSERT_TRUE(a->send_json(chat_msg(repeat("长", 200))));
  EXPECT_TRUE(a->wait_for(is_chat(repeat("长", 200))));
}

TEST_F(ChatTest, ViewerIsRateLimited) {
  auto a = join("r1");
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(a->send_json(chat_msg("spam" + std::to_string(i))));
  auto e = a->wait_for(is_error("rate_limited"));
  ASSERT_TRUE(e);
  EXPECT_GT(e->at("retry_after_ms").to_number<std::int64_t>(), 0);
}

TEST_F(ChatTest, BannedWordsAreRefusedInChineseAndEnglish) {
  auto a = join("r1");
  ASSERT_TRUE(a->send_json(chat_msg("加微信领优惠")));
  EXPECT_TRUE(a->wait_for(is_error("banned_word")));
  ASSERT_TRUE(a->send_json(chat_msg("what the F.U.C.K")));
  EXPECT_TRUE(a->wait_for(is_error("banned_word")));
}

TEST_F(ChatTest, SlowModeLimitsViewersButNotTheHost) {
  auto host = join("r1", "token=" + host_key_);
  auto a = join("r1");
  ASSERT_TRUE(host->send_json({{"type", "slow_mode"}, {"seconds", 30}}));
  ASSERT_TRUE(host->wait_for([](const json::object& e) { return e.at("type") == "ack"; }));
  EXPECT_TRUE(a->wait_for([](const json::object& e) { return e.at("type") == "slow_mode" && e.at("seconds") == 30; }));
  ASSERT_TRUE(a->send_json(chat_msg("first")));
  ASSERT_TRUE(a->wait_for(is_chat("first")));
  ASSERT_TRUE(a->send_json(chat_msg("second")));
  auto e = a->wait_for(is_error("slow_mode"));
  ASSERT_TRUE(e);
  EXPECT_GT(e->at("retry_after_ms").to_number<std::int64_t>(), 0);
  ASSERT_TRUE(host->send_json(chat_msg("host1")));
  ASSERT_TRUE(host->send_json(chat_msg("host2")));
  EXPECT_TRUE(host->wait_for(is_chat("host2")));
}

TEST_F(ChatTest, MutedViewerCannotChatUntilUnmuted) {
  auto op = join("r1", "token=" + operator_key_);
  auto a = join("r1");
  std::string user(a->welcome().at("you").at("id").as_string());
  ASSERT_TRUE(op->send_json({{"type", "mute"}, {"user", user}, {"seconds", 600}}));
  ASSERT_TRUE(op->wait_for([](const json::object& e) { return e.at("type") == "ack" && e.at("action") == "mute"; }));
  ASSERT_TRUE(a->send_json(chat_msg("hello?")));
  EXPECT_TRUE(a->wait_for(is_error("muted")));
  ASSERT_TRUE(op->send_json({{"type", "unmute"}, {"user", user}}));
  ASSERT_TRUE(op->wait_for([](const json::object& e) { return e.at("type") == "ack" && e.at("action") == "unmute"; }));
  ASSERT_TRUE(a->send_json(chat_msg("back")));
  EXPECT_TRUE(a->wait_for(is_chat("back")));
}

TEST_F(ChatTest, BannedViewerIsDisconnectedAndCannotReturn) {
  auto host = join("r1", "token=" + host_key_);
  auto a = join("r1");
  std::string user(a->welcome().at("you").at("id").as_string());
  std::string token(a->welcome().at("token").as_string());
  ASSERT_TRUE(host->send_json({{"type", "ban"}, {"user", user}}));
  EXPECT_TRUE(a->wait_for(is_error("banned")));
  EXPECT_EQ(a->wait_closed(), 1008);
  auto again = WsClient::connect(port(), "/ws/rooms/r1?token=" + token);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->wait_for(is_error("banned")));
  EXPECT_EQ(again->wait_closed(), 1008);
}

TEST_F(ChatTest, BansAreListedSurviveARestartAndStaffLiftThem) {
  std::string dir = make_temp_dir();
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  room_ = create_room("r1");
  host_key_ = std::string(room_.at("host_key").as_string());
  operator_key_ = std::string(room_.at("operator_key").as_string());
  auto host = join("r1", "token=" + host_key_);
  auto a = join("r1", "nick=%E5%B0%8F%E7%8E%8B");  // 小王
  std::string user(a->welcome().at("you").at("id").as_string());
  std::string token(a->welcome().at("token").as_string());
  ASSERT_TRUE(host->send_json({{"type", "ban"}, {"user", user}}));
  // The ack comes once the ban is stored.
  ASSERT_TRUE(host->wait_for([](const json::object& e) { return e.at("type") == "ack" && e.at("action") == "ban"; }));
  auto listed = http_request(port(), "GET", "/api/rooms/r1/bans", "", operator_key_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  auto bans = listed.json().at("bans").as_array();
  ASSERT_EQ(bans.size(), 1u);
  EXPECT_EQ(bans[0].at("user"), user.c_str());
  EXPECT_EQ(bans[0].at("nick"), "小王");
  EXPECT_GT(bans[0].at("banned_at_ms").to_number<std::int64_t>(), 0);

  host.reset();
  a.reset();
  ASSERT_EQ(server_->stop(), 0);
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  auto refused = WsClient::connect(port(), "/ws/rooms/r1?token=" + token);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->wait_for(is_error("banned")));
  EXPECT_EQ(refused->wait_closed(), 1008);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/bans", "", host_key_).json().at("bans").as_array().size(), 1u);

  auto lifted = http_request(port(), "DELETE", "/api/rooms/r1/bans/" + user, "", host_key_);
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_TRUE(lifted.json().at("bans").as_array().empty());
  auto back = WsClient::connect(port(), "/ws/rooms/r1?token=" + token);
  ASSERT_TRUE(back);
  ASSERT_TRUE(back->send_json(chat_msg("我回来了")));
  EXPECT_TRUE(back->wait_for(is_chat("我回来了")));
  EXPECT_EQ(http_request(port(), "DELETE", "/api/rooms/r1/bans/" + user, "", host_key_).status, 404);
  back.reset();
  server_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(ChatTest, OperatorUnbansOverTheSocketAndTheListFollows) {
  auto op = join("r1", "token=" + operator_key_);
  ASSERT_TRUE(op->send_json({{"type", "ban"}, {"user", "v_absent"}}));
  ASSERT_TRUE(op->wait_for([](const json::object& e) { return e.at("type") == "ack" && e.at("action") == "ban"; }));
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/bans", "", host_key_).json().at("bans").as_array().size(), 1u);
  ASSERT_TRUE(op->send_json({{"type", "unban"}, {"user", "v_absent"}}));
  auto ack = op->wait_for([](const json::object& e) { return e.at("type") == "ack" && e.at("action") == "unban"; });
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->at("user"), "v_absent");
  EXPECT_TRUE(http_request(port(), "GET", "/api/rooms/r1/bans", "", host_key_).json().at("bans").as_array().empty());
}

TEST_F(ChatTest, BanListAndUnbanAreForStaffOfTheRoom) {
  auto viewer = join("r1");
  std::string viewer_token(viewer->welcome().at("token").as_string());
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/bans").status, 401);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/bans", "", viewer_token).status, 403);
  EXPECT_EQ(http_request(port(), "DELETE", "/api/rooms/r1/bans/v_x", "", viewer_token).status, 403);
  auto other = create_room("r2");
  std::string other_host(other.at("host_key").as_string());
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/bans", "", other_host).status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/nope/bans", "", kAdminToken).status, 404);
  auto missing = http_request(port(), "DELETE", "/api/rooms/r1/bans/v_never", "", kAdminToken);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json().at("error").at("code"), "not_found");
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/r1/bans", "", kAdminToken).status, 405);
}

TEST_F(ChatTest, DeletedMessageDisappearsEverywhereAndFromHistory) {
  auto host = join("r1", "token=" + host_key_);
  auto a = join("r1");
  ASSERT_TRUE(a->send_json(chat_msg("广告广告")));
  auto msg = host->wait_for(is_chat("广告广告"));
  ASSERT_TRUE(msg);
  auto id = msg->at("id").to_number<std::uint64_t>();
  ASSERT_TRUE(host->send_json({{"type", "delete"}, {"id", id}}));
  EXPECT_TRUE(a->wait_for([&](const json::object& e) { return e.at("type") == "delete" && e.at("id") == id; }));
  auto late = join("r1");
  for (const auto& h : late->welcome().at("history").as_array()) EXPECT_NE(h.at("id"), id);
}

TEST_F(ChatTest, ViewerCannotModerate) {
  auto a = join("r1");
  auto b = join("r1");
  std::string user(b->welcome().at("you").at("id").as_string());
  ASSERT_TRUE(a->send_json({{"type", "ban"}, {"user", user}}));
  EXPECT_TRUE(a->wait_for(is_error("forbidden")));
  ASSERT_TRUE(a->send_json({{"type", "slow_mode"}, {"seconds", 10}}));
  EXPECT_TRUE(a->wait_for(is_error("forbidden")));
  ASSERT_TRUE(b->send_json(chat_msg("still here")));
  EXPECT_TRUE(b->wait_for(is_chat("still here")));
}

TEST_F(ChatTest, OperatorCannotBanTheHost) {
  auto host = join("r1", "token=" + host_key_);
  auto op = join("r1", "token=" + operator_key_);
  std::string host_id(host->welcome().at("you").at("id").as_string());
  ASSERT_TRUE(op->send_json({{"type", "ban"}, {"user", host_id}}));
  EXPECT_TRUE(op->wait_for(is_error("forbidden")));
  ASSERT_TRUE(host->send_json(chat_msg("I am still live")));
  EXPECT_TRUE(host->wait_for(is_chat("I am still live")));
}

}  // namespace
}  // namespace testing_support
