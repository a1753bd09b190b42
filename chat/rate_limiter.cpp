#include "chat/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace chat {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(1.0, burst)), tokens_(burst_) {}

void RateLimiter::refill(Clock::time_point now) {
  if (!last_) {
    last_ = now;
    return;
  }
  if (now <= *last_) return;
  std::chrono::duration<double> elapsed = now - *last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * per_second_);
  last_ = now;
}

bool RateLimiter::try_take(Clock::time_point now, std::chrono::milliseconds* retry_after) {
  refill(now);
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return true;
  }
  if (retry_after) {
    double seconds = per_second_ > 0 ? (1.0 - tokens_) / per_second_ : 3600.0;
    *retry_after = std::chrono::milliseconds(static_cast<long>(std::ceil(seconds * 1000.0)));
  }
  return false;
}

bool RateLimiter::is_full(Clock::time_point now) {
  refill(now);
  return tokens_ >= burst_;
}

}  // namespace chat
