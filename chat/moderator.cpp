#include "chat/moderator.hpp"

#include "chat/utf8.hpp"

namespace chat {

std::string_view to_code(Rejection r) {
  switch (r) {
    case Rejection::none: return "ok";
    case Rejection::empty: return "empty";
    case Rejection::too_long: return "too_long";
    case Rejection::invalid_text: return "invalid_text";
    case Rejection::rate_limited: return "rate_limited";
    case Rejection::slow_mode: return "slow_mode";
    case Rejection::muted: return "muted";
    case Rejection::banned_word: return "banned_word";
  }
  return "invalid_text";
}

Moderator::Moderator(const ChatConfig& config)
    : config_(config), banned_words_(config.banned_words) {}

Verdict Moderator::check_chat(const Identity& who, std::string_view text, Clock::time_point now) {
  using std::chrono::milliseconds;
  // Rounded up: a client that waits exactly retry_after_ms is let through.
  auto ceil_ms = [](Clock::duration d) { return std::chrono::ceil<milliseconds>(d); };

  if (!is_valid_utf8(text) || has_control_chars(text))
    return {Rejection::invalid_text, "message contains invalid characters", {}};
  if (is_blank(text)) return {Rejection::empty, "message is empty", {}};
  if (code_point_count(text) > config_.max_message_chars)
    return {Rejection::too_long,
            "message is longer than " + std::to_string(config_.max_message_chars) + " characters",
            {}};
  if (!banned_words_.find_in(text).empty() || !room_words_.find_in(text).empty())
    return {Rejection::banned_word, "message contains a banned word", {}};
  if (is_staff(who.role)) return {};

  if (is_muted(who.user_id, now)) {
    auto until = muted_until_.at(who.user_id);
    milliseconds retry = until == Clock::time_point::max() ? milliseconds{0} : ceil_ms(until - now);
    return {Rejection::muted, "you are muted in this room", retry};
  }
  if (slow_mode_.count() > 0) {
    auto it = last_message_.find(who.user_id);
    if (it != last_message_.end() && now - it->second < slow_mode_) {
      auto retry = ceil_ms(slow_mode_ - (now - it->second));
      return {Rejection::slow_mode,
              "slow mode: one message every " + std::to_string(slow_mode_.count()) + " s", retry};
    }
  }
  auto [bucket, inserted] = rate_.try_emplace(who.user_id, config_.rate_per_second, config_.rate_burst);
  milliseconds retry{0};
  if (!bucket->second.try_take(now, &retry))
    return {Rejection::rate_limited, "too many messages, slow down", retry};
  if (slow_mode_.count() > 0) last_message_[who.user_id] = now;
  return {};
}

void Moderator::mute(const std::string& user_id, std::optional<std::chrono::seconds> duration,
                     Clock::time_point now) {
  muted_until_[user_id] = duration ? now + *duration : Clock::time_point::max();
}

void Moderator::unmute(const std::string& user_id) { muted_until_.erase(user_id); }

bool Moderator::is_muted(const std::string& user_id, Clock::time_point now) const {
  auto it = muted_until_.find(user_id);
  return it != muted_until_.end() && now < it->second;
}

void Moderator::ban(const std::string& user_id) {
  banned_.insert(user_id);
  muted_until_.erase(user_id);
}

bool Moderator::is_banned(const std::string& user_id) const { return banned_.contains(user_id); }

void Moderator::set_slow_mode(std::chrono::seconds interval) {
  slow_mode_ = interval;
  if (interval.count() == 0) last_message_.clear();
}

void Moderator::forget(const std::string& user_id, Clock::time_point now) {
  if (auto it = rate_.find(user_id); it != rate_.end() && it->second.is_full(now)) rate_.erase(it);
  if (auto it = last_message_.find(user_id); it != last_message_.end() && now - it->second >= slow_mode_)
    last_message_.erase(it);
  if (auto it = muted_until_.find(user_id); it != muted_until_.end() && now >= it->second)
    muted_until_.erase(it);
}

}  // namespace chat
