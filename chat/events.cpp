#include "chat/events.hpp"

#include <boost/json.hpp>

namespace chat {
namespace json = boost::json;

namespace {

json::object user_json(const Identity& who) {
  return json::object{{"id", who.user_id}, {"nick", who.nick}, {"role", to_string(who.role)}};
}

std::string join_array(std::string prefix, const std::vector<std::string>& items, std::string_view suffix) {
  std::size_t size = prefix.size() + suffix.size() + items.size();
  for (const auto& e : items) size += e.size();
  prefix.reserve(size);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) prefix.push_back(',');
    prefix += items[i];
  }
  prefix += suffix;
  return prefix;
}

json::object person_json(const Identity& who) { return json::object{{"id", who.user_id}, {"nick", who.nick}}; }

json::object guest_json(const MicLinkGuest& g) {
  return json::object{{"slot", g.slot}, {"id", g.entry.who.user_id}, {"nick", g.entry.who.nick}};
}

json::array guests_json(const std::vector<MicLinkGuest>& guests) {
  json::array out;
  for (const auto& g : guests) out.push_back(guest_json(g));
  return out;
}

}  // namespace

std::string encode_chat(const ChatEvent& e) {
  return json::serialize(json::object{{"type", "chat"},
                                      {"id", e.id},
                                      {"user", user_json(e.from)},
                                      {"text", e.text},
                                      {"ts", e.ts_ms}});
}

std::string encode_likes(std::uint64_t added, std::uint64_t total) {
  return json::serialize(json::object{{"type", "likes"}, {"count", added}, {"total", total}});
}

std::string encode_joins(const std::vector<Identity>& named, std::size_t more) {
  json::array users;
  for (const auto& who : named) users.push_back(json::object{{"id", who.user_id}, {"nick", who.nick}});
  return json::serialize(json::object{{"type", "join"}, {"users", std::move(users)}, {"more", more}});
}

std::string encode_online(std::size_t count) {
  return json::serialize(json::object{{"type", "online"}, {"count", count}});
}

std::string encode_deleted(std::uint64_t message_id) {
  return json::serialize(json::object{{"type", "delete"}, {"id", message_id}});
}

std::string encode_slow_mode(std::chrono::seconds interval) {
  return json::serialize(json::object{{"type", "slow_mode"}, {"seconds", interval.count()}});
}

std::string encode_stream(bool live) { return live ? R"({"type":"stream","live":true})" : R"({"type":"stream","live":false})"; }

std::string encode_batch(const std::vector<std::string>& events) {
  return join_array(R"({"type":"batch","events":[)", events, "]}");
}

std::string encode_error(const ErrorInfo& e) {
  json::object o{{"type", "error"}, {"code", e.code}, {"message", e.message}};
  if (!e.ref.empty()) o["ref"] = e.ref;
  if (e.retry_after.count() > 0) o["retry_after_ms"] = e.retry_after.count();
  return json::serialize(o);
}

std::string encode_welcome(const WelcomeInfo& w) {
  json::object o{{"type", "welcome"},
                 {"room", json::object{{"id", w.room_id}, {"title", w.room_title}, {"live", w.live}}},
                 {"you", user_json(w.you)},
                 {"token", w.token},
                 {"online", w.online},
                 {"likes", w.likes},
                 {"slow_mode", w.slow_mode.count()}};
  if (w.mic_max_guests > 0) {
    json::object mic{{"max_guests", w.mic_max_guests},
                     {"guests", w.mic_guests ? guests_json(*w.mic_guests) : json::array{}}};
    if (w.mic_queue) {
      json::array queue;
      for (const auto& e : *w.mic_queue) queue.push_back(person_json(e.who));
      mic["queue"] = std::move(queue);
    }
    o["mic_link"] = std::move(mic);
  }
  o["history"] = json::array{};
  // The history is spliced in as text: its events are already encoded.
  std::string head = json::serialize(o);
  head.resize(head.size() - 3);  // drop the empty array "[]}" and rebuild it
  return join_array(std::move(head) + "[", w.history, "]}");
}

std::string encode_ack(std::string_view action, std::string_view detail_key, std::string_view detail_value) {
  json::object o{{"type", "ack"}, {"action", action}};
  if (!detail_key.empty()) o[detail_key] = detail_value;
  return json::serialize(o);
}

std::string encode_room_closed() { return R"({"type":"room_closed"})"; }

std::string encode_mic_queued(std::size_t position) {
  return json::serialize(json::object{{"type", "mic_queued"}, {"position", position}});
}

std::string encode_mic_cancelled() { return R"({"type":"mic_cancelled"})"; }

std::string encode_mic_accepted(int slot, const GuestPass& pass) {
  return json::serialize(
      json::object{{"type", "mic_accepted"}, {"slot", slot}, {"token", pass.token}, {"whip_url", pass.whip_url}});
}

std::string encode_mic_declined(std::string_view reason) {
  return json::serialize(json::object{{"type", "mic_declined"}, {"reason", reason}});
}

std::string encode_mic_ended(int slot, MicLinkEnd reason, std::string_view detail) {
  json::object o{{"type", "mic_ended"}, {"slot", slot}, {"reason", to_string(reason)}};
  if (!detail.empty()) o["detail"] = detail;
  return json::serialize(o);
}

std::string encode_mic_queue(int max_guests, const std::vector<MicLinkEntry>& queue,
                             const std::vector<MicLinkGuest>& guests) {
  json::array waiting;
  for (const auto& e : queue) waiting.push_back(person_json(e.who));
  return json::serialize(json::object{
      {"type", "mic_queue"}, {"max_guests", max_guests}, {"queue", std::move(waiting)}, {"guests", guests_json(guests)}});
}

std::string encode_mic_guests(const std::vector<MicLinkGuest>& guests, const MicGuestChange& change) {
  json::object o{{"type", "mic_guests"}, {"guests", guests_json(guests)}};
  if (change.started) {
    o["started"] = guest_json(change.guest);
  } else {
    json::object ended = guest_json(change.guest);
    ended["reason"] = to_string(change.reason);
    o["ended"] = std::move(ended);
  }
  return json::serialize(o);
}

}  // namespace chat
