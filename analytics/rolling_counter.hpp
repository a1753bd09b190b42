#pragma once
// A counter over time in fixed memory: per-second buckets for the last `seconds_kept` seconds
// and per-10-second buckets for the last `tens_kept` ten-second spans, plus the total since the
// start. It answers "how many in the last minute / five minutes / ever" and gives the 1 s and
// 10 s series for charts, whatever the broadcast's length. Times only move forward (a sample
// older than the window still counts in the total). No clock of its own; not thread-safe.
#include <cstdint>
#include <vector>

namespace analytics {

class RollingCounter {
 public:
  explicit RollingCounter(std::size_t seconds_kept = 300, std::size_t tens_kept = 360);

  void add(std::int64_t now_ms, std::int64_t amount = 1);
  // Sum over the last `seconds` whole seconds up to and including now's second (≤ seconds_kept).
  [[nodiscard]] std::int64_t last(std::int64_t now_ms, std::size_t seconds) const;
  [[nodiscard]] std::int64_t total() const { return total_; }
  // The last `n` per-second (oldest first, ending with now's second) or per-10-second values.
  [[nodiscard]] std::vector<std::int64_t> series_1s(std::int64_t now_ms, std::size_t n) const;
  [[nodiscard]] std::vector<std::int64_t> series_10s(std::int64_t now_ms, std::size_t n) const;

 private:
  struct Ring {
    std::vector<std::int64_t> values;
    std::vector<std::int64_t> slots;  // which time slot each value belongs to
    void add(std::int64_t slot, std::int64_t amount);
    [[nodiscard]] std::int64_t at(std::int64_t slot) const;
  };
  Ring seconds_;
  Ring tens_;
  std::int64_t total_ = 0;
};

// A level over time (online viewers) in fixed memory: the highest value of each second and of
// each ten seconds, for the same spans as RollingCounter. An interval with no sample holds the
// last value set before it. No clock of its own; not thread-safe.
class RollingGauge {
 public:
  explicit RollingGauge(std::size_t seconds_kept = 300, std::size_t tens_kept = 360);

  void set(std::int64_t now_ms, std::int64_t value);
  // The highest value over the last `seconds` whole seconds up to now's (≤ seconds_kept).
  [[nodiscard]] std::int64_t peak(std::int64_t now_ms, std::size_t seconds) const;
  [[nodiscard]] std::vector<std::int64_t> series_1s(std::int64_t now_ms, std::size_t n) const;
  [[nodiscard]] std::vector<std::int64_t> series_10s(std::int64_t now_ms, std::size_t n) const;

 private:
  struct Ring {
    std::vector<std::int64_t> highest;
    std::vector<std::int64_t> latest;
    std::vector<std::int64_t> slots;
    void set(std::int64_t slot, std::int64_t value);
    // The last `n` slots up to `now`, oldest first; unsampled slots carry the value before them.
    [[nodiscard]] std::vector<std::int64_t> series(std::int64_t now, std::size_t n) const;
  };
  Ring seconds_;
  Ring tens_;
};

}  // namespace analytics
