// redis::Client and redis::Subscriber against a real redis-server: answers in order, Redis's
// own errors, failing fast while Redis is down, coming back after a restart, AUTH and SELECT.
#include "redis/client.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "redis/subscriber.hpp"
#include "support/redis_server.hpp"

namespace redis {
namespace {

using testing_support::RedisServer;
using namespace std::chrono_literals;

Url url_of(const RedisServer& server) {
  std::string error;
  auto url = parse_url(server.url(), error);
  EXPECT_TRUE(url) << error;
  return *url;
}

// Waits (with a deadline) until `check` holds.
template <class F>
bool eventually(F check, std::chrono::seconds deadline = 20s) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (!check()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST(RedisUrlTest, ParsesHostPortPasswordAndDatabase) {
  std::string error;
  auto u = parse_url("redis://127.0.0.1:6380", error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6380);
  EXPECT_EQ(u->db, 0);
  EXPECT_TRUE(u->password.empty());
  u = parse_url("redis://:s%40cret@cache.local/3", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "cache.local");
  EXPECT_EQ(u->port, 6379);
  EXPECT_EQ(u->password, "s@cret");
  EXPECT_EQ(u->db, 3);
  EXPECT_EQ(u->display(), "cache.local:6379/3") << "never the password";
  u = parse_url("redis://app:pw@h:1/0", error);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->user, "app");
  EXPECT_EQ(u->password, "pw");
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:70000", "redis://h:x",
                          "redis://h/db", "redis://:%4@h", "redis://h:1/-1"}) {
    error.clear();
    EXPECT_FALSE(parse_url(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(RedisClientTest, AnswersComeBackInOrderAndRedisErrorsAreAnswers) {
  RedisServer server;
  Client client(url_of(server));
  auto r = client.command_sync({"SET", "k", std::string("a\0b", 3)});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply.str, "OK");
  r = client.command_sync({"GET", "k"});
  EXPECT_EQ(r.reply.type, Reply::Type::string);
  EXPECT_EQ(r.reply.str, std::string("a\0b", 3)) << "binary safe";
  EXPECT_TRUE(client.command_sync({"GET", "missing"}).reply.is_nil());
  r = client.command_sync({"INCR", "k"});
  ASSERT_TRUE(r.ok);
  EXPECT_TRUE(r.reply.is_error()) << "a Redis error is an answer, not a failure";
  r = client.command_sync({"EVAL", "return {1, 'x', {2}}", "0"});
  ASSERT_EQ(r.reply.type, Reply::Type::array);
  ASSERT_EQ(r.reply.elements.size(), 3u);
  EXPECT_EQ(r.reply.elements[1].str, "x");
  EXPECT_EQ(r.reply.elements[2].elements[0].integer, 2);

  // Many commands from many threads: each gets its own answer, per thread in order.
  constexpr int kThreads = 4, kEach = 2000;
  std::mutex m;
  std::condition_variable cv;
  int done = 0, wrong = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kEach; ++i)
        client.command({"INCR", "counter:" + std::to_string(t)}, [&, i](Result res) {
          std::lock_guard lock(m);
          if (!res.ok || res.reply.integer != i) ++wrong;
          if (++done == kThreads * kEach) cv.notify_all();
        });
    });
  for (auto& t : threads) t.join();
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return done == kThreads * kEach; }));
  EXPECT_EQ(wrong, 0);
}

TEST(RedisClientTest, FailsFastWhileRedisIsDownAndComesBackAfterARestart) {
  RedisServer server;
  std::atomic<int> ups{0}, downs{0};
  Options options;
  options.command_timeout = 1000ms;
  Client client(url_of(server), options, [&](bool up) { (up ? ups : downs)++; });
  ASSERT_TRUE(client.command_sync({"SET", "kept", "1"}).ok);
  EXPECT_TRUE(client.up());

  server.stop();
  // The first command after the kill finds the connection gone (it was written: it may have
  // run, as far as the client knows); later ones fail at once, unsent.
  auto r = client.command_sync({"GET", "kept"});
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(eventually([&] { return !client.up(); }));
  r = client.command_sync({"GET", "kept"});
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.sent) << "refused before it reached Redis: it did not run";
  EXPECT_NE(r.error.find("redis unavailable"), std::string::npos) << r.error;
  EXPECT_EQ(downs.load(), 1);

  server.start();
  ASSERT_TRUE(eventually([&] { return client.up(); })) << "reconnects with backoff";
  r = client.command_sync({"GET", "kept"});
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.reply.str, "1") << "appendfsync always: what Redis acknowledged survived its SIGKILL";
  EXPECT_EQ(ups.load(), 2);
  EXPECT_GE(client.stats().failed.load(), 2u);
}

TEST(RedisClientTest, StartsDownWhenRedisIsNotThereAndConnectsWhenItComes) {
  RedisServer server;
  server.stop();
  Client client(url_of(server));
  auto r = client.command_sync({"PING"});
  EXPECT_FALSE(r.ok);
  server.start();
  ASSERT_TRUE(eventually([&] { return client.up(); }));
  EXPECT_EQ(client.command_sync({"PING"}).reply.str, "PONG");
}

TEST(RedisClientTest, AuthenticatesAndSelectsTheDatabase) {
  RedisServer server({"--requirepass", "s@cret pw"});
  std::string error;
  auto url =
      parse_url("redis://:s%40cret%20pw@127.0.0.1:" + std::to_string(server.port()) + "/2", error);
  ASSERT_TRUE(url) << error;
  Client client(*url);
  ASSERT_TRUE(client.command_sync({"SET", "in2", "x"}).ok);
  EXPECT_EQ(client.command_sync({"EXISTS", "in2"}).reply.integer, 1);
  EXPECT_NE(server.cli({"-a", "s@cret pw", "--no-auth-warning", "-n", "2", "GET", "in2"}).find('x'),
            std::string::npos);

  url->password = "wrong";
  Client refused(*url);
  auto r = refused.command_sync({"PING"});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("AUTH"), std::string::npos) << r.error;
}

TEST(RedisSubscriberTest, ReceivesWhatIsPublishedAndSubscribesAgainAfterARestart) {
  RedisServer server;
  std::mutex m;
  std::condition_variable cv;
  std::vector<std::pair<std::string, std::string>> got;
  std::atomic<int> ups{0};
  Subscriber sub(
      url_of(server), {}, {"room:*"},
      [&](const std::string& channel, std::string payload) {
        std::lock_guard lock(m);
        got.emplace_back(channel, std::move(payload));
        cv.notify_all();
      },
      [&](bool up) { ups += up ? 1 : 0; });
  Client pub(url_of(server));
  ASSERT_TRUE(eventually([&] { return sub.up(); }));
  pub.command_sync({"PUBLISH", "other", "no"});
  pub.command_sync({"PUBLISH", "room:a", "one"});
  {
    std::unique_lock lock(m);
    ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return !got.empty(); }));
    EXPECT_EQ(got[0], (std::pair<std::string, std::string>{"room:a", "one"}));
  }
  server.stop();
  ASSERT_TRUE(eventually([&] { return !sub.up(); }));
  server.start();
  ASSERT_TRUE(eventually([&] { return sub.up(); }));
  EXPECT_EQ(ups.load(), 2);
  // The publisher finds its connection gone on its first command, then reconnects: published
  // once Redis answers that one subscriber got it.
  ASSERT_TRUE(eventually([&] {
    auto r = pub.command_sync({"PUBLISH", "room:b", "two"});
    return r.ok && r.reply.integer == 1;
  }));
  std::unique_lock lock(m);
  ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return got.size() == 2; }));
  EXPECT_EQ(got[1], (std::pair<std::string, std::string>{"room:b", "two"}));
}

// Regression: a Subscriber stopped while it subscribed wrote PSUBSCRIBE to the socket its
// destructor had shut down, and SIGPIPE ended the whole process.
TEST(RedisSubscriberTest, StoppingWhileSubscribingLeavesTheProcessRunning) {
  RedisServer server;
  for (int i = 0; i < 200; ++i) {
    Subscriber subscriber(url_of(server), {}, {"lc:*"}, [](const std::string&, std::string) {});
  }
  SUCCEED();
}

// Regression: a command written after Redis died ended the process with SIGPIPE.
TEST(RedisClientTest, WritingToAConnectionRedisClosedIsAFailureNotADeath) {
  RedisServer server;
  Options options;
  options.backoff_min = std::chrono::milliseconds(1000);
  Client client(url_of(server), options);
  ASSERT_TRUE(client.command_sync({"PING"}).ok);
  server.stop(9);
  // The client learns that the peer is gone only when it writes; each write may meet EPIPE.
  for (int i = 0; i < 3; ++i) (void)client.command_sync({"SET", "k", std::string(8 << 20, 'x')});
  EXPECT_FALSE(client.up());
}

}  // namespace
}  // namespace redis
