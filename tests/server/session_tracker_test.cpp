#include "server/session_tracker.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

namespace server {
namespace {

// A session that records shut_down calls and may react to them.
class FakeSession : public Closable {
 public:
  void shut_down() override {
    ++shut_downs;
    if (on_shut_down) on_shut_down();
  }
  int shut_downs = 0;
  std::function<void()> on_shut_down;
};

TEST(SessionTracker, AddReturnsDistinctNonZeroIds) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto b = std::make_shared<FakeSession>();
  auto id_a = tracker.add(a);
  auto id_b = tracker.add(b);
  EXPECT_NE(id_a, 0u);
  EXPECT_NE(id_b, 0u);
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(tracker.size(), 2u);
}

TEST(SessionTracker, RemoveForgetsTheSession) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto id = tracker.add(a);
  tracker.remove(id);
  EXPECT_EQ(tracker.size(), 0u);
}

TEST(SessionTracker, RemovingAnUnknownIdChangesNothing) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  (void)tracker.add(a);
  tracker.remove(12345);
  EXPECT_EQ(tracker.size(), 1u);
}

TEST(SessionTracker, ShutDownAllShutsDownEveryLiveSession) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto b = std::make_shared<FakeSession>();
  (void)tracker.add(a);
  (void)tracker.add(b);
  tracker.shut_down_all([] {});
  EXPECT_EQ(a->shut_downs, 1);
  EXPECT_EQ(b->shut_downs, 1);
}

TEST(SessionTracker, OnEmptyRunsAtOnceWhenThereAreNoSessions) {
  SessionTracker tracker;
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  EXPECT_EQ(calls, 1);
}

TEST(SessionTracker, OnEmptyWaitsForTheLastSessionToBeRemoved) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto b = std::make_shared<FakeSession>();
  auto id_a = tracker.add(a);
  auto id_b = tracker.add(b);
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  EXPECT_EQ(calls, 0);
  tracker.remove(id_a);
  EXPECT_EQ(calls, 0);
  tracker.remove(id_b);
  EXPECT_EQ(calls, 1);
}

TEST(SessionTracker, OnEmptyRunsOnlyOnce) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto id = tracker.add(a);
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  tracker.remove(id);
  tracker.remove(id);
  EXPECT_EQ(calls, 1);
}

TEST(SessionTracker, OnEmptyRunsOnceWhenSessionsRemoveThemselvesWhileShuttingDown) {
  SessionTracker tracker;
  std::vector<std::shared_ptr<FakeSession>> sessions;
  for (int i = 0; i < 3; ++i) {
    auto s = std::make_shared<FakeSession>();
    auto id = tracker.add(s);
    s->on_shut_down = [&tracker, id] { tracker.remove(id); };
    sessions.push_back(s);
  }
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(tracker.size(), 0u);
}

TEST(SessionTracker, OnEmptyRunsWhenTheLastSessionIsDestroyedDuringShutDown) {
  // A session whose last owner is the tracker's temporary reference: it is destroyed (and
  // removes itself, as real sessions do in their destructors) right after shut_down().
  struct SelfRemoving : Closable {
    SelfRemoving(SessionTracker& t) : tracker(t) {}
    ~SelfRemoving() override { tracker.remove(id); }
    void shut_down() override { owner.reset(); }
    SessionTracker& tracker;
    std::uint64_t id = 0;
    std::shared_ptr<SelfRemoving> owner;  // keeps itself alive until shut down
  };
  SessionTracker tracker;
  {
    auto s = std::make_shared<SelfRemoving>(tracker);
    s->id = tracker.add(s);
    s->owner = s;
  }
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(tracker.size(), 0u);
}

TEST(SessionTracker, ExpiredSessionIsNotShutDownButStillAwaited) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  auto id = tracker.add(a);
  a.reset();  // destroyed; its remove() has not come yet
  int calls = 0;
  tracker.shut_down_all([&] { ++calls; });
  EXPECT_EQ(calls, 0);
  tracker.remove(id);
  EXPECT_EQ(calls, 1);
}

TEST(SessionTracker, AddAfterShutDownReturnsZero) {
  SessionTracker tracker;
  tracker.shut_down_all([] {});
  auto late = std::make_shared<FakeSession>();
  EXPECT_EQ(tracker.add(late), 0u);
  EXPECT_EQ(tracker.size(), 0u);
}

TEST(SessionTracker, AddWhileWaitingForSessionsReturnsZero) {
  SessionTracker tracker;
  auto a = std::make_shared<FakeSession>();
  (void)tracker.add(a);
  tracker.shut_down_all([] {});
  auto late = std::make_shared<FakeSession>();
  EXPECT_EQ(tracker.add(late), 0u);
  EXPECT_EQ(late->shut_downs, 0);
}

}  // namespace
}  // namespace server
