#include "media/gop_cache.hpp"

namespace media {

void GopCache::add(const Tag& tag) {
  std::span<const std::uint8_t> body = tag.body ? std::span(*tag.body) : std::span<const std::uint8_t>{};
  if (tag.type == flv::TagType::script) {
    metadata_ = tag;
    return;
  }
  if (flv::is_sequence_header(tag.type, body)) {
    (tag.type == flv::TagType::video ? video_header_ : audio_header_) = tag;
    return;
  }
  if (flv::is_keyframe(tag.type, body)) {
    gop_.clear();
    gop_bytes_ = 0;
  } else if (gop_.empty()) {
    return;  // no keyframe yet: nothing a new viewer could decode
  }
  gop_.push_back(tag);
  gop_bytes_ += body.size();
  if (gop_bytes_ > max_bytes_) {  // a GOP this long is a broken encoder: wait for the next keyframe
    gop_.clear();
    gop_bytes_ = 0;
  }
}

std::vector<Tag> GopCache::start_tags() const {
  std::vector<Tag> tags;
  tags.reserve(gop_.size() + 3);
  for (const auto* t : {&metadata_, &video_header_, &audio_header_})
    if (*t) tags.push_back(**t);
  tags.insert(tags.end(), gop_.begin(), gop_.end());
  return tags;
}

void GopCache::clear() {
  metadata_.reset();
  video_header_.reset();
  audio_header_.reset();
  gop_.clear();
  gop_bytes_ = 0;
}

}  // namespace media
