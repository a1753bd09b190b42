// Rooms, roles and the HTTP API of the real server.
#include <filesystem>
#include <set>
#include <sstream>

#include "fixture.hpp"

namespace testing_support {
namespace {

class RoomsTest : public ServerTest {};

TEST_F(RoomsTest, HealthzAnswersOk) {
  auto res = http_request(port(), "GET", "/healthz");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.json().at("status"), "ok");
}

TEST_F(RoomsTest, AdminCreatesARoomAndGetsItsKeys) {
  auto room = create_room("soy-sauce", "低钠酱油");
  EXPECT_EQ(room.at("id"), "soy-sauce");
  EXPECT_EQ(room.at("title"), "低钠酱油");
  EXPECT_EQ(room.at("status"), "open");
  EXPECT_FALSE(room.at("host_key").as_string().empty());
  EXPECT_FALSE(room.at("operator_key").as_string().empty());

  auto got = http_request(port(), "GET", "/api/rooms/soy-sauce");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("title"), "低钠酱油");
  EXPECT_FALSE(got.json().as_object().contains("host_key"));

  auto list = http_request(port(), "GET", "/api/rooms");
  ASSERT_EQ(list.status, 200);
  bool found = false;
  json::value rooms = list.json();
  for (const auto& r : rooms.at("rooms").as_array()) found |= r.at("id") == "soy-sauce";
  EXPECT_TRUE(found);
}

TEST_F(RoomsTest, RoomWithoutIdGetsAGeneratedOne) {
  auto res = http_request(port(), "POST", "/api/rooms", R"({"title":"无名"})", kAdminToken);
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.json().at("id").as_string().size(), 8u);
}

TEST_F(RoomsTest, DuplicateRoomIdConflicts) {
  create_room("dup");
  auto res = http_request(port(), "POST", "/api/rooms", R"({"id":"dup"})", kAdminToken);
  EXPECT_EQ(res.status, 409);
  EXPECT_EQ(res.json().at("error").at("code"), "exists");
}

TEST_F(RoomsTest, CreatingARoomNeedsTheAdminToken) {
  auto none = http_request(port(), "POST", "/api/rooms", R"({"id":"x"})");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json().at("error").at("code"), "unauthorized");
  auto wrong = http_request(port(), "POST", "/api/rooms", R"({"id":"x"})", "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  auto room = create_room("r1");
  auto host = http_request(port(), "POST", "/api/rooms", R"({"id":"x"})", room.at("host_key").as_string());
  EXPECT_EQ(host.status, 403);
  EXPECT_EQ(host.json().at("error").at("code"), "forbidden");
}

TEST_F(RoomsTest, BadRoomBodiesAreRefused) {
  struct Case {
    const char* body;
    const char* code;
  };
  for (auto c : {Case{"{not json", "bad_json"}, Case{"[1,2]", "bad_json"}, Case{R"({"id":5})", "bad_field"},
                 Case{R"({"id":"UPPER"})", "bad_field"}, Case{R"({"id":"../etc"})", "bad_field"},
                 Case{R"({"title":["x"]})", "bad_field"}}) {
    auto res = http_request(port(), "POST", "/api/rooms", c.body, kAdminToken);
    EXPECT_EQ(res.status, 400) << c.body;
    EXPECT_EQ(res.json().at("error").at("code"), c.code) << c.body;
  }
  auto long_title = http_request(port(), "POST", "/api/rooms",
                                 json::serialize(json::object{{"title", repeat("题", 101)}}), kAdminToken);
  EXPECT_EQ(long_title.status, 400);
}

TEST_F(RoomsTest, HostClosesTheRoomAndViewersAreTold) {
  auto room = create_room("r1");
  auto viewer = join("r1");
  std::string op_key(room.at("operator_key").as_string());
  std::string host_key(room.at("host_key").as_string());

  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/r1/close").status, 401);
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/r1/close", "", op_key).status, 403);
  std::string viewer_token(viewer->welcome().at("token").as_string());
  EXPECT_EQ(http_request(port(), "POST", "/api/rooms/r1/close", "", viewer_token).status, 403);

  auto closed = http_request(port(), "POST", "/api/rooms/r1/close", "", host_key);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json().at("status"), "closed");
  EXPECT_TRUE(viewer->wait_type("room_closed"));
  EXPECT_EQ(viewer->wait_closed(), 1000);

  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/r1", &status));
  EXPECT_EQ(status, 410);
}

TEST_F(RoomsTest, HostKeyOfOneRoomCannotCloseAnother) {
  auto a = create_room("a");
  create_room("b");
  auto res = http_request(port(), "POST", "/api/rooms/b/close", "", a.at("host_key").as_string());
  EXPECT_EQ(res.status, 403);
  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/b?token=" + std::string(a.at("host_key").as_string()), &status));
  EXPECT_EQ(status, 403);
}

TEST_F(RoomsTest, StatsAreForStaffOnly) {
  auto room = create_room("r1");
  auto viewer = join("r1");
  ASSERT_TRUE(viewer->send_json({{"type", "like"}, {"count", 5}}));
  ASSERT_TRUE(viewer->wait_type("likes"));
  std::string viewer_token(viewer->welcome().at("token").as_string());
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/stats", "", viewer_token).status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/stats").status, 401);
  auto stats = http_request(port(), "GET", "/api/rooms/r1/stats", "", room.at("operator_key").as_string());
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json().at("online"), 1);
  EXPECT_EQ(stats.json().at("windows").at("broadcast").at("likes"), 5);
}

TEST_F(RoomsTest, ForgedTokenIsRefused) {
  create_room("r1");
  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/r1?token=eyJyb29tIjoicjEifQ.forged", &status));
  EXPECT_EQ(status, 401);
}

TEST_F(RoomsTest, UnknownRoomIsNotFound) {
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/nope").status, 404);
  int status = 0;
  EXPECT_FALSE(WsClient::connect(port(), "/ws/rooms/nope", &status));
  EXPECT_EQ(status, 404);
}

TEST_F(RoomsTest, MetricsCountViewersPerRoom) {
  create_room("r1");
  auto a = join("r1");
  auto b = join("r1");
  ASSERT_TRUE(a->send_json(chat_msg("hi")));
  ASSERT_TRUE(b->wait_for(is_chat("hi")));
  EXPECT_EQ(metric_value(port(), "livecart_room_viewers{room=\"r1\"}"), 2.0);
  EXPECT_GE(metric_value(port(), "livecart_ws_connections").value_or(0), 2.0);
  EXPECT_GE(metric_value(port(), "livecart_chat_messages_total").value_or(0), 1.0);
  EXPECT_GE(metric_value(port(), "livecart_ws_frames_in_total").value_or(0), 1.0);
  auto res = http_request(port(), "GET", "/metrics");
  EXPECT_EQ(res.headers["content-type"].rfind("text/plain", 0), 0u);
  // Prometheus refuses a family declared twice.
  std::set<std::string> families;
  std::istringstream lines(res.body);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("# TYPE ", 0) == 0) {
      EXPECT_TRUE(families.insert(line).second) << line;
    }
}

TEST_F(RoomsTest, ChatPageIsServed) {
  auto res = http_request(port(), "GET", "/");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(res.body.find("<html"), std::string::npos);
  EXPECT_EQ(http_request(port(), "GET", "/../../etc/passwd").status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/no-such-file.js").status, 404);
}

TEST_F(RoomsTest, KeysTellTheRtmpPortActuallyBoundAndNoUrlWithoutAPublicHost) {
  auto room = create_room("ingest");
  auto keys = http_request(port(), "GET", "/api/rooms/ingest/keys", "", std::string(room.at("host_key").as_string()));
  ASSERT_EQ(keys.status, 200) << keys.body;
  // The server runs with --rtmp-port 0: the answer gives the port the kernel picked.
  ASSERT_NE(server_->rtmp_port(), 0);
  EXPECT_EQ(keys.json().at("rtmp_port").to_number<std::int64_t>(), server_->rtmp_port());
  EXPECT_TRUE(keys.json().at("rtmp_url").is_null());
  auto rotated = http_request(port(), "POST", "/api/rooms/ingest/keys/stream/rotate", "", kAdminToken);
  ASSERT_EQ(rotated.status, 200);
  EXPECT_EQ(rotated.json().at("rtmp_port").to_number<std::int64_t>(), server_->rtmp_port());
}

class PublicHostTest : public ServerTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--public-host", "live.example.com"}; }
};

TEST_F(PublicHostTest, KeysGiveTheRtmpUrlForTheConsole) {
  create_room("ingest");
  auto keys = http_request(port(), "GET", "/api/rooms/ingest/keys", "", kAdminToken).json();
  EXPECT_EQ(keys.at("rtmp_url"), ("rtmp://live.example.com:" + std::to_string(server_->rtmp_port()) + "/live").c_str());
}

TEST_F(RoomsTest, RoomsAndKeysSurviveARestart) {
  std::string dir = make_temp_dir();
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  auto room = create_room("keep", "保留");
  std::string host_key(room.at("host_key").as_string());
  ASSERT_EQ(server_->stop(), 0);
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  auto got = http_request(port(), "GET", "/api/rooms/keep");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("title"), "保留");
  auto host = join("keep", "token=" + host_key);
  ASSERT_TRUE(host);
  EXPECT_EQ(host->welcome().at("you").at("role"), "host");
  server_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(RoomsTest, TheHostBansWordsInItsRoomAndTheyStayBannedAfterARestart) {
  std::string dir = make_temp_dir();
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  auto room = create_room("bw");
  create_room("other");
  std::string host_key(room.at("host_key").as_string()), operator_key(room.at("operator_key").as_string());
  auto put = http_request(port(), "PUT", "/api/rooms/bw/banned-words", R"({"words":["私信我","代购","私信我"]})", host_key);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json().at("words"), (json::array{"私信我", "代购"})) << "duplicates kept once";
  auto viewer = join("bw");
  ASSERT_TRUE(viewer);
  viewer->send_json(chat_msg("想要的私 信我"));
  EXPECT_TRUE(viewer->wait_for(is_error("banned_word")));
  auto elsewhere = join("other");
  elsewhere->send_json(chat_msg("私信我"));
  EXPECT_TRUE(elsewhere->wait_for(is_chat("私信我"))) << "another room's words do not apply";

  ASSERT_EQ(server_->stop(), 0);
  server_ = std::make_unique<ServerProcess>(std::vector<std::string>{}, dir);
  auto got = http_request(port(), "GET", "/api/rooms/bw/banned-words", "", operator_key);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json().at("words"), (json::array{"私信我", "代购"}));
  auto again = join("bw");
  again->send_json(chat_msg("代购找我"));
  EXPECT_TRUE(again->wait_for(is_error("banned_word")));
  server_.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(RoomsTest, BadBannedWordListsAreRefused) {
  auto room = create_room("bw");
  std::string host_key(room.at("host_key").as_string());
  for (const char* body : {R"({"words":"加微信"})", R"({"words":[1,2]})", R"({"words":[""]})", R"({"words":["   "]})",
                           R"({"words":["123456789012345678901"]})", R"({"words":["ab"]})", R"({})", "not json"}) {
    auto res = http_request(port(), "PUT", "/api/rooms/bw/banned-words", body, host_key);
    EXPECT_EQ(res.status, 400) << body << " → " << res.body;
  }
  json::array many;
  for (int i = 0; i < 501; ++i) many.push_back(json::value("w" + std::to_string(i)));
  EXPECT_EQ(http_request(port(), "PUT", "/api/rooms/bw/banned-words", json::serialize(json::object{{"words", many}}), host_key).status, 400);
  auto viewer = join("bw");
  std::string viewer_token(viewer->welcome().at("token").as_string());
  EXPECT_EQ(http_request(port(), "PUT", "/api/rooms/bw/banned-words", R"({"words":[]})", viewer_token).status, 403);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/bw/banned-words").status, 401);
  EXPECT_EQ(http_request(port(), "PUT", "/api/rooms/nope/banned-words", R"({"words":[]})", kAdminToken).status, 404);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/bw/banned-words", "", host_key).json().at("words"), json::array{});
}

}  // namespace
}  // namespace testing_support
