#include "analytics/rolling_counter.hpp"

#include <algorithm>

namespace analytics {
namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

RollingCounter::RollingCounter(std::size_t seconds_kept, std::size_t tens_kept) {
  seconds_.values.assign(std::max<std::size_t>(seconds_kept, 1), 0);
  seconds_.slots.assign(seconds_.values.size(), INT64_MIN);
  tens_.values.assign(std::max<std::size_t>(tens_kept, 1), 0);
  tens_.slots.assign(tens_.values.size(), INT64_MIN);
}

void RollingCounter::Ring::add(std::int64_t slot, std::int64_t amount) {
  auto i = static_cast<std::size_t>(((slot % static_cast<std::int64_t>(values.size())) + static_cast<std::int64_t>(values.size())) %
                                    static_cast<std::int64_t>(values.size()));
  if (slots[i] > slot) return;  // older than the ring: only the total keeps it
  if (slots[i] != slot) {
    slots[i] = slot;
    values[i] = 0;
  }
  values[i] += amount;
}

std::int64_t RollingCounter::Ring::at(std::int64_t slot) const {
  auto i = static_cast<std::size_t>(((slot % static_cast<std::int64_t>(values.size())) + static_cast<std::int64_t>(values.size())) %
                                    static_cast<std::int64_t>(values.size()));
  return slots[i] == slot ? values[i] : 0;
}

void RollingCounter::add(std::int64_t now_ms, std::int64_t amount) {
  std::int64_t second = floor_div(now_ms, 1000);
  seconds_.add(second, amount);
  tens_.add(floor_div(second, 10), amount);
  total_ += amount;
}

std::int64_t RollingCounter::last(std::int64_t now_ms, std::size_t seconds) const {
  std::int64_t now = floor_div(now_ms, 1000), sum = 0;
  seconds = std::min(seconds, seconds_.values.size());
  for (std::size_t k = 0; k < seconds; ++k) sum += seconds_.at(now - static_cast<std::int64_t>(k));
  return sum;
}

std::vector<std::int64_t> RollingCounter::series_1s(std::int64_t now_ms, std::size_t n) const {
  std::int64_t now = floor_div(now_ms, 1000);
  n = std::min(n, seconds_.values.size());
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::size_t k = n; k-- > 0;) out.push_back(seconds_.at(now - static_cast<std::int64_t>(k)));
  return out;
}

std::vector<std::int64_t> RollingCounter::series_10s(std::int64_t now_ms, std::size_t n) const {
  std::int64_t now = floor_div(floor_div(now_ms, 1000), 10);
  n = std::min(n, tens_.values.size());
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::size_t k = n; k-- > 0;) out.push_back(tens_.at(now - static_cast<std::int64_t>(k)));
  return out;
}

}  // namespace analytics
