#include "analytics/rolling_counter.hpp"

#include <algorithm>

namespace analytics {
namespace {
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::size_t ring_index(std::int64_t slot, std::size_t size) {
  auto n = static_cast<std::int64_t>(size);
  return static_cast<std::size_t>(((slot % n) + n) % n);
}
}  // namespace

RollingCounter::RollingCounter(std::size_t seconds_kept, std::size_t tens_kept) {
  seconds_.values.assign(std::max<std::size_t>(seconds_kept, 1), 0);
  seconds_.slots.assign(seconds_.values.size(), INT64_MIN);
  tens_.values.assign(std::max<std::size_t>(tens_kept, 1), 0);
  tens_.slots.assign(tens_.values.size(), INT64_MIN);
}

void RollingCounter::Ring::add(std::int64_t slot, std::int64_t amount) {
  std::size_t i = ring_index(slot, values.size());
  if (slots[i] > slot) return;  // older than the ring: only the total keeps it
  if (slots[i] != slot) {
    slots[i] = slot;
    values[i] = 0;
  }
  values[i] += amount;
}

std::int64_t RollingCounter::Ring::at(std::int64_t slot) const {
  std::size_t i = ring_index(slot, values.size());
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

RollingGauge::RollingGauge(std::size_t seconds_kept, std::size_t tens_kept) {
  for (auto [ring, size] : {std::pair{&seconds_, seconds_kept}, std::pair{&tens_, tens_kept}}) {
    size = std::max<std::size_t>(size, 1);
    ring->highest.assign(size, 0);
    ring->latest.assign(size, 0);
    ring->slots.assign(size, INT64_MIN);
  }
}

void RollingGauge::Ring::set(std::int64_t slot, std::int64_t value) {
  std::size_t i = ring_index(slot, slots.size());
  if (slots[i] > slot) return;
  if (slots[i] != slot) {
    slots[i] = slot;
    highest[i] = value;
  }
  highest[i] = std::max(highest[i], value);
  latest[i] = value;
}

std::vector<std::int64_t> RollingGauge::Ring::series(std::int64_t now, std::size_t n) const {
  n = std::min(n, slots.size());
  std::int64_t first = now - static_cast<std::int64_t>(n) + 1;
  // The level as the range begins: the latest value of the newest sampled slot before it.
  std::int64_t carry = 0, carry_slot = INT64_MIN;
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (slots[i] < first && slots[i] > carry_slot) {
      carry_slot = slots[i];
      carry = latest[i];
    }
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::int64_t slot = first; slot <= now; ++slot) {
    std::size_t i = ring_index(slot, slots.size());
    if (slots[i] == slot) {
      out.push_back(std::max(highest[i], carry));
      carry = latest[i];
    } else {
      out.push_back(carry);
    }
  }
  return out;
}

void RollingGauge::set(std::int64_t now_ms, std::int64_t value) {
  std::int64_t second = floor_div(now_ms, 1000);
  seconds_.set(second, value);
  tens_.set(floor_div(second, 10), value);
}

std::int64_t RollingGauge::peak(std::int64_t now_ms, std::size_t seconds) const {
  auto s = seconds_.series(floor_div(now_ms, 1000), seconds);
  return s.empty() ? 0 : *std::max_element(s.begin(), s.end());
}

std::vector<std::int64_t> RollingGauge::series_1s(std::int64_t now_ms, std::size_t n) const {
  return seconds_.series(floor_div(now_ms, 1000), n);
}

std::vector<std::int64_t> RollingGauge::series_10s(std::int64_t now_ms, std::size_t n) const {
  return tens_.series(floor_div(floor_div(now_ms, 1000), 10), n);
}

}  // namespace analytics
