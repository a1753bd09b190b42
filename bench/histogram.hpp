#pragma once
// Latency histogram for the load generators: power-of-two ranges of microseconds, 32 linear
// steps each (about 3 % error), mergeable across threads.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace bench {

class Histogram {
 public:
  void add(std::int64_t micros) {
    if (micros < 0) micros = 0;
    ++buckets_[index(static_cast<std::uint64_t>(micros))];
    ++count_;
    max_ = std::max(max_, micros);
  }
  void merge(const Histogram& o) {
    for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
  }
  [[nodiscard]] double percentile_ms(double p) const {
    if (count_ == 0) return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
      seen += buckets_[i];
      // A bucket's upper bound, but never above the largest sample seen.
      if (seen >= rank) return static_cast<double>(std::min<std::uint64_t>(upper(i), static_cast<std::uint64_t>(max_))) / 1000.0;
    }
    return static_cast<double>(max_) / 1000.0;
  }
  [[nodiscard]] double max_ms() const { return static_cast<double>(max_) / 1000.0; }
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  static constexpr int kSub = 32;
  static std::size_t index(std::uint64_t v) {
    if (v < kSub) return static_cast<std::size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - 5;
    return static_cast<std::size_t>((shift + 1) * kSub + static_cast<int>((v >> shift) & (kSub - 1)));
  }
  static std::uint64_t upper(std::size_t i) {
    if (i < kSub) return i;
    std::size_t shift = i / kSub - 1;
    std::uint64_t sub = i % kSub;
    return ((sub + kSub + 1) << shift) - 1;
  }
  std::array<std::uint64_t, 64 * kSub> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

}  // namespace bench
