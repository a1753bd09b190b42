#pragma once
// A Prometheus-style histogram of relay delays (a tag's arrival from the publisher to its
// write to a viewer completing). Lock-free: observed from any strand, read by /metrics.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace media {

class DelayHistogram {
 public:
  // Upper bounds in microseconds: 0.5 ms .. 1 s, then +Inf.
  static constexpr std::array<std::uint64_t, 11> kBoundsUs{500,    1000,   2000,   5000,   10000,  20000,
                                                           50000, 100000, 250000, 500000, 1000000};

  void observe(std::chrono::steady_clock::duration delay) {
    auto us = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(delay).count());
    std::size_t i = 0;
    while (i < kBoundsUs.size() && us > kBoundsUs[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);  // counts per bucket; cumulated when read
    sum_us_.fetch_add(us, std::memory_order_relaxed);
  }
  // Observations at or below kBoundsUs[i] (i == kBoundsUs.size(): all of them).
  [[nodiscard]] std::uint64_t cumulative(std::size_t i) const {
    std::uint64_t n = 0;
    for (std::size_t j = 0; j <= i; ++j) n += buckets_[j].load(std::memory_order_relaxed);
    return n;
  }
  [[nodiscard]] double sum_seconds() const { return static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6; }

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsUs.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace media
