// Cluster mode end to end: two real livecart nodes and a real redis-server. A room made on one
// node is open on the other, viewers on both chat and see each other, bans and deletions reach
// both, online counts are the whole room's, a stream live on one node is live for every node's
// viewers, a mute on one node holds on every node, a viewer on another node than the stream's
// asks, is accepted and goes on camera (and off when it disconnects or the live node dies); Redis
// down: chat goes on within each node and /healthz says so; garbage on the cluster's channels is
// counted and ignored.
#include <csignal>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "fixture.hpp"
#include "support/child_process.hpp"
#include "support/redis_server.hpp"

namespace testing_support {
namespace {

using namespace std::chrono_literals;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_ = std::make_unique<RedisServer>();
    a_ = start_node();
    b_ = start_node();
    auto res = http_request(a_->port(), "POST", "/api/rooms", R"({"id":"r1","title":"两个节点"})",
                            kAdminToken);
    ASSERT_EQ(res.status, 201) << res.body;
    room_ = res.json().as_object();
    ASSERT_TRUE(until([&] {
      return http_request(b_->port(), "GET", "/api/rooms/r1").status == 200;
    })) << "the room made on node A is open on node B";
  }

  std::unique_ptr<ServerProcess> start_node() {
    return std::make_unique<ServerProcess>(
        std::vector<std::string>{"--chat-tick-ms", "20", "--redis", redis_->url()});
  }

  static std::unique_ptr<WsClient> join(const ServerProcess& node, const std::string& query = "") {
    auto c = WsClient::connect(node.port(), "/ws/rooms/r1" + (query.empty() ? "" : "?" + query));
    EXPECT_TRUE(c);
    return c;
  }

  // Waits (with a deadline) until `check` holds.
  template <class F>
  static bool until(F check, std::chrono::seconds deadline = 30s) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!check()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  static auto online_is(std::int64_t n) {
    return [n](const json::object& e) {
      return e.at("type") == "online" && e.at("count").to_number<std::int64_t>() == n;
    };
  }

  static json::object health(const ServerProcess& node) {
    auto res = http_request(node.port(), "GET", "/healthz");
    EXPECT_EQ(res.status, 200);
    return res.json().as_object();
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<ServerProcess> a_, b_;
  json::object room_;
};

TEST_F(ClusterTest, ViewersOnTwoNodesChatAndSeeEachOtherAndTheWholeRoomsCount) {
  auto amy = join(*a_, "nick=amy");
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(amy && bob);
  EXPECT_TRUE(amy->wait_for(online_is(2))) << "node A counts node B's viewer";
  EXPECT_TRUE(bob->wait_for(online_is(2)));

  ASSERT_TRUE(amy->send_json(chat_msg("A 节点的消息")));
  ASSERT_TRUE(bob->send_json(chat_msg("message from B")));
  auto on_b = bob->wait_for(is_chat("A 节点的消息"));
  auto on_a = amy->wait_for(is_chat("message from B"));
  ASSERT_TRUE(on_a && on_b);
  EXPECT_EQ(on_b->at("user").at("nick"), "amy");
  EXPECT_NE(on_a->at("id"), on_b->at("id")) << "message ids are unique room-wide";

  // A late joiner on either node gets both messages in its history.
  auto late = join(*b_);
  const auto& history = late->welcome().at("history").as_array();
  std::set<std::string> texts;
  for (const auto& h : history) texts.insert(std::string(h.at("text").as_string()));
  EXPECT_TRUE(texts.contains("A 节点的消息") && texts.contains("message from B"));

  // Likes add up room-wide.
  ASSERT_TRUE(bob->send_json({{"type", "like"}, {"count", 5}}));
  EXPECT_TRUE(amy->wait_for(
      [](const json::object& e) { return e.at("type") == "likes" && e.at("total") == 5; }));

  // A viewer leaving node B leaves node A's count too.
  late.reset();
  bob.reset();
  EXPECT_TRUE(amy->wait_for(online_is(1)));
}

TEST_F(ClusterTest, ANodeStartedLaterWelcomesItsViewersWithTheRoomsHistory) {
  auto amy = join(*a_, "nick=amy");
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(amy->send_json(chat_msg("第一条")));
  // Seen on node B before bob answers: his message is the later one room-wide (two sent on
  // different nodes before either was heard on the other are in the order of the nodes' tags).
  ASSERT_TRUE(bob->wait_for(is_chat("第一条")));
  ASSERT_TRUE(bob->send_json(chat_msg("second")));
  ASSERT_TRUE(amy->wait_for(is_chat("second")));

  auto c = start_node();
  ASSERT_TRUE(until([&] {
    auto late = WsClient::connect(c->port(), "/ws/rooms/r1");
    if (!late) return false;
    std::vector<std::string> texts;
    for (const auto& h : late->welcome().at("history").as_array())
      texts.emplace_back(h.at("text").as_string());
    return texts == std::vector<std::string>{"第一条", "second"};
  })) << "node C asked the others for the history, oldest first";
}

TEST_F(ClusterTest, KeysWorkOnEveryNodeAndModerationReachesBoth) {
  std::string host_key(room_.at("host_key").as_string());
  auto host = join(*b_, "token=" + host_key);  // made on A, used on B: the nodes share the secret
  ASSERT_TRUE(host);
  EXPECT_EQ(host->welcome().at("you").at("role"), "host");
  auto amy = join(*a_, "nick=amy");
  auto watcher = join(*a_);
  std::string amy_id(amy->welcome().at("you").at("id").as_string());
  std::string amy_token(amy->welcome().at("token").as_string());
  ASSERT_TRUE(host->wait_for(online_is(3)));

  ASSERT_TRUE(amy->send_json(chat_msg("spam")));
  auto spam = host->wait_for(is_chat("spam"));
  ASSERT_TRUE(spam);
  ASSERT_TRUE(host->send_json({{"type", "delete"}, {"id", spam->at("id")}}));
  EXPECT_TRUE(watcher->wait_for([&](const json::object& e) {
    return e.at("type") == "delete" && e.at("id") == spam->at("id");
  })) << "a deletion on node B reaches node A's viewers";

  ASSERT_TRUE(host->send_json({{"type", "ban"}, {"user", amy_id}}));
  EXPECT_TRUE(amy->wait_for(is_error("banned"))) << "a ban on node B puts the user out on node A";
  EXPECT_EQ(amy->wait_closed(), 1008);
  // Stored and shared: refused again on either node.
  ASSERT_TRUE(until([&] {
    auto again = WsClient::connect(a_->port(), "/ws/rooms/r1?token=" + amy_token);
    return again && again->wait_for(is_error("banned"), 2s).has_value();
  }));
  auto history = join(*a_)->welcome().at("history").as_array();
  for (const auto& h : history)
    EXPECT_NE(h.at("text"), "spam") << "deleted from node A's history too";
}

TEST_F(ClusterTest, RoomClosedOnOneNodeIsClosedOnTheOther) {
  auto bob = join(*b_);
  auto res = http_request(a_->port(), "POST", "/api/rooms/r1/close", "", kAdminToken);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_TRUE(bob->wait_for([](const json::object& e) { return e.at("type") == "room_closed"; }));
  ASSERT_TRUE(until([&] {
    auto v = http_request(b_->port(), "GET", "/api/rooms/r1");
    return v.status == 200 && v.json().at("status") == "closed";
  }));
}

TEST_F(ClusterTest, WhileRedisIsDownChatGoesOnWithinANodeAndHealthzSaysSo) {
  EXPECT_EQ(health(*a_).at("status"), "ok");
  EXPECT_EQ(health(*a_).at("redis").at("up"), true);
  auto amy = join(*a_, "nick=amy");
  auto ann = join(*a_, "nick=ann");
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(bob->wait_for(online_is(3)));

  redis_->stop();
  ASSERT_TRUE(until([&] { return health(*a_).at("status") == "degraded"; }));
  auto h = health(*a_);
  EXPECT_EQ(h.at("redis").at("up"), false);
  EXPECT_FALSE(h.at("redis").at("error").as_string().empty());
  ASSERT_TRUE(amy->send_json(chat_msg("still here")));
  EXPECT_TRUE(ann->wait_for(is_chat("still here"))) << "chat goes on within the node";

  redis_->start();
  ASSERT_TRUE(
      until([&] { return health(*a_).at("status") == "ok" && health(*b_).at("status") == "ok"; }));
  // Pub/sub keeps nothing: a batch sent on a connection Redis dropped a moment ago is lost (the
  // node finds out on that send and connects again), so recovery is the next one getting across.
  bool crossed = false;
  for (int i = 0; i < 5 && !crossed; ++i) {
    ASSERT_TRUE(bob->send_json(chat_msg("back again")));
    crossed = amy->wait_for(is_chat("back again"), 3s).has_value();
  }
  EXPECT_TRUE(crossed) << "across nodes again once Redis is back";
}

TEST_F(ClusterTest, AKilledNodesViewersLeaveTheCountAndGarbageIsIgnored) {
  auto amy = join(*a_);
  auto bob = join(*b_);
  ASSERT_TRUE(amy->wait_for(online_is(2)));
  // Not a batch, a batch with the wrong types, another node's unknown room: counted and ignored.
  for (const char* junk :
       {"not json", R"({"node":"x","online":"many"})", R"({"node":7})", "\xff\xfe"})
    EXPECT_EQ(redis_->cli({"PUBLISH", "lc:room:r1", junk}), "2\n") << "both nodes got it";
  EXPECT_EQ(redis_->cli({"PUBLISH", "lc:rooms:changed", "{]"}), "2\n");
  ASSERT_TRUE(
      until([&] { return metric_value(a_->port(), "livecart_cluster_bad_messages_total") >= 5; }));
  ASSERT_TRUE(amy->send_json(chat_msg("after the junk")));
  EXPECT_TRUE(bob->wait_for(is_chat("after the junk")));

  b_->signal(SIGKILL);
  b_->wait_exit();
  EXPECT_TRUE(amy->wait_for(online_is(1), 20s)) << "a node not heard of for 5 s is forgotten";
}

// Live state, mutes and mic-link across nodes: the room's stream is live on node A (an ffmpeg
// encoder publishing there, as operators route a room's media to one node).
class ClusterLiveTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    dir_ = make_temp_dir();
  }
  void TearDown() override {
    encoder_.reset();
    std::filesystem::remove_all(dir_);
  }

  // ffmpeg inherits the test's open sockets: connections a test closes are opened after this.
  void start_encoder(const ServerProcess& node) {
    std::string url = "rtmp://127.0.0.1:" + std::to_string(node.rtmp_port()) +
                      "/live/r1?key=" + std::string(room_.at("stream_key").as_string());
    encoder_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f",
                                 "lavfi", "-i", "testsrc2=size=320x180:rate=15", "-t", "120",
                                 "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                                 "-g", "15", "-pix_fmt", "yuv420p", "-f", "flv", url},
        dir_ + "/ffmpeg.log");
  }
  // bob and cat ask for mic-link, and the host accepts bob: bob on camera, cat waiting.
  static void bob_on_camera_cat_waiting(WsClient& host, WsClient& bob, WsClient& cat) {
    ASSERT_TRUE(bob.send_json({{"type", "mic_request"}}));
    ASSERT_TRUE(bob.wait_type("mic_queued"));
    ASSERT_TRUE(cat.send_json({{"type", "mic_request"}}));
    ASSERT_TRUE(cat.wait_type("mic_queued"));
    ASSERT_TRUE(host.send_json(
        {{"type", "mic_accept"}, {"user", std::string(bob.welcome().at("you").at("id").as_string())}}));
    ASSERT_TRUE(bob.wait_type("mic_accepted"));
  }
  static auto stream_is(bool live) {
    return [live](const json::object& e) { return e.at("type") == "stream" && e.at("live") == live; };
  }

  std::string dir_;
  std::unique_ptr<ChildProcess> encoder_;
};

TEST_F(ClusterLiveTest, AStreamLiveOnOneNodeIsLiveForViewersOfEveryNode) {
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->welcome().at("room").at("live"), false);
  start_encoder(*a_);
  ASSERT_TRUE(bob->wait_for(stream_is(true), 60s)) << "node B's viewer hears node A went live";
  auto late = join(*b_, "nick=late");
  EXPECT_EQ(late->welcome().at("room").at("live"), true) << "and so does a later welcome";
  EXPECT_EQ(http_request(b_->port(), "GET", "/api/rooms/r1").json().at("live"), true);

  encoder_->kill(SIGKILL);
  EXPECT_TRUE(bob->wait_for(stream_is(false), 30s)) << "the encoder stopped on node A";
  EXPECT_TRUE(late->wait_for(stream_is(false), 30s));
}

TEST_F(ClusterLiveTest, ANodeStartedLaterLearnsTheStreamIsLiveAndALiveNodeThatDiesEndsIt) {
  start_encoder(*a_);
  auto amy = join(*a_);
  ASSERT_TRUE(amy->wait_for(stream_is(true), 60s));
  auto c = start_node();
  std::unique_ptr<WsClient> carol;
  ASSERT_TRUE(until([&] {
    carol = WsClient::connect(c->port(), "/ws/rooms/r1");
    return carol && carol->welcome().at("room").at("live") == true;
  })) << "within a heartbeat of node A";

  a_->signal(SIGKILL);
  a_->wait_exit();
  EXPECT_TRUE(carol->wait_for(stream_is(false), 20s)) << "a live node not heard of for 5 s ended";
}

TEST_F(ClusterTest, AMuteOnOneNodeSilencesTheUserOnEveryNodeUntilUnmuted) {
  auto host = join(*a_, "token=" + std::string(room_.at("host_key").as_string()));
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(host && bob);
  std::string bob_id(bob->welcome().at("you").at("id").as_string());
  ASSERT_TRUE(host->send_json({{"type", "mute"}, {"user", bob_id}, {"seconds", 600}}));
  ASSERT_TRUE(host->wait_type("ack"));
  // The mute travels in node A's batch before this message: once bob has it, node B has the mute.
  ASSERT_TRUE(host->send_json(chat_msg("after the mute")));
  ASSERT_TRUE(bob->wait_for(is_chat("after the mute")));
  ASSERT_TRUE(bob->send_json(chat_msg("let me speak")));
  auto muted = bob->wait_for(is_error("muted"));
  ASSERT_TRUE(muted) << "a mute on node A silences the user on node B";
  auto retry = muted->at("retry_after_ms").to_number<std::int64_t>();
  EXPECT_GT(retry, 590'000);
  EXPECT_LE(retry, 600'000) << "the mute ends when node A's does";

  ASSERT_TRUE(host->send_json({{"type", "unmute"}, {"user", bob_id}}));
  ASSERT_TRUE(host->wait_type("ack"));
  ASSERT_TRUE(host->send_json(chat_msg("after the unmute")));
  ASSERT_TRUE(bob->wait_for(is_chat("after the unmute")));
  ASSERT_TRUE(bob->send_json(chat_msg("thank you")));
  EXPECT_TRUE(host->wait_for(is_chat("thank you"))) << "unmuted on node B too";
}

TEST_F(ClusterLiveTest, AViewerOnTheOtherNodeGoesOnCameraAndOffWhenItDisconnects) {
  auto host = join(*a_, "token=" + std::string(room_.at("host_key").as_string()));
  auto ann = join(*a_, "nick=ann");
  auto watcher = join(*b_, "nick=watcher");
  ASSERT_TRUE(host && ann && watcher);
  start_encoder(*a_);
  ASSERT_TRUE(watcher->wait_for(stream_is(true), 60s));
  auto bob = join(*b_, "nick=bob");  // after ffmpeg started: closing it here closes it
  ASSERT_TRUE(bob);
  std::string bob_id(bob->welcome().at("you").at("id").as_string());

  ASSERT_TRUE(bob->send_json({{"type", "mic_request"}}));
  auto queued = bob->wait_type("mic_queued");
  ASSERT_TRUE(queued) << "node A answers through node B";
  EXPECT_EQ(queued->at("position"), 1);
  auto queue = host->wait_type("mic_queue");
  ASSERT_TRUE(queue);
  ASSERT_EQ(queue->at("queue").as_array().size(), 1u);
  EXPECT_EQ(queue->at("queue").as_array()[0].at("nick"), "bob");

  ASSERT_TRUE(host->send_json({{"type", "mic_accept"}, {"user", bob_id}}));
  auto accepted = bob->wait_type("mic_accepted");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->at("slot"), 1);
  EXPECT_EQ(accepted->at("whip_url"), "/whip/r1");
  std::string token(accepted->at("token").as_string());
  EXPECT_EQ(http_request(b_->port(), "GET", "/api/rooms/r1/orders", "", token).status, 200)
      << "the guest token of node A works on node B";
  for (auto* c : {host.get(), ann.get(), watcher.get(), bob.get()}) {
    auto on_camera = c->wait_type("mic_guests");
    ASSERT_TRUE(on_camera) << "every member of both nodes sees who is on camera";
    ASSERT_EQ(on_camera->at("guests").as_array().size(), 1u);
    EXPECT_EQ(on_camera->at("started").at("nick"), "bob");
  }
  auto late = join(*b_, "nick=late");
  EXPECT_EQ(late->welcome().at("mic_link").at("guests").as_array().size(), 1u);

  bob.reset();
  for (auto* c : {host.get(), watcher.get()}) {
    auto off = c->wait_for(
        [](const json::object& e) { return e.at("type") == "mic_guests" && e.contains("ended"); });
    ASSERT_TRUE(off) << "node B told node A the guest's connection closed";
    EXPECT_EQ(off->at("ended").at("reason"), "disconnected");
    EXPECT_TRUE(off->at("guests").as_array().empty());
  }
}

TEST_F(ClusterLiveTest, ALaterNodeLearnsWhoIsOnCameraAndWhenTheLiveNodeDiesTheOthersEndItsLinks) {
  auto watcher = join(*b_, "nick=watcher");
  start_encoder(*a_);
  ASSERT_TRUE(watcher->wait_for(stream_is(true), 60s));
  auto host = join(*a_, "token=" + std::string(room_.at("host_key").as_string()));
  auto bob = join(*b_, "nick=bob");
  auto cat = join(*b_, "nick=cat");
  ASSERT_NO_FATAL_FAILURE(bob_on_camera_cat_waiting(*host, *bob, *cat));
  ASSERT_TRUE(watcher->wait_type("mic_guests"));
  // Started now (it keeps the test's sockets open, which no step below closes).
  auto c = start_node();
  ASSERT_TRUE(until([&] {
    auto on_c = WsClient::connect(c->port(), "/ws/rooms/r1");
    return on_c && on_c->welcome().at("mic_link").at("guests").as_array().size() == 1;
  })) << "a node started later learns who is on camera from node A's heartbeat";

  a_->signal(SIGKILL);
  a_->wait_exit();
  auto ended = bob->wait_type("mic_ended", 20s);
  ASSERT_TRUE(ended) << "node B ends what node A can no longer end";
  EXPECT_EQ(ended->at("reason"), "stream_ended");
  auto declined = cat->wait_type("mic_declined", 20s);
  ASSERT_TRUE(declined);
  EXPECT_EQ(declined->at("reason"), "stream_ended");
  auto off = watcher->wait_type("mic_guests", 20s);
  ASSERT_TRUE(off);
  EXPECT_TRUE(off->at("guests").as_array().empty());
  EXPECT_EQ(off->at("ended").at("reason"), "stream_ended");
  EXPECT_TRUE(watcher->wait_for(stream_is(false), 20s));
}

TEST_F(ClusterLiveTest, WhenANodeWithAGuestAndAnAskerDiesTheLiveNodeEndsBoth) {
  auto host = join(*a_, "token=" + std::string(room_.at("host_key").as_string()));
  auto ann = join(*a_, "nick=ann");
  start_encoder(*a_);
  ASSERT_TRUE(ann->wait_for(stream_is(true), 60s));
  auto bob = join(*b_, "nick=bob");  // after ffmpeg started: node B's death closes them
  auto cat = join(*b_, "nick=cat");
  ASSERT_NO_FATAL_FAILURE(bob_on_camera_cat_waiting(*host, *bob, *cat));
  ASSERT_TRUE(ann->wait_type("mic_guests"));
  ASSERT_TRUE(host->wait_for([](const json::object& e) {
    return e.at("type") == "mic_queue" && e.at("queue").as_array().size() == 1 &&
           e.at("guests").as_array().size() == 1;
  })) << "the host sees cat waiting and bob on camera";

  b_->signal(SIGKILL);
  b_->wait_exit();
  // Not heard of for 5 s, node B is forgotten: its guest's link ends as a closed connection's
  // would, and its member's request leaves the queue.
  auto off = ann->wait_for(
      [](const json::object& e) { return e.at("type") == "mic_guests" && e.contains("ended"); },
      20s);
  ASSERT_TRUE(off) << "node A ends the link of node B's guest";
  EXPECT_EQ(off->at("ended").at("reason"), "disconnected");
  EXPECT_TRUE(off->at("guests").as_array().empty());
  EXPECT_TRUE(host->wait_for(
      [](const json::object& e) {
        return e.at("type") == "mic_queue" && e.at("queue").as_array().empty() &&
               e.at("guests").as_array().empty();
      },
      20s))
      << "and cat's request leaves the host's queue";
  EXPECT_TRUE(ann->wait_for(online_is(2), 20s)) << "the host and ann";
}

TEST_F(ClusterTest, GarbageMicLinkPartsAreCountedAndIgnored) {
  auto amy = join(*a_);
  auto bob = join(*b_);
  ASSERT_TRUE(amy->wait_for(online_is(2)));
  auto before = metric_value(a_->port(), "livecart_cluster_bad_messages_total").value_or(0);
  for (
      const char* junk : {
          R"({"node":"x","online":5,"mic":{}})",
          R"({"node":"x","online":5,"mic":[{"op":"dance"}]})",
          R"({"node":"x","online":5,"mic":[{"op":"reply","to":"y","member":1}]})",
          R"({"node":"x","online":5,"mic":[{"op":"end","to":"y","member":1,"who":{"user_id":"h","nick":"h","role":"host"},"slot":1,"user":"v"}]})",
      })
    EXPECT_EQ(redis_->cli({"PUBLISH", "lc:room:r1", junk}), "2\n");
  ASSERT_TRUE(until([&] {
    return metric_value(a_->port(), "livecart_cluster_bad_messages_total") >= before + 4;
  }));
  ASSERT_TRUE(amy->send_json(chat_msg("after the mic junk")));
  EXPECT_TRUE(bob->wait_for(is_chat("after the mic junk")));
  EXPECT_EQ(http_request(a_->port(), "GET", "/api/rooms/r1").json().at("online"), 2)
      << "a refused batch is ignored whole: node x was never heard of";
}

// Commerce on Redis: the shop is the cluster's, whichever node a buyer reaches.
class ClusterShopTest : public ClusterTest {
 protected:
  void SetUp() override {
    ClusterTest::SetUp();
    host_key_ = std::string(room_.at("host_key").as_string());
  }
  HttpResult buy(const ServerProcess& node, const std::string& sku, const std::string& key,
                 std::int64_t quantity = 1) {
    return http_request(node.port(), "POST", "/api/rooms/r1/orders",
                        json::serialize(json::object{{"sku", sku}, {"quantity", quantity}}),
                        kAdminToken, 10s, {{"Idempotency-Key", key}});
  }
  std::int64_t stock_of(const ServerProcess& node, const std::string& sku) {
    auto shelf = http_request(node.port(), "GET", "/api/rooms/r1/shelf");
    if (shelf.status != 200) return -1;
    auto body = shelf.json();
    for (const auto& p : body.at("products").as_array())
      if (p.at("sku") == sku.c_str()) return p.at("stock").as_int64();
    return -1;
  }
  void add_product(const ServerProcess& node, const std::string& sku, std::int64_t stock) {
    auto res = http_request(
        node.port(), "POST", "/api/rooms/r1/products",
        json::serialize(json::object{
            {"sku", sku}, {"title", "低钠酱油"}, {"price_cents", 1990}, {"stock", stock}}),
        host_key_);
    ASSERT_EQ(res.status, 201) << res.body;
  }
  // Every order of the room, as node `node` lists them: id → quantity.
  std::map<std::int64_t, std::int64_t> all_orders(const ServerProcess& node) {
    std::map<std::int64_t, std::int64_t> out;
    std::string before;
    for (;;) {
      auto res = http_request(node.port(), "GET", "/api/rooms/r1/orders?limit=200" + before, "",
                              host_key_);
      EXPECT_EQ(res.status, 200) << res.body;
      if (res.status != 200) return out;
      auto page = res.json();
      for (const auto& o : page.at("orders").as_array())
        out[o.at("id").as_int64()] = o.at("quantity").as_int64();
      if (page.at("next_before").is_null()) return out;
      before = "&before=" + std::to_string(page.at("next_before").as_int64());
    }
  }
  std::string host_key_;
};

TEST_F(ClusterShopTest, BuyersOnBothNodesSellExactlyTheStockAndEveryViewerSeesIt) {
  add_product(*a_, "soy", 37);
  auto watcher = join(*b_);  // a viewer on the other node sees the stock fall
  std::atomic<int> ok{0}, sold_out{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      const ServerProcess& node = t % 2 ? *b_ : *a_;
      for (int i = 0; i < 12; ++i) {
        auto r = buy(node, "soy", "k-" + std::to_string(t) + "-" + std::to_string(i));
        if (r.status == 201)
          ++ok;
        else if (r.status == 409 && r.json().at("error").at("code") == "sold_out")
          ++sold_out;
        else
          ++other;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 37);
  EXPECT_EQ(sold_out, 8 * 12 - 37);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(stock_of(*a_, "soy"), 0);
  EXPECT_EQ(stock_of(*b_, "soy"), 0);
  EXPECT_EQ(all_orders(*a_).size(), 37u);
  EXPECT_EQ(all_orders(*b_).size(), 37u);
  EXPECT_TRUE(watcher->wait_for([](const json::object& e) {
    return e.at("type") == "stock" && e.at("sku") == "soy" && e.at("stock") == 0;
  })) << "node B's viewer hears the stock of purchases made on node A";
  // One key sent to both nodes: one order.
  add_product(*a_, "oats", 10);
  auto first = buy(*a_, "oats", "same-key");
  auto again = buy(*b_, "oats", "same-key");
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("order").at("id"), first.json().at("order").at("id"));
  EXPECT_EQ(stock_of(*b_, "oats"), 9);
}

TEST_F(ClusterShopTest, ANodeKilledMidSaleLosesNoAcknowledgedOrder) {
  constexpr std::int64_t kStock = 100000;
  add_product(*a_, "soy", kStock);
  std::mutex m;
  std::map<std::string, std::int64_t> acknowledged;  // key → order id
  std::atomic<bool> stop{false};
  std::atomic<int> acks{0};
  std::vector<std::thread> buyers;
  for (int t = 0; t < 6; ++t)
    buyers.emplace_back([&, t] {
      const ServerProcess& node = t % 2 ? *b_ : *a_;
      for (int i = 0; !stop; ++i) {
        std::string key = "sk-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = buy(node, "soy", key, 1 + i % 3);
        if (r.status != 201) break;  // node A is gone (its buyers stop), or the test is over
        std::lock_guard lock(m);
        acknowledged[key] = r.json().at("order").at("id").as_int64();
        ++acks;
      }
    });
  ASSERT_TRUE(until([&] { return acks >= 150; }, 60s));
  a_->signal(SIGKILL);
  a_->wait_exit();
  ASSERT_TRUE(until([&] { return acks >= 250; }, 60s)) << "node B sells on";
  stop = true;
  for (auto& b : buyers) b.join();
  auto stored = all_orders(*b_);
  std::int64_t units = 0;
  for (const auto& [id, quantity] : stored) units += quantity;
  for (const auto& [key, id] : acknowledged)
    EXPECT_TRUE(stored.contains(id)) << "acknowledged order " << id << " lost";
  EXPECT_EQ(units + stock_of(*b_, "soy"), kStock) << "orders plus stock equal the starting stock";
}

TEST_F(ClusterShopTest, RedisRestartedMidSaleNeverOversellsAndAnswersUnavailableMeanwhile) {
  add_product(*a_, "soy", 60);
  std::atomic<int> ok{0}, unavailable{0}, sold_out{0}, other{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> buyers;
  for (int t = 0; t < 4; ++t)
    buyers.emplace_back([&, t] {
      const ServerProcess& node = t % 2 ? *b_ : *a_;
      for (int i = 0; !stop; ++i) {
        auto r = buy(node, "soy", "rk-" + std::to_string(t) + "-" + std::to_string(i));
        if (r.status == 201)
          ++ok;
        else if (r.status == 503 && r.json().at("error").at("code") == "unavailable")
          ++unavailable;
        else if (r.status == 409 && r.json().at("error").at("code") == "sold_out")
          ++sold_out;
        else
          ++other;
      }
    });
  ASSERT_TRUE(until([&] { return ok >= 10; }));
  redis_->stop();
  ASSERT_TRUE(until([&] { return unavailable >= 4; }))
      << "purchases fail fast and clearly while Redis is down";
  redis_->start();
  ASSERT_TRUE(until([&] { return sold_out >= 4; }, 60s))
      << "selling again after Redis is back, to the end of the stock";
  stop = true;
  for (auto& b : buyers) b.join();
  EXPECT_EQ(other, 0);
  auto orders = all_orders(*a_);
  EXPECT_EQ(static_cast<int>(orders.size()), 60) << "exactly the stock, never more";
  EXPECT_LE(ok, 60) << "an acknowledged purchase is one of the orders";
  EXPECT_EQ(stock_of(*b_, "soy"), 0);
}

// Analytics: every node's dashboard counts the whole room's audience, whichever node each
// viewer is on; a node started later learns who is already there; a dead node's viewers leave.
class ClusterAnalyticsTest : public ClusterShopTest {
 protected:
  std::unique_ptr<WsClient> dashboard(const ServerProcess& node) {
    auto d = WsClient::connect(node.port(), "/ws/rooms/r1/dashboard?token=" +
                                                std::string(room_.at("operator_key").as_string()));
    EXPECT_TRUE(d);
    return d;
  }
  // The broadcast funnel's viewers at each step: enter, impression, click, order, paid.
  static std::vector<std::int64_t> funnel(const json::object& s) {
    std::vector<std::int64_t> out;
    for (const auto& step : s.at("windows").at("broadcast").at("funnel").as_array())
      out.push_back(step.at("viewers").as_int64());
    return out;
  }
  static auto snapshot_where(std::function<bool(const json::object&)> pred) {
    return [pred = std::move(pred)](const json::object& e) {
      return e.at("type") == "snapshot" && pred(e);
    };
  }
};

TEST_F(ClusterAnalyticsTest, EveryNodesDashboardCountsTheWholeRoomsAudience) {
  add_product(*a_, "soy", 10);
  auto on_a = dashboard(*a_);
  auto on_b = dashboard(*b_);
  auto amy = join(*a_, "nick=amy");
  auto bob = join(*b_, "nick=bob");
  ASSERT_TRUE(amy && bob && on_a && on_b);
  ASSERT_TRUE(until([&] { return stock_of(*b_, "soy") == 10; }));
  // Both see the card, bob (on node B) opens it and buys it.
  ASSERT_TRUE(amy->send_json({{"type", "impression"}, {"sku", "soy"}}));
  ASSERT_TRUE(bob->send_json({{"type", "impression"}, {"sku", "soy"}}));
  ASSERT_TRUE(bob->send_json({{"type", "click"}, {"sku", "soy"}}));
  ASSERT_TRUE(bob->send_json({{"type", "buy"}, {"sku", "soy"}, {"quantity", 1}, {"key", "k1"}}));
  auto bought = bob->wait_type("order_result");
  ASSERT_TRUE(bought);
  ASSERT_EQ(bought->at("outcome"), "ok") << json::serialize(*bought);

  const std::vector<std::int64_t> whole_room{2, 2, 1, 1, 1};
  for (auto* d : {on_a.get(), on_b.get()}) {
    auto s = d->wait_for(snapshot_where([&](const json::object& s) {
      return s.at("online") == 2 && funnel(s) == whole_room &&
             s.at("windows").at("broadcast").at("gmv_cents") == 1990;
    }));
    ASSERT_TRUE(s) << "each node's dashboard shows both nodes' viewers";
    EXPECT_EQ(s->at("dropped_events").at("not_in_room"), 0) << json::serialize(*s);
  }

  // A suggestion an operator's model posts to node A shows on node B's dashboard too.
  auto posted = http_request(a_->port(), "POST", "/api/rooms/r1/suggestions",
                             R"({"source":"my-llm","message":"讲一讲酱油怎么酿","key":"brew"})",
                             std::string(room_.at("operator_key").as_string()));
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_TRUE(on_b->wait_for([](const json::object& e) {
    return e.at("type") == "suggestion" && e.at("suggestion").at("source") == "my-llm";
  }));

  // A node started now: its dashboard shows the viewers who came before it.
  auto c = start_node();
  ASSERT_TRUE(until([&] { return http_request(c->port(), "GET", "/api/rooms/r1").status == 200; }));
  auto on_c = dashboard(*c);
  ASSERT_TRUE(on_c);
  EXPECT_TRUE(
      on_c->wait_for(snapshot_where([](const json::object& s) { return s.at("online") == 2; })))
      << "node C asked the others who is there";

  // Garbage on the audience channel: counted by every node, and nothing else changes.
  for (const char* junk : {"not json", R"({"node":"x","seq":"one"})",
                           R"({"node":"x","seq":1,"events":[["enter"]]})", "\xff"})
    EXPECT_EQ(redis_->cli({"PUBLISH", "lc:audience:r1", junk}), "3\n");
  // A posted suggestion off the channel is held to what the API takes ('livecart' is refused).
  EXPECT_EQ(redis_->cli({"PUBLISH", "lc:suggestions:r1",
                         R"({"node":"x","post":{"source":"livecart","message":"假的"}})"}),
            "3\n");
  ASSERT_TRUE(
      until([&] { return metric_value(a_->port(), "livecart_cluster_bad_messages_total") >= 5; }));

  // Node B dies: its viewer leaves the other nodes' counts.
  b_->signal(SIGKILL);
  b_->wait_exit();
  for (auto* d : {on_a.get(), on_c.get()})
    EXPECT_TRUE(d->wait_for(
        snapshot_where([](const json::object& s) { return s.at("online") == 1; }), 20s));
}

}  // namespace
}  // namespace testing_support
