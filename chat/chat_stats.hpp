#pragma once
// Process-wide chat counters, written by rooms on their strands and read by /metrics.
#include <array>
#include <atomic>
#include <cstdint>

#include "chat/moderator.hpp"

namespace chat {

struct ChatStats {
  std::atomic<std::uint64_t> messages{0};      // chat messages that passed moderation
  std::atomic<std::uint64_t> likes{0};
  std::atomic<std::uint64_t> batches{0};       // batches built (each sent to every member)
  std::atomic<std::uint64_t> deliveries{0};    // batch frames handed to members
  std::array<std::atomic<std::uint64_t>, kRejectionCount> rejected{};  // by Rejection

  void count_rejection(Rejection r) { rejected[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed); }
};

}  // namespace chat
