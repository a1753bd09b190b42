#pragma once
// A viewer's outgoing tags, bounded in bytes. A viewer that falls behind skips ahead: its
// queue is emptied and it waits for the next keyframe (decoder headers and metadata still pass),
// so it resumes with a picture it can decode instead of stalling the stream or growing memory.
// Used on the viewer's strand only. Writers take a tag out (front, pop) before writing it, so
// skipping ahead never touches a tag in flight.
#include <cstdint>
#include <deque>

#include "media/gop_cache.hpp"

namespace media {

class TagQueue {
 public:
  static constexpr std::size_t kDefaultMaxBytes = 4u << 20;
  explicit TagQueue(std::size_t max_bytes = kDefaultMaxBytes) : max_bytes_(max_bytes) {}

  // False when the tag was skipped (or it emptied the queue to skip ahead).
  bool push(const Tag& tag);
  [[nodiscard]] bool empty() const { return tags_.empty(); }
  [[nodiscard]] const Tag& front() const { return tags_.front(); }
  void pop();

  [[nodiscard]] std::size_t size() const { return tags_.size(); }
  [[nodiscard]] std::size_t bytes() const { return bytes_; }
  [[nodiscard]] std::uint64_t skipped() const { return skipped_; }
  [[nodiscard]] std::uint64_t skip_aheads() const { return skip_aheads_; }

 private:
  std::size_t max_bytes_;
  std::deque<Tag> tags_;
  std::size_t bytes_ = 0;
  bool waiting_for_keyframe_ = false;
  std::uint64_t skipped_ = 0;      // tags not queued
  std::uint64_t skip_aheads_ = 0;  // times the viewer fell behind
};

}  // namespace media
