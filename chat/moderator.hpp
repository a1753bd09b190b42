#pragma once
// Moderation policy of one room: message length, per-viewer rate limit, banned words, slow
// mode, mutes and bans. Pure logic with the time passed in; used on the room's strand only.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "chat/banned_words.hpp"
#include "chat/chat_config.hpp"
#include "chat/identity.hpp"
#include "chat/rate_limiter.hpp"

namespace chat {

enum class Rejection { none, empty, too_long, invalid_text, rate_limited, slow_mode, muted, banned_word };
inline constexpr std::size_t kRejectionCount = 8;

[[nodiscard]] std::string_view to_code(Rejection r);

struct Verdict {
  Rejection rejection = Rejection::none;
  std::string message;
  std::chrono::milliseconds retry_after{0};

  [[nodiscard]] bool ok() const { return rejection == Rejection::none; }
};

class Moderator {
 public:
  explicit Moderator(const ChatConfig& config);

  // Decides whether `who` may post `text` now; a passing message is counted against the
  // sender's rate limit and slow-mode window.
  [[nodiscard]] Verdict check_chat(const Identity& who, std::string_view text, Clock::time_point now);

  // `duration` empty: muted until unmuted.
  void mute(const std::string& user_id, std::optional<std::chrono::seconds> duration, Clock::time_point now);
  // A mute made on another node (cluster mode), ending at `until`.
  void mute_until(const std::string& user_id, Clock::time_point until) {
    muted_until_[user_id] = until;
  }
  void unmute(const std::string& user_id);
  [[nodiscard]] bool is_muted(const std::string& user_id, Clock::time_point now) const;

  void ban(const std::string& user_id);
  void unban(const std::string& user_id) { banned_.erase(user_id); }
  [[nodiscard]] bool is_banned(const std::string& user_id) const;

  // The room's own banned words, on top of the node's list (ChatConfig::banned_words).
  void set_room_words(const std::vector<std::string>& words) { room_words_ = BannedWords(words); }

  void set_slow_mode(std::chrono::seconds interval);
  [[nodiscard]] std::chrono::seconds slow_mode() const { return slow_mode_; }

  // Drops per-viewer state that carries no information any more (the viewer left and
  // the limits have recovered), so memory follows the audience, not its history.
  void forget(const std::string& user_id, Clock::time_point now);

 private:
  const ChatConfig& config_;
  BannedWords banned_words_;
  BannedWords room_words_;
  std::chrono::seconds slow_mode_{0};
  std::unordered_map<std::string, RateLimiter> rate_;
  std::unordered_map<std::string, Clock::time_point> last_message_;
  std::unordered_map<std::string, Clock::time_point> muted_until_;  // max(): indefinitely
  std::unordered_set<std::string> banned_;
};

}  // namespace chat
