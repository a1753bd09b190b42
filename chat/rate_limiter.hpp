#pragma once
// A token bucket: `burst` actions at once, refilled at `per_second`. The caller passes the
// time, so the bucket holds no clock and tests drive it with any timeline.
#include <chrono>
#include <optional>

namespace chat {

using Clock = std::chrono::steady_clock;

class RateLimiter {
 public:
  RateLimiter(double per_second, double burst);

  // Takes one token when there is one. Otherwise returns false and, when asked,
  // how long until a token is available.
  [[nodiscard]] bool try_take(Clock::time_point now, std::chrono::milliseconds* retry_after = nullptr);
  // True when the bucket has refilled completely: forgetting it then loses nothing.
  [[nodiscard]] bool is_full(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double per_second_;
  double burst_;
  double tokens_;
  std::optional<Clock::time_point> last_;  // unset until the first call
};

}  // namespace chat
