#pragma once
// A Redis connection of its own thread (hiredis, blocking, on that thread only), so that no
// io_context thread ever waits on Redis. Commands are pipelined in the order they were given;
// each answer comes back through its callback, on the client's thread (post it to your executor).
// A lost connection fails the commands in flight and is made again with backoff; while it is
// down, new commands fail at once (`ok` false, "redis unavailable: ...") instead of queueing.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "redis/reply.hpp"
#include "redis/url.hpp"

struct redisContext;

namespace redis {

struct Options {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{
      2000};  // an answer slower than this: the connection is dropped
  std::chrono::milliseconds backoff_min{50};
  std::chrono::milliseconds backoff_max{2000};
  std::size_t max_queued = 100'000;  // commands waiting to be sent; more fail at once
  std::chrono::milliseconds idle_ping{1000};  // a connection idle this long is checked with a PING
};

// Blocks SIGPIPE on the calling thread, so that a write to a connection Redis has closed is an
// error (EPIPE) and not the death of the process (hiredis writes with write(2)). Client's and
// Subscriber's threads call it first.
void block_sigpipe();

// Connects `url` with `options`: AUTH and SELECT done. nullptr and `error` set on failure.
// Used by Client and Subscriber; blocking (their own threads only).
redisContext* connect(const Url& url, const Options& options,
                      std::chrono::milliseconds read_timeout, std::string& error);

struct ClientStats {
  std::atomic<std::uint64_t> commands{0};  // answered by Redis (error replies included)
  std::atomic<std::uint64_t> failed{0};    // not answered: down, lost, timed out, queue full
  std::atomic<std::uint64_t> connects{0};  // connections made (the first one included)
};

class Client {
 public:
  using Callback = std::function<void(Result)>;
  // `on_state(up)` is called on the client's thread each time the connection comes up or goes down.
  Client(Url url, Options options = {}, std::function<void(bool up)> on_state = {});
  ~Client();  // fails what is still queued ("stopped") and joins the thread
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void command(std::vector<std::string> argv, Callback done);
  // Blocks the caller until the answer: for start-up, tests and tools, never an io_context thread.
  Result command_sync(std::vector<std::string> argv);

  [[nodiscard]] bool up() const { return state_.load(std::memory_order_relaxed) == State::up; }
  [[nodiscard]] std::string error() const;  // why it is down, or the last reason it went down
  [[nodiscard]] const ClientStats& stats() const { return stats_; }
  [[nodiscard]] const Url& url() const { return url_; }

 private:
  enum class State { connecting, up, down };
  struct Pending {
    std::vector<std::string> argv;
    Callback done;
  };
  void run();
  void set_state(State s, std::string why);
  // Answers each with an error; `sent`: they had been written to Redis (they may have run).
  void fail_all(std::deque<Pending>& batch, const std::string& why, bool sent);

  const Url url_;
  const Options options_;
  std::function<void(bool)> on_state_;
  std::atomic<State> state_{State::connecting};
  ClientStats stats_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::string error_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace redis
