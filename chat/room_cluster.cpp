// chat::Room's cluster part (--redis): what it tells the same room on the other nodes and what
// it takes from them. Everything here runs on the room's strand.
#include <algorithm>
#include <boost/asio/post.hpp>

#include "chat/events.hpp"
#include "chat/room.hpp"

namespace chat {
namespace asio = boost::asio;

void Room::update_online() {
  std::size_t online = members_.size();
  for (const auto& [node, remote] : remote_nodes_) online += remote.online;
  online_ = online;
  if (online > peak_online_) peak_online_ = online;
}

void Room::update_live() {
  bool live = live_here_;
  for (const auto& [node, remote] : remote_nodes_) live = live || remote.live;
  if (live_.exchange(live) == live) return;
  auto frame = std::make_shared<const std::string>(encode_stream(live));
  for (const auto& [id, entry] : members_)
    if (auto member = entry.member.lock()) member->send(frame, false);
}

void Room::send_relay() {
  relay_out_.online = members_.size();
  relay_out_.live = live_here_;
  relay_->send(info_.id, relay_out_);
  relay_out_ = {};
}

void Room::merge_history(std::vector<RelayBatch::Past> past) {
  for (auto& p : past)
    if (std::none_of(history_.begin(), history_.end(), [&](const HistoryEntry& h) { return h.id == p.id; }))
      history_.push_back({p.id, std::move(p.encoded)});
  std::sort(history_.begin(), history_.end(), [](const HistoryEntry& a, const HistoryEntry& b) { return a.id < b.id; });
  while (history_.size() > config_.history_size) history_.pop_front();
  if (!history_.empty()) last_message_id_ = std::max(last_message_id_, history_.back().id);
}

std::uint64_t Room::next_message_id() {
  if (!relay_) return ++last_message_id_;
  // Unique room-wide: a count above every id seen here, then this node's tag.
  last_message_id_ = (((last_message_id_ >> kNodeTagBits) + 1) << kNodeTagBits) | relay_->node_tag();
  return last_message_id_;
}

void Room::receive(std::string node, RelayBatch b) {
  asio::post(strand_, [self = shared_from_this(), node = std::move(node), b = std::move(b)]() mutable {
    if (self->closed_) return;
    auto& remote = self->remote_nodes_[node];
    auto now = std::chrono::steady_clock::now();
    if (!self->history_asked_until_) {  // the first node heard: this one may have joined late
      self->history_asked_until_ = now + kRelayNodeTimeout;
      self->relay_out_.history_wanted = true;
      self->schedule_flush();
    }
    if (b.history_wanted) {
      auto& answer = self->relay_out_.history.emplace();
      for (const auto& h : self->history_) answer.push_back({h.id, h.encoded});
      self->schedule_flush();
    }
    if (b.history && now < *self->history_asked_until_) {
      self->history_answered_ = true;
      self->merge_history(std::move(*b.history));
    }
    bool online_changed = remote.online != b.online || remote.heard == std::chrono::steady_clock::time_point{};
    remote = {b.online, b.live, std::chrono::steady_clock::now()};
    for (auto& m : b.messages) {
      self->last_message_id_ = std::max(self->last_message_id_, m.id);
      self->history_.push_back({m.id, m.encoded});
      while (self->history_.size() > self->config_.history_size) self->history_.pop_front();
      self->pending_events_.push_back(std::move(m.encoded));
      self->messages_.fetch_add(1, std::memory_order_relaxed);
      if (self->observer_) self->observer_->on_comment(m.from, m.text);
    }
    for (auto id : b.deleted) {
      std::erase_if(self->history_, [&](const HistoryEntry& h) { return h.id == id; });
      self->pending_events_.push_back(encode_deleted(id));
    }
    if (b.slow_mode) {
      self->moderator_.set_slow_mode(*b.slow_mode);
      self->pending_events_.push_back(encode_slow_mode(*b.slow_mode));
    }
    for (const auto& mute : b.mutes) {
      if (!mute.muted) {
        self->moderator_.unmute(mute.user_id);
      } else if (!mute.until_ms) {
        self->moderator_.mute(mute.user_id, std::nullopt, Clock::now());
      } else {
        std::chrono::milliseconds left{std::max<std::int64_t>(0, *mute.until_ms - unix_ms_now())};
        self->moderator_.mute_until(mute.user_id, Clock::now() + left);
      }
    }
    for (auto& m : b.mic) self->receive_mic(node, m);
    for (const auto& user : b.banned) {
      self->moderator_.ban(user);
      self->kick_user(user, CloseReason::banned);
    }
    for (auto& who : b.joins) {
      if (self->pending_joins_.size() < self->config_.max_join_notices_per_tick)
        self->pending_joins_.push_back(std::move(who));
      else
        ++self->pending_more_joins_;
    }
    self->pending_more_joins_ += b.more_joins;
    if (b.likes > 0) {
      self->pending_likes_ += b.likes;
      self->likes_.fetch_add(b.likes, std::memory_order_relaxed);
      if (self->observer_) self->observer_->on_likes(b.likes);
    }
    if (online_changed) {
      self->update_online();
      self->online_changed_ = true;
    }
    if (!b.empty() || online_changed) self->schedule_flush();
    self->update_live();
    // Its stream ended: what it owned is over (normally it said so in this batch already).
    if (node == self->mic_mirror_node_ && !b.live) self->mic_owner_gone();
  });
}

void Room::relay_tick() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_ || !self->relay_) return;
    auto now = std::chrono::steady_clock::now();
    std::vector<std::string> gone;
    for (auto it = self->remote_nodes_.begin(); it != self->remote_nodes_.end();) {
      if (now - it->second.heard <= kRelayNodeTimeout) {
        ++it;
        continue;
      }
      gone.push_back(it->first);
      it = self->remote_nodes_.erase(it);
    }
    if (!gone.empty()) {
      self->update_online();
      self->online_changed_ = true;
      self->schedule_flush();
      for (const auto& node : gone) self->mic_node_gone(node);
      self->update_live();  // a live node gone silent: its stream is as good as ended
    }
    // The heartbeat: this node's count and live state, with whatever waits for the next batch,
    // and from the owner its mic-link state, so that a node started later knows who is on camera
    // and one that missed a change (Redis dropped it) catches up.
    if (self->live_here_) self->relay_out_.mic.push_back(self->mic_state());
    if (self->history_asked_until_ && !self->history_answered_ && now < *self->history_asked_until_)
      self->relay_out_.history_wanted = true;  // not answered yet: the ask or the answers were lost
    self->send_relay();
  });
}

}  // namespace chat
