#include "redis/client.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <future>

namespace redis {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::nil;
  }
  return out;
}

// One command, blocking, on a fresh context (AUTH, SELECT): "" or what went wrong.
std::string setup_command(redisContext* ctx, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<std::size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()));
  if (!r) return ctx->errstr[0] ? ctx->errstr : "no answer";
  std::string error = r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : std::string{};
  freeReplyObject(r);
  return error;
}

}  // namespace

void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

redisContext* connect(const Url& url, const Options& options,
                      std::chrono::milliseconds read_timeout, std::string& error) {
  redisContext* ctx =
      redisConnectWithTimeout(url.host.c_str(), url.port, to_timeval(options.connect_timeout));
  if (!ctx) {
    error = "out of memory";
    return nullptr;
  }
  if (ctx->err) {
    error = ctx->errstr;
    redisFree(ctx);
    return nullptr;
  }
  if (read_timeout.count() > 0) redisSetTimeout(ctx, to_timeval(read_timeout));
  redisEnableKeepAlive(ctx);
  if (!url.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!url.user.empty()) auth.push_back(url.user);
    auth.push_back(url.password);
    if (auto e = setup_command(ctx, auth); !e.empty()) {
      error = "AUTH: " + e;
      redisFree(ctx);
      return nullptr;
    }
  }
  // A round trip before the connection counts: a server being killed may still complete a
  // connect from its listen backlog.
  if (url.password.empty() && url.db == 0) {
    if (auto e = setup_command(ctx, {"PING"}); !e.empty()) {
      error = "PING: " + e;
      redisFree(ctx);
      return nullptr;
    }
  }
  if (url.db != 0) {
    if (auto e = setup_command(ctx, {"SELECT", std::to_string(url.db)}); !e.empty()) {
      error = "SELECT: " + e;
      redisFree(ctx);
      return nullptr;
    }
  }
  return ctx;
}

Client::Client(Url url, Options options, std::function<void(bool up)> on_state)
    : url_(std::move(url)), options_(options), on_state_(std::move(on_state)) {
  thread_ = std::thread([this] { run(); });
}

Client::~Client() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::deque<Pending> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  fail_all(left, "redis client stopped", false);
}

std::string Client::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

void Client::command(std::vector<std::string> argv, Callback done) {
  std::string refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      refused = "redis client stopped";
    else if (state_.load(std::memory_order_relaxed) == State::down)
      refused = "redis unavailable: " + error_;
    else if (queue_.size() >= options_.max_queued)
      refused = "redis unavailable: too many commands waiting";
    else
      queue_.push_back({std::move(argv), std::move(done)});
  }
  if (refused.empty()) return wake_.notify_one();
  stats_.failed.fetch_add(1, std::memory_order_relaxed);
  done(Result{false, {}, std::move(refused)});
}

Result Client::command_sync(std::vector<std::string> argv) {
  std::promise<Result> promise;
  auto future = promise.get_future();
  command(std::move(argv), [&promise](Result r) { promise.set_value(std::move(r)); });
  return future.get();
}

void Client::set_state(State s, std::string why) {
  State before;
  {
    std::lock_guard lock(mutex_);
    before = state_.exchange(s);
    if (!why.empty()) error_ = std::move(why);
  }
  if (before == s) return;
  if (s == State::up)
    spdlog::info("redis {}: connected", url_.display());
  else
    spdlog::warn("redis {}: unavailable ({})", url_.display(), error());
  if (on_state_ && (s == State::up || before == State::up)) on_state_(s == State::up);
}

void Client::fail_all(std::deque<Pending>& batch, const std::string& why, bool sent) {
  for (auto& p : batch) {
    stats_.failed.fetch_add(1, std::memory_order_relaxed);
    p.done(Result{false, {}, why, sent});
  }
  batch.clear();
}

void Client::run() {
  block_sigpipe();
  redisContext* ctx = nullptr;
  auto backoff = options_.backoff_min;
  for (;;) {
    if (!ctx) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) break;
      }
      std::string error;
      ctx = connect(url_, options_, options_.command_timeout, error);
      if (ctx) {
        stats_.connects.fetch_add(1, std::memory_order_relaxed);
        backoff = options_.backoff_min;
        set_state(State::up, {});
      } else {
        // Down: what waits fails now, what comes fails at once, until the next try succeeds.
        set_state(State::down, error);
        std::deque<Pending> waiting;
        std::unique_lock lock(mutex_);
        waiting.swap(queue_);
        lock.unlock();
        fail_all(waiting, "redis unavailable: " + error, false);
        lock.lock();
        wake_.wait_for(lock, backoff, [this] { return stopping_; });
        backoff = std::min(backoff * 2, options_.backoff_max);
        continue;
      }
    }
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      // Idle for a while: a PING finds a connection Redis dropped (a restart) before a caller does.
      if (!wake_.wait_for(lock, options_.idle_ping, [this] { return stopping_ || !queue_.empty(); }))
        queue_.push_back({{"PING"}, [](Result) {}});
      if (stopping_) break;
      batch.swap(queue_);
    }
    // Pipelined: every command written, then every answer read in order.
    std::vector<const char*> args;
    std::vector<std::size_t> lens;
    for (const auto& p : batch) {
      args.clear();
      lens.clear();
      for (const auto& a : p.argv) {
        args.push_back(a.data());
        lens.push_back(a.size());
      }
      redisAppendCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data());
    }
    std::string lost;
    while (!batch.empty()) {
      void* raw = nullptr;
      if (redisGetReply(ctx, &raw) != REDIS_OK || !raw) {
        lost = ctx->errstr[0] ? ctx->errstr : "connection lost";
        break;
      }
      auto* reply = static_cast<redisReply*>(raw);
      Result result{true, convert(reply), {}};
      freeReplyObject(reply);
      stats_.commands.fetch_add(1, std::memory_order_relaxed);
      auto done = std::move(batch.front().done);
      batch.pop_front();
      done(std::move(result));
    }
    if (!lost.empty()) {
      redisFree(ctx);
      ctx = nullptr;
      set_state(State::down, lost);
      fail_all(batch, "redis unavailable: " + lost, true);
    }
  }
  if (ctx) redisFree(ctx);
}

}  // namespace redis
