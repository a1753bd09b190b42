// Mic-link (连麦) over real WebSockets against the real server, with an ffmpeg encoder putting
// the room on air: request → the host sees the nickname → accept (slot, guest token, WHIP URL)
// → the room sees who is on camera → end; decline, cancel, leave, disconnect; every bad input
// answered with an error on a session that keeps working; the guest limit.
#include <filesystem>

#include "fixture.hpp"
#include "support/child_process.hpp"

namespace testing_support {
namespace {

class MicLinkTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    room_ = create_room("r1");
    host_key_ = std::string(room_.at("host_key").as_string());
    dir_ = make_temp_dir();
  }
  void TearDown() override {
    encoder_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A small test picture published over RTMP; returns once `watcher` hears the stream is live.
  // ffmpeg inherits the test's open sockets: connections a test closes are opened after this.
  void go_live(WsClient& watcher) {
    std::string url = "rtmp://127.0.0.1:" + std::to_string(server_->rtmp_port()) +
                      "/live/r1?key=" + std::string(room_.at("stream_key").as_string());
    encoder_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"ffmpeg",  "-hide_banner", "-loglevel",
                                 "error",   "-re",          "-f",
                                 "lavfi",   "-i",           "testsrc2=size=320x180:rate=15",
                                 "-t",      "120",          "-c:v",
                                 "libx264", "-preset",      "ultrafast",
                                 "-tune",   "zerolatency",  "-g",
                                 "15",      "-pix_fmt",     "yuv420p",
                                 "-f",      "flv",          url},
        dir_ + "/ffmpeg.log");
    auto live = watcher.wait_for(
        [](const json::object& e) { return e.at("type") == "stream" && e.at("live") == true; },
        std::chrono::seconds(60));
    ASSERT_TRUE(live) << "the room never went live";
  }

  std::unique_ptr<WsClient> host() { return join("r1", "token=" + host_key_); }
  std::unique_ptr<WsClient> viewer(const std::string& nick) { return join("r1", "nick=" + nick); }
  static std::string id_of(const WsClient& c) {
    return std::string(c.welcome().at("you").at("id").as_string());
  }
  static json::object msg(const std::string& type) { return {{"type", type}}; }
  template <class V>
  static json::object msg(const std::string& type, const std::string& key, V&& v) {
    json::object o{{"type", type}};
    o[key] = json::value_from(std::forward<V>(v));
    return o;
  }
  // The staff's next queue update; its nicknames in order.
  static std::vector<std::string> next_queue(WsClient& staff) {
    auto q = staff.wait_type("mic_queue");
    std::vector<std::string> nicks;
    if (!q) return {"(no mic_queue)"};
    for (const auto& e : q->at("queue").as_array()) nicks.emplace_back(e.at("nick").as_string());
    return nicks;
  }
  static std::string error_code_of(WsClient& c) {
    auto e = c.wait_type("error");
    return e ? std::string(e->at("code").as_string()) : "(no error)";
  }
  // The session still works: a chat message comes back.
  static void still_works(WsClient& c, const std::string& text) {
    ASSERT_TRUE(c.send_json(chat_msg(text)));
    EXPECT_TRUE(c.wait_for(is_chat(text))) << "the session stopped working";
  }

  json::object room_;
  std::string host_key_;
  std::string dir_;
  std::unique_ptr<ChildProcess> encoder_;
};

TEST_F(MicLinkTest, RequestAcceptAndEndReachTheViewerTheHostAndTheRoom) {
  auto h = host();
  auto a = viewer("xiaowang");
  auto b = viewer("bystander");
  ASSERT_TRUE(h && a && b);
  EXPECT_EQ(h->welcome().at("mic_link").at("max_guests"), 1);
  go_live(*a);

  ASSERT_TRUE(a->send_json(msg("mic_request")));
  auto queued = a->wait_type("mic_queued");
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->at("position"), 1);
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"xiaowang"});

  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*a))));
  auto accepted = a->wait_type("mic_accepted");
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->at("slot"), 1);
  EXPECT_EQ(accepted->at("whip_url"), "/whip/r1");
  std::string token(accepted->at("token").as_string());
  // The guest token is the viewer's, of this room only: it may read its own orders, not the keys.
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/orders", "", token).status, 200);
  EXPECT_EQ(http_request(port(), "GET", "/api/rooms/r1/keys", "", token).status, 403);

  for (auto* c : {h.get(), b.get()}) {
    auto on_camera = c->wait_type("mic_guests");
    ASSERT_TRUE(on_camera);
    ASSERT_EQ(on_camera->at("guests").as_array().size(), 1u);
    EXPECT_EQ(on_camera->at("guests").as_array()[0].at("nick"), "xiaowang");
    EXPECT_EQ(on_camera->at("started").at("slot"), 1);
  }
  // A newcomer's welcome says who is on camera.
  auto late = viewer("late");
  ASSERT_TRUE(late);
  EXPECT_EQ(late->welcome().at("mic_link").at("guests").as_array().size(), 1u);

  ASSERT_TRUE(h->send_json(msg("mic_end", "slot", 1)));
  auto ended = a->wait_type("mic_ended");
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->at("reason"), "host_ended");
  auto off = b->wait_type("mic_guests");
  ASSERT_TRUE(off);
  EXPECT_TRUE(off->at("guests").as_array().empty());
  EXPECT_EQ(off->at("ended").at("reason"), "host_ended");

  // Analytics counted the link (MicLinkStart, MicLinkEnd).
  auto stats = http_request(port(), "GET", "/api/rooms/r1/stats", "", host_key_);
  ASSERT_EQ(stats.status, 200);
  EXPECT_EQ(stats.json().at("mic_links").at("total"), 1);
  EXPECT_EQ(stats.json().at("mic_links").at("active"), 0);
}

TEST_F(MicLinkTest, DeclineCancelLeaveAndDisconnect) {
  auto watcher = viewer("watcher");
  ASSERT_TRUE(watcher);
  go_live(*watcher);
  auto h = host();
  auto a = viewer("a");
  auto b = viewer("b");
  ASSERT_TRUE(h && a && b);

  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"a"});
  ASSERT_TRUE(h->send_json(msg("mic_decline", "user", id_of(*a))));
  auto declined = a->wait_type("mic_declined");
  ASSERT_TRUE(declined);
  EXPECT_EQ(declined->at("reason"), "declined");
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{});

  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"a"});
  ASSERT_TRUE(a->send_json(msg("mic_cancel")));
  EXPECT_TRUE(a->wait_type("mic_cancelled"));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{});

  // A viewer who closes its connection while waiting leaves the queue.
  ASSERT_TRUE(b->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"b"});
  b.reset();
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{});

  // The guest leaves.
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"a"});
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*a))));
  ASSERT_TRUE(a->wait_type("mic_accepted"));
  ASSERT_TRUE(a->send_json(msg("mic_leave")));
  auto left = a->wait_type("mic_ended");
  ASSERT_TRUE(left);
  EXPECT_EQ(left->at("reason"), "left");
  auto off = h->wait_for(
      [](const json::object& e) { return e.at("type") == "mic_guests" && e.contains("ended"); });
  ASSERT_TRUE(off);
  EXPECT_EQ(off->at("ended").at("reason"), "left");

  // A guest whose connection closes is off camera.
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  ASSERT_TRUE(a->wait_type("mic_queued"));
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*a))));
  ASSERT_TRUE(a->wait_type("mic_accepted"));
  ASSERT_TRUE(h->wait_for(
      [](const json::object& e) { return e.at("type") == "mic_guests" && e.contains("started"); }));
  a.reset();
  auto gone = h->wait_for(
      [](const json::object& e) { return e.at("type") == "mic_guests" && e.contains("ended"); });
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->at("ended").at("reason"), "disconnected");
  EXPECT_TRUE(gone->at("guests").as_array().empty());
}

TEST_F(MicLinkTest, BadInputIsAnsweredAndTheSessionKeepsWorking) {
  auto h = host();
  auto a = viewer("a");
  auto b = viewer("b");
  ASSERT_TRUE(h && a && b);

  // Not live yet: requests are refused.
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(error_code_of(*a), "not_live");
  still_works(*a, "after not_live");
  go_live(*a);

  struct Case {
    WsClient* from;
    json::object message;
    std::string code;
  };
  std::vector<Case> cases{
      {h.get(), msg("mic_accept"), "bad_field"},
      {h.get(), msg("mic_accept", "user", 42), "bad_field"},
      {h.get(), msg("mic_decline", "user", json::array{}), "bad_field"},
      {h.get(), msg("mic_end"), "bad_field"},
      {h.get(), msg("mic_end", "slot", "1"), "bad_field"},
      {h.get(), msg("mic_end", "slot", 0), "bad_field"},
      {h.get(), msg("mic_end", "slot", 9), "bad_field"},
      {h.get(), msg("mic_accept", "user", "v_nobody"), "not_queued"},
      {h.get(), msg("mic_decline", "user", "v_nobody"), "not_queued"},
      {h.get(), msg("mic_end", "user", "v_nobody"), "not_guest"},
      {h.get(), msg("mic_end", "slot", 1), "not_guest"},
      {h.get(), msg("mic_request"), "forbidden"},
      {a.get(), msg("mic_accept", "user", id_of(*b)), "forbidden"},
      {a.get(), msg("mic_decline", "user", id_of(*b)), "forbidden"},
      {a.get(), msg("mic_end", "slot", 1), "forbidden"},
      {a.get(), msg("mic_cancel"), "not_queued"},
      {a.get(), msg("mic_leave"), "not_guest"},
  };
  for (auto& c : cases) {
    ASSERT_TRUE(c.from->send_json(c.message));
    EXPECT_EQ(error_code_of(*c.from), c.code) << json::serialize(c.message);
  }
  still_works(*h, "host after bad input");
  still_works(*a, "viewer after bad input");

  // Asking twice is answered, not queued twice.
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"a"});
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(error_code_of(*a), "already_queued");

  // Over the limit (one guest by default): the second accept is refused, the request waits.
  ASSERT_TRUE(b->send_json(msg("mic_request")));
  EXPECT_EQ(next_queue(*h), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*a))));
  EXPECT_EQ(next_queue(*h), std::vector<std::string>{"b"});
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*b))));
  EXPECT_EQ(error_code_of(*h), "mic_full");
  ASSERT_TRUE(a->send_json(msg("mic_request")));
  EXPECT_EQ(error_code_of(*a), "already_guest");
  still_works(*h, "host after the limit");
}

class MicLinkThreeGuestsTest : public MicLinkTest {
 protected:
  std::vector<std::string> server_args() const override { return {"--mic-link-max-guests", "3"}; }
};

TEST_F(MicLinkThreeGuestsTest, TheConfiguredLimitTakesThreeGuestsInSlotsOneToThree) {
  auto h = host();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->welcome().at("mic_link").at("max_guests"), 3);
  std::vector<std::unique_ptr<WsClient>> viewers;
  for (auto nick : {"v1", "v2", "v3", "v4"}) viewers.push_back(viewer(nick));
  go_live(*viewers[0]);
  for (auto& v : viewers) {
    ASSERT_TRUE(v->send_json(msg("mic_request")));
    ASSERT_TRUE(v->wait_type("mic_queued"));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*viewers[i]))));
    auto accepted = viewers[i]->wait_type("mic_accepted");
    ASSERT_TRUE(accepted);
    EXPECT_EQ(accepted->at("slot"), i + 1);
  }
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*viewers[3]))));
  EXPECT_EQ(error_code_of(*h), "mic_full");
  // Ending slot 2 lets the fourth in, into slot 2.
  ASSERT_TRUE(h->send_json(msg("mic_end", "slot", 2)));
  ASSERT_TRUE(viewers[1]->wait_type("mic_ended"));
  ASSERT_TRUE(h->send_json(msg("mic_accept", "user", id_of(*viewers[3]))));
  auto fourth = viewers[3]->wait_type("mic_accepted");
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->at("slot"), 2);
}

}  // namespace
}  // namespace testing_support
