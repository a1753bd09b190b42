#include "media/tag_queue.hpp"

namespace media {
namespace {
std::size_t size_of(const Tag& t) { return t.body ? t.body->size() : 0; }
}  // namespace

bool TagQueue::push(const Tag& tag) {
  std::span<const std::uint8_t> body = tag.body ? std::span(*tag.body) : std::span<const std::uint8_t>{};
  const bool header = tag.type == flv::TagType::script || flv::is_sequence_header(tag.type, body);
  if (!header && bytes_ + size_of(tag) > max_bytes_) {
    skipped_ += tags_.size() + 1;
    ++skip_aheads_;
    tags_.clear();
    bytes_ = 0;
    waiting_for_keyframe_ = true;
    return false;
  }
  if (waiting_for_keyframe_ && !header) {
    if (!flv::is_keyframe(tag.type, body)) {
      ++skipped_;
      return false;
    }
    waiting_for_keyframe_ = false;
  }
  tags_.push_back(tag);
  bytes_ += size_of(tag);
  return true;
}

void TagQueue::pop() {
  bytes_ -= size_of(tags_.front());
  tags_.pop_front();
}

}  // namespace media
