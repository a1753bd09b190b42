#include "media/stream_hub.hpp"

#include <boost/asio/post.hpp>

namespace media {
namespace asio = boost::asio;

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
    self->cache_.add(tag);
    if (self->outputs_) self->outputs_->on_tag(tag);
    const bool audio = tag.type == flv::TagType::audio;
    self->run_.push_back(std::move(tag));
    if (audio && !self->sinks_.empty()) return self->hold_audio();
    self->fan_out();
  });
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
