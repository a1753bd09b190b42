#include "chat/room.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "chat/events.hpp"

namespace chat {
namespace asio = boost::asio;

std::int64_t Room::unix_ms_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;  // clang 14 lacks C++20 aggregate deduction

}  // namespace

Room::Room(asio::any_io_executor executor, RoomInfo info, const ChatConfig& config, ChatStats& stats,
           std::shared_ptr<RoomObserver> observer, BanStore bans, std::shared_ptr<MicLinkListener> mic_link)
    : info_(std::move(info)),
      config_(config),
      stats_(stats),
      observer_(std::move(observer)),
      ban_store_(std::move(bans)),
      mic_link_listener_(std::move(mic_link)),
      strand_(asio::make_strand(executor)),
      flush_timer_(strand_),
      moderator_(config),
      mic_link_(config.mic_link_max_guests) {}

RoomCounters Room::counters() const {
  return {online_.load(std::memory_order_relaxed), peak_online_.load(std::memory_order_relaxed),
          messages_.load(std::memory_order_relaxed), likes_.load(std::memory_order_relaxed)};
}

void Room::join(std::uint64_t member_id, std::weak_ptr<Member> member, Identity who, std::string token) {
  asio::post(strand_, [self = shared_from_this(), member_id, member = std::move(member),
                       who = std::move(who), token = std::move(token)]() mutable {
    self->do_join(member_id, std::move(member), std::move(who), token);
  });
}

void Room::leave(std::uint64_t member_id) {
  asio::post(strand_, [self = shared_from_this(), member_id] { self->do_leave(member_id); });
}

void Room::handle(std::uint64_t member_id, ClientMessage message) {
  asio::post(strand_, [self = shared_from_this(), member_id, message = std::move(message)]() mutable {
    auto it = self->members_.find(member_id);
    if (it == self->members_.end()) return;  // left (or was kicked) meanwhile
    if (self->on_mic_link(member_id, it->second, message)) return;
    std::visit(Overloaded{
                   [&](ChatMsg& m) { self->on_chat(it->second, m); },
                   [&](LikeMsg& m) { self->on_like(m); },
                   [&](auto&) { self->on_moderation(it->second, message); },
               },
               message);
  });
}

void Room::publish(std::string encoded_event) {
  asio::post(strand_, [self = shared_from_this(), e = std::move(encoded_event)]() mutable {
    if (self->closed_) return;
    self->pending_events_.push_back(std::move(e));
    self->schedule_flush();
  });
}

void Room::set_banned_words(std::vector<std::string> words) {
  asio::post(strand_, [self = shared_from_this(), words = std::move(words)] { self->moderator_.set_room_words(words); });
}

void Room::send_to_staff(std::string encoded_message) {
  asio::post(strand_, [self = shared_from_this(), m = std::move(encoded_message)]() mutable {
    auto frame = std::make_shared<const std::string>(std::move(m));
    for (const auto& [id, entry] : self->members_)
      if (is_staff(entry.who.role))
        if (auto member = entry.member.lock()) member->send(frame, false);
  });
}

void Room::set_live(bool live) {
  asio::post(strand_, [self = shared_from_this(), live] {
    if (std::exchange(self->live_here_, live) == live) return;
    if (self->closed_) return;
    if (!live) self->end_all_mic_links(MicLinkEnd::stream_ended, true);  // no guest without a host on air
    // The other nodes' members hear it now, not with the next heartbeat.
    if (self->relay_) self->send_relay();
    self->update_live();
  });
}

void Room::load_bans(std::vector<std::string> user_ids) {
  asio::post(strand_, [self = shared_from_this(), ids = std::move(user_ids)] {
    for (const auto& id : ids) self->moderator_.ban(id);
  });
}

void Room::lift_bans(std::vector<std::string> user_ids) {
  asio::post(strand_, [self = shared_from_this(), ids = std::move(user_ids)] {
    for (const auto& id : ids) self->moderator_.unban(id);
  });
}

void Room::unban(std::string user_id, std::function<void(bool stored)> done) {
  asio::post(strand_, [self = shared_from_this(), id = std::move(user_id), done = std::move(done)] {
    self->moderator_.unban(id);
    if (!self->ban_store_) return done(true);
    self->ban_store_(Ban{id, {}, 0}, false, done);
  });
}

void Room::store_ban(Ban ban, bool banned, std::weak_ptr<Member> by) {
  const char* action = banned ? "ban" : "unban";
  auto reply = [self = shared_from_this(), by = std::move(by), action, user = ban.user_id](bool stored) {
    asio::post(self->strand_, [self, by, action, user, stored] {
      auto m = by.lock();
      if (!m) return;
      m->send(std::make_shared<const std::string>(
                  stored ? encode_ack(action, "user", user)
                         : encode_error({"storage", "done for now, but it could not be stored: it is lost on restart"})),
              false);
    });
  };
  if (!ban_store_) return reply(true);
  ban_store_(ban, banned, std::move(reply));
}

void Room::close() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->closed_.exchange(true)) return;
    self->end_all_mic_links(MicLinkEnd::room_closed, false);  // everyone hears room_closed instead
    auto frame = std::make_shared<const std::string>(encode_room_closed());
    for (auto& [id, entry] : self->members_) {
      if (auto m = entry.member.lock()) {
        m->send(frame, false);
        m->kick(CloseReason::room_closed);
      }
      if (self->observer_) self->observer_->on_leave(entry.who);
    }
    self->members_.clear();
    self->connections_per_user_.clear();
    self->online_ = 0;
    self->flush_timer_.cancel();
  });
}

void Room::do_join(std::uint64_t member_id, std::weak_ptr<Member> member, Identity who, const std::string& token) {
  auto m = member.lock();
  if (!m) return;
  if (closed_) {
    m->send(std::make_shared<const std::string>(encode_error({"room_closed", "this room has ended"})), false);
    m->kick(CloseReason::room_closed);
    return;
  }
  if (!is_staff(who.role) && moderator_.is_banned(who.user_id)) {
    m->send(std::make_shared<const std::string>(encode_error({"banned", "you are banned from this room"})), false);
    m->kick(CloseReason::banned);
    return;
  }

  if (observer_) observer_->on_enter(who);  // before the welcome: whoever is welcomed is counted
  std::vector<std::string> history;
  history.reserve(history_.size());
  for (const auto& h : history_) history.push_back(h.encoded);
  // Another node's mic-link: as it last told us.
  const bool mirrored = remote_mic_owner() != nullptr;
  std::vector<MicLinkGuest> guests = mirrored ? mic_mirror_guests_ : mic_link_.guests();
  m->send(std::make_shared<const std::string>(encode_welcome({
              .room_id = info_.id,
              .room_title = info_.title,
              .live = live_.load(std::memory_order_relaxed),
              .you = who,
              .token = token,
              .online = members_.size() + 1,
              .likes = likes_.load(std::memory_order_relaxed),
              .slow_mode = moderator_.slow_mode(),
              .history = history,
              .mic_max_guests = mic_link_.max_guests(),
              .mic_guests = &guests,
              .mic_queue = !is_staff(who.role) ? nullptr
                           : mirrored          ? &mic_mirror_queue_
                                               : &mic_link_.queue(),
          })),
          false);

  if (pending_joins_.size() < config_.max_join_notices_per_tick)
    pending_joins_.push_back(who);
  else
    ++pending_more_joins_;
  if (relay_) {
    if (relay_out_.joins.size() < config_.max_join_notices_per_tick)
      relay_out_.joins.push_back(who);
    else
      ++relay_out_.more_joins;
  }
  ++connections_per_user_[who.user_id];
  members_.emplace(member_id, MemberEntry{std::move(member), std::move(who)});

  update_online();
  online_changed_ = true;
  schedule_flush();
}

void Room::do_leave(std::uint64_t member_id) {
  auto it = members_.find(member_id);
  if (it == members_.end()) return;
  remove_member(it);
  online_changed_ = true;
  schedule_flush();
}

Room::Members::iterator Room::remove_member(Members::iterator it) {
  if (observer_) observer_->on_leave(it->second.who);
  std::string user_id = std::move(it->second.who.user_id);
  std::uint64_t member_id = it->first;
  it = members_.erase(it);
  mic_link_member_gone(member_id);
  if (auto c = connections_per_user_.find(user_id); c != connections_per_user_.end() && --c->second == 0) {
    connections_per_user_.erase(c);
    moderator_.forget(user_id, Clock::now());
  }
  update_online();
  return it;
}

void Room::send_to(const MemberEntry& entry, std::string frame) {
  if (auto m = entry.member.lock()) m->send(std::make_shared<const std::string>(std::move(frame)), false);
}

void Room::on_chat(MemberEntry& from, ChatMsg& msg) {
  Verdict verdict = moderator_.check_chat(from.who, msg.text, Clock::now());
  if (!verdict.ok()) {
    stats_.count_rejection(verdict.rejection);
    send_to(from, encode_error({to_code(verdict.rejection), verdict.message, msg.ref, verdict.retry_after}));
    return;
  }
  ChatEvent event{next_message_id(), from.who, std::move(msg.text), unix_ms_now()};
  std::string encoded = encode_chat(event);
  if (relay_) relay_out_.messages.push_back({event.id, encoded, event.from, event.text});
  history_.push_back({event.id, encoded});
  while (history_.size() > config_.history_size) history_.pop_front();
  pending_events_.push_back(std::move(encoded));
  messages_.fetch_add(1, std::memory_order_relaxed);
  stats_.messages.fetch_add(1, std::memory_order_relaxed);
  if (observer_) observer_->on_comment(event.from, event.text);
  schedule_flush();
}

void Room::on_like(const LikeMsg& msg) {
  pending_likes_ += msg.count;
  if (relay_) relay_out_.likes += msg.count;
  likes_.fetch_add(msg.count, std::memory_order_relaxed);
  stats_.likes.fetch_add(msg.count, std::memory_order_relaxed);
  if (observer_) observer_->on_likes(msg.count);
  schedule_flush();
}

void Room::on_moderation(MemberEntry& from, ClientMessage& message) {
  if (!is_staff(from.who.role)) {
    send_to(from, encode_error({"forbidden", "only the host or an operator can do this"}));
    return;
  }
  auto target_is_staff = [&](const std::string& user_id) {
    for (const auto& [id, entry] : members_)
      if (entry.who.user_id == user_id) return is_staff(entry.who.role);
    return false;
  };
  auto now = Clock::now();
  std::visit(
      Overloaded{
          [&](MuteMsg& m) {
            if (target_is_staff(m.user_id)) return send_to(from, encode_error({"forbidden", "staff cannot be muted"}));
            std::optional<std::chrono::seconds> duration;
            if (m.seconds > 0) duration = std::chrono::seconds(m.seconds);
            moderator_.mute(m.user_id, duration, now);
            if (relay_) {
              std::optional<std::int64_t> until;
              if (duration) until = unix_ms_now() + m.seconds * std::int64_t{1000};
              relay_out_.mutes.push_back({m.user_id, true, until});
              schedule_flush();
            }
            send_to(from, encode_ack("mute", "user", m.user_id));
          },
          [&](UnmuteMsg& m) {
            moderator_.unmute(m.user_id);
            if (relay_) {
              relay_out_.mutes.push_back({m.user_id, false, std::nullopt});
              schedule_flush();
            }
            send_to(from, encode_ack("unmute", "user", m.user_id));
          },
          [&](BanMsg& m) {
            if (target_is_staff(m.user_id)) return send_to(from, encode_error({"forbidden", "staff cannot be banned"}));
            Ban ban{m.user_id, {}, unix_ms_now()};
            for (const auto& [id, entry] : members_)
              if (entry.who.user_id == m.user_id) ban.nick = entry.who.nick;
            // Out at once; the ack waits for the store.
            moderator_.ban(m.user_id);
            kick_user(m.user_id, CloseReason::banned);
            if (relay_) relay_out_.banned.push_back(m.user_id);
            store_ban(std::move(ban), true, from.member);
          },
          [&](UnbanMsg& m) {
            moderator_.unban(m.user_id);
            store_ban(Ban{m.user_id, {}, 0}, false, from.member);
          },
          [&](DeleteMsg& m) {
            if (m.message_id > last_message_id_)
              return send_to(from, encode_error({"not_found", "no such message"}));
            std::erase_if(history_, [&](const HistoryEntry& h) { return h.id == m.message_id; });
            pending_events_.push_back(encode_deleted(m.message_id));
            if (relay_) relay_out_.deleted.push_back(m.message_id);
            schedule_flush();
            send_to(from, encode_ack("delete", "id", std::to_string(m.message_id)));
          },
          [&](SlowModeMsg& m) {
            moderator_.set_slow_mode(std::chrono::seconds(m.seconds));
            pending_events_.push_back(encode_slow_mode(std::chrono::seconds(m.seconds)));
            if (relay_) relay_out_.slow_mode = std::chrono::seconds(m.seconds);
            schedule_flush();
            send_to(from, encode_ack("slow_mode", "seconds", std::to_string(m.seconds)));
          },
          [&](auto&) {},
      },
      message);
}

void Room::kick_user(const std::string& user_id, CloseReason reason) {
  auto frame = std::make_shared<const std::string>(encode_error({"banned", "you are banned from this room"}));
  bool removed = false;
  for (auto it = members_.begin(); it != members_.end();) {
    if (it->second.who.user_id != user_id || is_staff(it->second.who.role)) {
      ++it;
      continue;
    }
    if (auto m = it->second.member.lock()) {
      m->send(frame, false);
      m->kick(reason);
    }
    it = remove_member(it);
    removed = true;
  }
  if (!removed) return;
  online_changed_ = true;
  schedule_flush();
}

void Room::schedule_flush() {
  if (flush_scheduled_ || closed_) return;
  flush_scheduled_ = true;
  flush_timer_.expires_after(config_.tick);
  flush_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->flush_scheduled_ = false;
    if (!ec) self->flush();
  });
}

void Room::flush() {
  // Sessions that ended without leaving are dropped first, so the online count is right.
  std::vector<std::shared_ptr<Member>> live;
  live.reserve(members_.size());
  for (auto it = members_.begin(); it != members_.end();) {
    if (auto m = it->second.member.lock()) {
      live.push_back(std::move(m));
      ++it;
    } else {
      it = remove_member(it);
      online_changed_ = true;
    }
  }

  std::vector<std::string> events = std::move(pending_events_);
  pending_events_.clear();
  if (!pending_joins_.empty() || pending_more_joins_ > 0)
    events.push_back(encode_joins(pending_joins_, pending_more_joins_));
  if (pending_likes_ > 0) events.push_back(encode_likes(pending_likes_, likes_.load(std::memory_order_relaxed)));
  if (online_changed_) events.push_back(encode_online(online_.load(std::memory_order_relaxed)));
  if (relay_ && (online_changed_ || !relay_out_.empty())) send_relay();
  pending_joins_.clear();
  pending_more_joins_ = 0;
  pending_likes_ = 0;
  online_changed_ = false;
  if (events.empty()) return;

  auto frame = std::make_shared<const std::string>(encode_batch(events));
  for (auto& m : live) m->send(frame, true);
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  stats_.deliveries.fetch_add(live.size(), std::memory_order_relaxed);
}

}  // namespace chat
