#include "chat/mic_link_queue.hpp"

#include <algorithm>
#include <stdexcept>

#include "chat/mic_link_listener.hpp"

namespace chat {

std::string_view to_string(MicLinkEnd reason) {
  switch (reason) {
    case MicLinkEnd::host_ended:
      return "host_ended";
    case MicLinkEnd::left:
      return "left";
    case MicLinkEnd::disconnected:
      return "disconnected";
    case MicLinkEnd::media_ended:
      return "media_ended";
    case MicLinkEnd::stream_ended:
      return "stream_ended";
    case MicLinkEnd::room_closed:
      return "room_closed";
  }
  return "host_ended";
}

std::string_view to_code(MicLinkError e) {
  switch (e) {
    case MicLinkError::none:
      return "ok";
    case MicLinkError::already_queued:
      return "already_queued";
    case MicLinkError::already_guest:
      return "already_guest";
    case MicLinkError::queue_full:
      return "queue_full";
    case MicLinkError::not_queued:
      return "not_queued";
    case MicLinkError::slots_full:
      return "mic_full";
    case MicLinkError::not_guest:
      return "not_guest";
  }
  return "ok";
}

MicLinkQueue::MicLinkQueue(int max_guests) {
  if (max_guests < 1 || max_guests > kMaxMicLinkGuests)
    throw std::invalid_argument("mic-link guests must be 1 to " +
                                std::to_string(kMaxMicLinkGuests));
  slots_.resize(static_cast<std::size_t>(max_guests));
}

MicLinkError MicLinkQueue::request(Identity who, std::uint64_t member_id, std::string node) {
  if (slot_of(who.user_id) != 0) return MicLinkError::already_guest;
  if (position(who.user_id) != 0) return MicLinkError::already_queued;
  if (queue_.size() >= kMaxMicLinkQueue) return MicLinkError::queue_full;
  queue_.push_back({std::move(who), member_id, std::move(node)});
  return MicLinkError::none;
}

std::optional<MicLinkEntry> MicLinkQueue::cancel(const std::string& user_id) {
  auto it = std::find_if(queue_.begin(), queue_.end(),
                         [&](const MicLinkEntry& e) { return e.who.user_id == user_id; });
  if (it == queue_.end()) return std::nullopt;
  MicLinkEntry entry = std::move(*it);
  queue_.erase(it);
  return entry;
}

MicLinkQueue::Accepted MicLinkQueue::accept(const std::string& user_id) {
  if (position(user_id) == 0)
    return {slot_of(user_id) != 0 ? MicLinkError::already_guest : MicLinkError::not_queued, {}};
  auto free =
      std::find_if(slots_.begin(), slots_.end(), [](const auto& s) { return !s.has_value(); });
  if (free == slots_.end()) return {MicLinkError::slots_full, {}};
  *free = cancel(user_id);
  return {MicLinkError::none, MicLinkGuest{static_cast<int>(free - slots_.begin()) + 1, **free}};
}

std::optional<MicLinkGuest> MicLinkQueue::end_slot(int slot) {
  if (slot < 1 || slot > max_guests()) return std::nullopt;
  auto& s = slots_[static_cast<std::size_t>(slot - 1)];
  if (!s) return std::nullopt;
  MicLinkGuest guest{slot, std::move(*s)};
  s.reset();
  return guest;
}

std::optional<MicLinkGuest> MicLinkQueue::end_user(const std::string& user_id) {
  int slot = slot_of(user_id);
  if (slot == 0) return std::nullopt;
  return end_slot(slot);
}

MicLinkQueue::Gone MicLinkQueue::member_gone(std::uint64_t member_id, std::string_view node) {
  Gone gone;
  auto of_it = [&](const MicLinkEntry& e) { return e.member_id == member_id && e.node == node; };
  gone.left_queue = std::erase_if(queue_, of_it) > 0;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i] && of_it(*slots_[i])) gone.ended = end_slot(static_cast<int>(i) + 1);
  return gone;
}

MicLinkQueue::NodeGone MicLinkQueue::node_gone(std::string_view node) {
  NodeGone gone;
  gone.left_queue =
      std::erase_if(queue_, [&](const MicLinkEntry& e) { return e.node == node; }) > 0;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i] && slots_[i]->node == node)
      gone.ended.push_back(*end_slot(static_cast<int>(i) + 1));
  return gone;
}

std::vector<MicLinkEntry> MicLinkQueue::take_queue() {
  std::vector<MicLinkEntry> out = std::move(queue_);
  queue_.clear();
  return out;
}

std::vector<MicLinkGuest> MicLinkQueue::take_guests() {
  std::vector<MicLinkGuest> out = guests();
  for (auto& s : slots_) s.reset();
  return out;
}

std::size_t MicLinkQueue::position(const std::string& user_id) const {
  for (std::size_t i = 0; i < queue_.size(); ++i)
    if (queue_[i].who.user_id == user_id) return i + 1;
  return 0;
}

std::vector<MicLinkGuest> MicLinkQueue::guests() const {
  std::vector<MicLinkGuest> out;
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i]) out.push_back({static_cast<int>(i) + 1, *slots_[i]});
  return out;
}

int MicLinkQueue::slot_of(const std::string& user_id) const {
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (slots_[i] && slots_[i]->who.user_id == user_id) return static_cast<int>(i) + 1;
  return 0;
}

}  // namespace chat
