#include "redis/subscriber.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <thread>

namespace redis {

Subscriber::Subscriber(Url url, Options options, std::vector<std::string> patterns,
                       OnMessage on_message, std::function<void(bool up)> on_state)
    : url_(std::move(url)),
      options_(options),
      patterns_(std::move(patterns)),
      on_message_(std::move(on_message)),
      on_state_(std::move(on_state)) {
  thread_ = std::thread([this] { run(); });
}

Subscriber::~Subscriber() {
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);  // wakes the blocking read
  }
  thread_.join();
}

void Subscriber::run() {
  block_sigpipe();  // stopping shuts the socket down, maybe before PSUBSCRIBE is written
  auto backoff = options_.backoff_min;
  while (!stopping_) {
    std::string error;
    // No read timeout: a subscriber waits for messages as long as it takes (keepalive finds a dead
    // peer).
    redisContext* ctx = connect(url_, options_, std::chrono::milliseconds(0), error);
    if (ctx) {
      std::vector<const char*> args{"PSUBSCRIBE"};
      std::vector<std::size_t> lens{10};
      for (const auto& p : patterns_) {
        args.push_back(p.data());
        lens.push_back(p.size());
      }
      redisAppendCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data());
      {
        std::lock_guard lock(mutex_);
        fd_ = ctx->fd;
      }
      if (stopping_) ::shutdown(ctx->fd, SHUT_RDWR);
      std::size_t confirmed = 0;
      for (;;) {
        void* raw = nullptr;
        if (redisGetReply(ctx, &raw) != REDIS_OK || !raw) {
          error = ctx->errstr[0] ? ctx->errstr : "connection lost";
          break;
        }
        auto* r = static_cast<redisReply*>(raw);
        // ["psubscribe", pattern, n] once per pattern, then ["pmessage", pattern, channel,
        // payload].
        if (r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
            r->element[0]->type == REDIS_REPLY_STRING &&
            std::string_view(r->element[0]->str, r->element[0]->len) == "pmessage") {
          messages_.fetch_add(1, std::memory_order_relaxed);
          on_message_(std::string(r->element[2]->str, r->element[2]->len),
                      std::string(r->element[3]->str, r->element[3]->len));
        } else if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                   ++confirmed == patterns_.size()) {
          backoff = options_.backoff_min;
          up_ = true;
          spdlog::info("redis {}: subscribed to {} pattern(s)", url_.display(), patterns_.size());
          if (on_state_) on_state_(true);
        } else if (r->type == REDIS_REPLY_ERROR) {
          error = std::string(r->str, r->len);
          freeReplyObject(r);
          break;
        }
        freeReplyObject(r);
      }
      {
        std::lock_guard lock(mutex_);
        fd_ = -1;
      }
      redisFree(ctx);
    }
    if (stopping_) break;
    if (up_.exchange(false)) {
      spdlog::warn("redis {}: subscription lost ({})", url_.display(), error);
      if (on_state_) on_state_(false);
    }
    // Backoff in small steps, so that stopping is prompt.
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stopping_;
         waited += std::chrono::milliseconds(10))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    backoff = std::min(backoff * 2, options_.backoff_max);
  }
}

}  // namespace redis
