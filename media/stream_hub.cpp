#include "media/stream_hub.hpp"

#include <boost/asio/post.hpp>
#include <span>

namespace media {
namespace asio = boost::asio;

namespace {
// A track's timestamp a little behind its last one is held there (video) or dropped (audio);
// further back than this, the timeline is re-anchored.
constexpr std::int64_t kMaxStepBack = 1000;
constexpr std::int64_t kMaxFrameStep = 200;  // a longer gap between two pictures is a pause, not a frame rate
}  // namespace

StreamHub::StreamHub(asio::any_io_executor executor, std::string room, OutputsFactory outputs, LiveListener on_live)
    : room_(std::move(room)),
      strand_(asio::make_strand(std::move(executor))),
      audio_wait_(strand_),
      make_outputs_(std::move(outputs)),
      on_live_(std::move(on_live)) {}

void StreamHub::for_each_sink(const auto& fn) {
  for (auto it = sinks_.begin(); it != sinks_.end();) {
    if (auto sink = it->second.lock()) {
      fn(*sink);
      ++it;
    } else {
      it = sinks_.erase(it);
    }
  }
  viewers_ = sinks_.size();
}

void StreamHub::claim(std::uint64_t publisher, std::chrono::steady_clock::duration stale_after,
                      std::function<void(bool)> done) {
  asio::post(strand_, [self = shared_from_this(), publisher, stale_after, done = std::move(done)] {
    auto now = std::chrono::steady_clock::now();
    if (self->publisher_ != 0 && now - self->last_push_ < stale_after) return done(false);
    // A takeover keeps the viewers and the outputs: the new publisher's headers and keyframe follow.
    self->fan_out();  // the old publisher's last tags
    const bool starting = self->publisher_ == 0;
    if (starting && self->make_outputs_) self->outputs_ = self->make_outputs_(self->room_);
    self->publisher_ = publisher;
    self->last_push_ = now;
    self->cache_.clear();
    if (!starting) {
      self->rebase_next_ = true;  // the new encoder's time goes on from the viewers'
      self->source_metadata_.reset();
      self->source_video_header_.reset();
      self->source_audio_header_.reset();
    }
    self->live_ = true;
    if (starting && self->on_live_) self->on_live_(self->room_, true);
    done(true);
  });
}

void StreamHub::push(std::uint64_t publisher, Tag tag) {
  asio::post(strand_, [self = shared_from_this(), publisher, tag = std::move(tag)]() mutable {
    if (publisher != self->publisher_) return;
    self->last_push_ = std::chrono::steady_clock::now();
    self->tags_in_.fetch_add(1, std::memory_order_relaxed);
    if (self->program_ == 0) return self->deliver(std::move(tag));
    self->remember_header(tag);
    if (auto tap = self->tap_.lock()) tap->on_tag(tag);
    if (!self->program_on_) return self->deliver(std::move(tag));  // the mix has no picture yet
    std::span<const std::uint8_t> body;
    if (tag.body) body = *tag.body;
    if (self->returning_ && tag.type == flv::TagType::video && flv::is_keyframe(tag.type, body) &&
        !flv::is_sequence_header(tag.type, body))
      self->back_to_publisher(tag);
  });
}

void StreamHub::remember_header(const Tag& tag) {
  std::span<const std::uint8_t> body;
  if (tag.body) body = *tag.body;
  if (tag.type == flv::TagType::script)
    source_metadata_ = tag;
  else if (flv::is_sequence_header(tag.type, body))
    (tag.type == flv::TagType::video ? source_video_header_ : source_audio_header_) = tag;
}

void StreamHub::deliver(Tag tag) {
  if (program_ == 0) remember_header(tag);
  if (rebase_next_) {
    rebase_next_ = false;
    // One frame after the last picture: a frame shown for a millisecond breaks muxers' timing.
    offset_ = std::max(last_out_video_ + std::max<std::int64_t>(video_step_, 1), last_out_audio_ + 1) -
              static_cast<std::int64_t>(tag.timestamp);
  }
  std::int64_t& last = tag.type == flv::TagType::audio ? last_out_audio_ : last_out_video_;
  std::int64_t out = std::max<std::int64_t>(0, static_cast<std::int64_t>(tag.timestamp) + offset_);
  if (tag.type != flv::TagType::script) {
    if (out < last && last - out > kMaxStepBack) {  // the source's clock jumped back: go on from here
      offset_ += last + 1 - out;
      out = last + 1;
    }
    std::span<const std::uint8_t> body;
    if (tag.body) body = *tag.body;
    // Audio a little behind the track's last frame (a new source's audio runs a little ahead of
    // or behind its picture) is dropped: two frames at one time break muxers. A video frame is
    // never dropped (the next ones depend on it): it is held at the last time.
    if (tag.type == flv::TagType::audio && out <= last && !flv::is_sequence_header(tag.type, body)) return;
    out = std::max(out, last);
    if (tag.type == flv::TagType::video && last >= 0 && out > last && out - last <= kMaxFrameStep) video_step_ = out - last;
    last = out;
  }
  if (out != tag.timestamp) {
    tag.timestamp = static_cast<std::uint32_t>(out);
    tag.rtmp_chunks.reset();  // made for the old timestamp
  }
  cache_.add(tag);
  if (outputs_) outputs_->on_tag(tag);
  const bool audio = tag.type == flv::TagType::audio;
  run_.push_back(std::move(tag));
  if (audio && !sinks_.empty()) return hold_audio();
  fan_out();
}

void StreamHub::set_program(std::uint64_t program, std::weak_ptr<StreamSink> tap) {
  asio::post(strand_, [self = shared_from_this(), program, tap = std::move(tap)] {
    auto sink = tap.lock();
    if (!sink || self->publisher_ == 0 || self->program_ != 0) return;
    self->fan_out();
    self->program_ = program;
    self->tap_ = tap;
    self->program_on_ = false;
    self->returning_ = false;
    auto start = std::make_shared<const std::vector<Tag>>(self->cache_.start_tags());
    if (!start->empty()) sink->on_tags(start);
  });
}

void StreamHub::push_program(std::uint64_t program, Tag tag) {
  asio::post(strand_, [self = shared_from_this(), program, tag = std::move(tag)]() mutable {
    if (program != self->program_ || self->publisher_ == 0) return;
    if (!self->program_on_) {
      // The program starts at its first keyframe: its headers come before it (the mixer sends
      // them first), the publisher's picture until then.
      std::span<const std::uint8_t> body;
      if (tag.body) body = *tag.body;
      if (tag.type == flv::TagType::script) return;
      if (flv::is_sequence_header(tag.type, body)) {
        (tag.type == flv::TagType::video ? self->program_video_header_ : self->program_audio_header_) = tag;
        return;
      }
      if (tag.type != flv::TagType::video || !flv::is_keyframe(tag.type, body)) return;
      self->fan_out();
      self->program_on_ = true;
      self->cache_.clear();
      self->rebase_next_ = true;
      for (auto* header : {&self->program_video_header_, &self->program_audio_header_})
        if (*header) {
          Tag h = **header;
          h.timestamp = tag.timestamp;
          self->deliver(std::move(h));
        }
    }
    self->deliver(std::move(tag));
  });
}

void StreamHub::clear_program(std::uint64_t program, std::function<void()> done) {
  asio::post(strand_, [self = shared_from_this(), program, done = std::move(done)]() mutable {
    if (program != self->program_) {
      if (done) done();
      return;
    }
    if (!self->program_on_ || self->publisher_ == 0) {  // nothing of the program went out
      self->end_program();
      if (done) done();
      return;
    }
    self->returning_ = true;
    self->returned_ = std::move(done);
  });
}

void StreamHub::back_to_publisher(const Tag& keyframe) {
  auto done = std::move(returned_);
  end_program();
  fan_out();
  cache_.clear();
  rebase_next_ = true;
  for (auto* header : {&source_metadata_, &source_video_header_, &source_audio_header_})
    if (*header) {
      Tag h = **header;
      h.timestamp = keyframe.timestamp;
      deliver(std::move(h));
    }
  deliver(keyframe);
  if (done) done();
}

void StreamHub::end_program() {
  program_ = 0;
  tap_.reset();
  program_on_ = false;
  returning_ = false;
  returned_ = nullptr;
  program_video_header_.reset();
  program_audio_header_.reset();
}

void StreamHub::hold_audio() {
  if (waiting_) return;
  waiting_ = true;
  audio_wait_.expires_after(kAudioWait);
  audio_wait_.async_wait([self = shared_from_this(), run = run_number_](boost::system::error_code) {
    if (self->waiting_ && run == self->run_number_) self->fan_out();
  });
}

// One shared run per fan-out: each viewer takes it with one hop to its strand, however many
// tags it holds.
void StreamHub::fan_out() {
  waiting_ = false;  // a pending wait finds run_number_ moved on and does nothing
  ++run_number_;
  if (run_.empty()) return;
  auto tags = std::make_shared<const std::vector<Tag>>(std::move(run_));
  run_.clear();
  for_each_sink([&](StreamSink& s) { s.on_tags(tags); });
}

void StreamHub::release(std::uint64_t publisher) {
  asio::post(strand_, [self = shared_from_this(), publisher] {
    if (publisher != self->publisher_) return;
    self->fan_out();
    self->publisher_ = 0;
    self->live_ = false;
    auto tap = self->tap_.lock();
    auto returned = std::move(self->returned_);
    self->end_program();
    if (tap) tap->on_end();
    if (returned) returned();
    self->source_metadata_.reset();
    self->source_video_header_.reset();
    self->source_audio_header_.reset();
    self->offset_ = 0;
    self->rebase_next_ = false;
    self->last_out_video_ = self->last_out_audio_ = -1;
    self->video_step_ = 0;
    if (self->on_live_) self->on_live_(self->room_, false);
    self->for_each_sink([](StreamSink& s) { s.on_end(); });
    if (self->outputs_) self->outputs_->on_end();
    self->outputs_.reset();
    self->sinks_.clear();
    self->viewers_ = 0;
    self->cache_.clear();
  });
}

void StreamHub::add_sink(std::uint64_t id, std::weak_ptr<StreamSink> sink) {
  asio::post(strand_, [self = shared_from_this(), id, sink = std::move(sink)] {
    auto s = sink.lock();
    if (!s) return;
    self->fan_out();  // the cache holds the pending tags too: send them before the start
    if (self->live_) {
      auto start = std::make_shared<const std::vector<Tag>>(self->cache_.start_tags());
      if (!start->empty()) s->on_tags(start);
    }
    self->sinks_[id] = sink;
    self->viewers_ = self->sinks_.size();
  });
}

void StreamHub::remove_sink(std::uint64_t id) {
  asio::post(strand_, [self = shared_from_this(), id] {
    self->sinks_.erase(id);
    self->viewers_ = self->sinks_.size();
  });
}

}  // namespace media
