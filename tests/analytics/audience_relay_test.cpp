// AudienceRelay: two or three nodes' audiences of one room, passed through the encoding as the
// cluster passes them; lost batches, late nodes and dead nodes; garbage on the channel.
#include "analytics/audience_relay.hpp"

#include <gtest/gtest.h>

#include "analytics/room_analytics.hpp"

namespace analytics {
namespace {

// One node: its relay and its analytics, fed the way the server feeds them.
struct Node {
  explicit Node(std::string id) : id(std::move(id)), relay(this->id), analytics(dictionary, 0) {}

  void here(const Event& e) {
    if (analytics.record(e, now) == Drop::none) relay.local(e);
  }
  // What goes on the channel: the encoded batch.
  std::string send() { return encode_audience(id, relay.next_batch()); }
  void hear(const std::string& payload) {
    std::string from, error;
    auto batch = decode_audience(payload, from, error);
    ASSERT_TRUE(batch) << error;
    for (const auto& e : relay.receive(from, std::move(*batch), now))
      dropped += analytics.record(e, now) != Drop::none;
  }
  void tick() {
    for (const auto& e : relay.expire(now)) dropped += analytics.record(e, now) != Drop::none;
  }
  Snapshot snapshot() { return analytics.snapshot(now); }

  std::string id;
  Dictionary dictionary;
  AudienceRelay relay;
  RoomAnalytics analytics;
  std::int64_t now = 1'000;
  int dropped = 0;
};

std::int64_t funnel(const Snapshot& s, Step step) {
  return s.windows[static_cast<std::size_t>(Window::broadcast)]
      .funnel[static_cast<std::size_t>(step)];
}

class AudienceRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (auto* n : {&a, &b})
      n->analytics.set_catalog({{"soy", "低钠酱油", {}, 1990, 10, true}}, "");
  }
  Node a{"node-a"}, b{"node-b"};
};

TEST_F(AudienceRelayTest, EachNodeCountsTheWholeRoomsFunnel) {
  a.here(Enter{"v1"});
  a.here(Impression{"v1", "soy"});
  b.here(Enter{"v2"});
  b.here(Impression{"v2", "soy"});
  b.here(Click{"v2", "soy"});
  a.hear(b.send());
  b.hear(a.send());
  for (auto* n : {&a, &b}) {
    auto s = n->snapshot();
    EXPECT_EQ(s.online, 2) << n->id;
    EXPECT_EQ(funnel(s, Step::enter), 2) << n->id;
    EXPECT_EQ(funnel(s, Step::impression), 2) << n->id;
    EXPECT_EQ(funnel(s, Step::click), 1) << n->id;
    EXPECT_EQ(n->dropped, 0) << n->id;
  }
  b.here(Leave{"v2"});
  a.hear(b.send());
  EXPECT_EQ(a.snapshot().online, 1);
}

TEST_F(AudienceRelayTest, AViewerWithTabsOnTwoNodesIsOneViewerUntilTheLastTabCloses) {
  a.here(Enter{"v1"});
  b.here(Enter{"v1"});
  a.hear(b.send());
  b.hear(a.send());
  EXPECT_EQ(a.snapshot().online, 1);
  EXPECT_EQ(funnel(a.snapshot(), Step::enter), 1);
  b.here(Leave{"v1"});
  a.hear(b.send());
  EXPECT_EQ(a.snapshot().online, 1) << "still there on node A";
  a.here(Leave{"v1"});
  b.hear(a.send());
  EXPECT_EQ(b.snapshot().online, 0);
}

TEST_F(AudienceRelayTest, ALostBatchIsPutRightByThePresenceItAsksFor) {
  a.hear(b.send());  // heard from B: nothing yet
  b.here(Enter{"v1"});
  b.here(Enter{"v2"});
  (void)b.send();  // lost on the way
  b.here(Leave{"v1"});
  b.here(Enter{"v3"});
  a.hear(b.send());  // a gap: v1's leave is not applied, v3 comes in
  EXPECT_EQ(a.snapshot().online, 1);
  auto ask = a.relay.next_batch();
  ASSERT_EQ(ask.resync, std::vector<std::string>{"node-b"});
  b.hear(encode_audience("node-a", ask));
  auto answer = b.relay.next_batch();
  ASSERT_TRUE(answer.present);
  a.hear(encode_audience("node-b", answer));
  EXPECT_EQ(a.snapshot().online, 2) << "v2 and v3";
  EXPECT_TRUE(a.relay.next_batch().resync.empty()) << "in step again";
  EXPECT_EQ(a.dropped, 0);
}

TEST_F(AudienceRelayTest, ANodeStartedLaterLearnsWhoIsAlreadyThere) {
  a.here(Enter{"v1"});
  a.here(MicLinkStart{"v1"});
  (void)a.send();  // before B existed
  Node c{"node-c"};
  a.here(Impression{"v1", "soy"});
  c.hear(a.send());
  c.hear(a.send());
  auto ask = c.relay.next_batch();
  ASSERT_EQ(ask.resync.size(), 1u);
  a.hear(encode_audience("node-c", ask));
  c.hear(a.send());
  auto s = c.snapshot();
  EXPECT_EQ(s.online, 1);
  EXPECT_EQ(s.mic_links_active, 1);
}

TEST_F(AudienceRelayTest, ANodeGoneSilentTakesItsViewersAndGuestsWithIt) {
  b.here(Enter{"v1"});
  b.here(Enter{"v1"});  // two tabs
  b.here(Enter{"v2"});
  b.here(MicLinkStart{"v2"});
  a.hear(b.send());
  EXPECT_EQ(a.snapshot().online, 2);
  EXPECT_EQ(a.snapshot().mic_links_active, 1);
  a.now += AudienceRelay::kTimeoutMs;
  a.tick();
  EXPECT_EQ(a.snapshot().online, 2) << "not silent for longer than the timeout yet";
  a.now += 1;
  a.tick();
  EXPECT_EQ(a.snapshot().online, 0);
  EXPECT_EQ(a.snapshot().mic_links_active, 0);
  EXPECT_EQ(a.relay.nodes(), 0u);
  EXPECT_EQ(a.dropped, 0);
}

TEST_F(AudienceRelayTest, ANodesOwnBatchesAreNotCountedTwice) {
  a.here(Enter{"v1"});
  a.hear(a.send());
  EXPECT_EQ(a.snapshot().online, 1);
  EXPECT_EQ(a.relay.nodes(), 0u);
}

TEST(AudienceEncoding, RoundTrips) {
  AudienceBatch b;
  b.seq = 7;
  b.events = {Enter{"v1"}, Impression{"v1", "soy"}, Click{"v1", "soy"},
              Leave{"v1"}, MicLinkStart{"g"},       MicLinkEnd{"g"}};
  b.present = AudiencePresence{{{"v1", 2}, {"用户", 1}}, {"g"}};
  b.resync = {"n2"};
  std::string node, error;
  auto back = decode_audience(encode_audience("n1", b), node, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(node, "n1");
  EXPECT_EQ(back->seq, 7u);
  EXPECT_EQ(back->events.size(), 6u);
  EXPECT_EQ(std::get<Impression>(back->events[1]).sku, "soy");
  ASSERT_TRUE(back->present);
  EXPECT_EQ(back->present->viewers.at("用户"), 1);
  EXPECT_EQ(back->present->guests.size(), 1u);
  EXPECT_EQ(back->resync, std::vector<std::string>{"n2"});
}

TEST(AudienceEncoding, GarbageIsRefusedWithAReason) {
  for (const char* bad : {
           "",
           "not json",
           "[]",
           R"({"seq":1})",
           R"({"node":"","seq":1})",
           R"({"node":"n","seq":0})",
           R"({"node":"n","seq":-3})",
           R"({"node":"n","seq":"1"})",
           R"({"node":"n","seq":1,"events":{}})",
           R"({"node":"n","seq":1,"events":[["enter"]]})",
           R"({"node":"n","seq":1,"events":[["enter",""]]})",
           R"({"node":"n","seq":1,"events":[["dance","v"]]})",
           R"({"node":"n","seq":1,"events":[["click","v"]]})",
           R"({"node":"n","seq":1,"events":[["enter","v","extra"]]})",
           R"({"node":"n","seq":1,"events":[[1,"v"]]})",
           R"({"node":"n","seq":1,"present":{"viewers":{"v":0},"guests":[]}})",
           R"({"node":"n","seq":1,"present":{"viewers":{"v":1.5},"guests":[]}})",
           R"({"node":"n","seq":1,"present":{"viewers":{}}})",
           R"({"node":"n","seq":1,"resync":"n2"})",
       }) {
    std::string node, error;
    EXPECT_FALSE(decode_audience(bad, node, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  std::string node, error;
  std::string long_id(300, 'x');
  EXPECT_FALSE(decode_audience(R"({"node":"n","seq":1,"events":[["enter",")" + long_id + R"("]]})",
                               node, error));
}

}  // namespace
}  // namespace analytics
