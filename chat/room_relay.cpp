#include "chat/room_relay.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

namespace chat {
namespace json = boost::json;

namespace {

json::object identity_json(const Identity& who) {
  return {{"user_id", who.user_id}, {"nick", who.nick}, {"role", to_string(who.role)}};
}

bool identity_from(const json::value& v, Identity& out) {
  const auto* o = v.if_object();
  if (!o) return false;
  const auto* user = o->if_contains("user_id");
  const auto* nick = o->if_contains("nick");
  const auto* role = o->if_contains("role");
  if (!user || !user->is_string() || !nick || !nick->is_string() || !role || !role->is_string())
    return false;
  auto r = role_from_string(role->as_string());
  if (!r) return false;
  out = {std::string(user->as_string()), std::string(nick->as_string()), *r};
  return true;
}

std::optional<std::uint64_t> unsigned_of(const json::value* v) {
  if (!v) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  return std::nullopt;
}

constexpr std::pair<RelayMic::Op, std::string_view> kMicOps[] = {
    {RelayMic::Op::request, "request"}, {RelayMic::Op::cancel, "cancel"},
    {RelayMic::Op::leave, "leave"},     {RelayMic::Op::accept, "accept"},
    {RelayMic::Op::decline, "decline"}, {RelayMic::Op::end, "end"},
    {RelayMic::Op::gone, "gone"},       {RelayMic::Op::reply, "reply"},
    {RelayMic::Op::queue, "queue"},     {RelayMic::Op::guests, "guests"},
};

json::object mic_entry_json(const MicLinkEntry& e) {
  return {{"who", identity_json(e.who)}, {"node", e.node}, {"member", e.member_id}};
}

json::object mic_json(const RelayMic& m) {
  json::object o;
  for (const auto& [op, name] : kMicOps)
    if (op == m.op) o["op"] = name;
  switch (m.op) {
    case RelayMic::Op::queue: {
      json::array queue, guests;
      for (const auto& e : m.queue) queue.push_back(mic_entry_json(e));
      for (const auto& g : m.guests) {
        auto go = mic_entry_json(g.entry);
        go["slot"] = g.slot;
        guests.push_back(std::move(go));
      }
      o["queue"] = std::move(queue);
      o["guests"] = std::move(guests);
      return o;
    }
    case RelayMic::Op::guests:
      o["frame"] = m.frame;
      return o;
    default:
      break;
  }
  o["to"] = m.to;
  o["member"] = m.member;
  if (m.op == RelayMic::Op::reply) {
    o["frame"] = m.frame;
    return o;
  }
  if (m.op == RelayMic::Op::gone) return o;
  o["who"] = identity_json(m.who);
  if (!m.user.empty()) o["user"] = m.user;
  if (m.slot != 0) o["slot"] = m.slot;
  return o;
}

const json::string* string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

std::optional<int> slot_of(const json::value* v) {
  auto s = unsigned_of(v);
  if (!v || !s || *s < 1 || *s > static_cast<std::uint64_t>(kMaxMicLinkGuests)) return std::nullopt;
  return static_cast<int>(*s);
}

bool mic_entry_from(const json::value& v, MicLinkEntry& out) {
  const auto* o = v.if_object();
  if (!o) return false;
  const auto* who = o->if_contains("who");
  const auto* node = string_of(*o, "node");
  auto member = unsigned_of(o->if_contains("member"));
  if (!who || !identity_from(*who, out.who) || !node || !o->contains("member") || !member)
    return false;
  out.node = std::string(*node);
  out.member_id = *member;
  return true;
}

// One part of "mic"; false when it is malformed.
bool mic_from(const json::value& v, RelayMic& m) {
  const auto* o = v.if_object();
  const auto* op = o ? string_of(*o, "op") : nullptr;
  if (!op) return false;
  auto known = std::find_if(std::begin(kMicOps), std::end(kMicOps),
                            [&](const auto& entry) { return entry.second == *op; });
  if (known == std::end(kMicOps)) return false;
  m.op = known->first;
  if (m.op == RelayMic::Op::queue) {
    const auto* queue = o->if_contains("queue");
    const auto* guests = o->if_contains("guests");
    if (!queue || !queue->is_array() || !guests || !guests->is_array()) return false;
    for (const auto& e : queue->as_array())
      if (!mic_entry_from(e, m.queue.emplace_back())) return false;
    for (const auto& g : guests->as_array()) {
      auto& guest = m.guests.emplace_back();
      auto slot = slot_of(g.is_object() ? g.as_object().if_contains("slot") : nullptr);
      if (!slot || !mic_entry_from(g, guest.entry)) return false;
      guest.slot = *slot;
    }
    return true;
  }
  const auto* frame = string_of(*o, "frame");
  if (m.op == RelayMic::Op::guests) {
    if (!frame) return false;
    m.frame = std::string(*frame);
    return true;
  }
  const auto* to = string_of(*o, "to");
  auto member = unsigned_of(o->if_contains("member"));
  if (!to || !o->contains("member") || !member) return false;
  m.to = std::string(*to);
  m.member = *member;
  if (m.op == RelayMic::Op::reply) {
    if (!frame) return false;
    m.frame = std::string(*frame);
    return true;
  }
  if (m.op == RelayMic::Op::gone) return true;
  const auto* who = o->if_contains("who");
  if (!who || !identity_from(*who, m.who)) return false;
  const auto* user = o->if_contains("user");
  if (user && (!user->is_string() || user->as_string().empty())) return false;
  if (user) m.user = std::string(user->as_string());
  if (const auto* slot = o->if_contains("slot")) {
    auto s = slot_of(slot);
    if (!s) return false;
    m.slot = *s;
  }
  switch (m.op) {
    case RelayMic::Op::accept:
    case RelayMic::Op::decline:
      return user != nullptr;
    case RelayMic::Op::end:
      return (user != nullptr) != (m.slot != 0);  // exactly one of them
    default:
      return user == nullptr && m.slot == 0;
  }
}

}  // namespace

std::string encode_relay(std::string_view node, const RelayBatch& b) {
  json::object o{{"node", node}, {"online", b.online}};
  if (!b.messages.empty()) {
    json::array a;
    for (const auto& m : b.messages)
      a.push_back(json::object{
          {"id", m.id}, {"encoded", m.encoded}, {"from", identity_json(m.from)}, {"text", m.text}});
    o["messages"] = std::move(a);
  }
  if (!b.deleted.empty()) o["deleted"] = json::array(b.deleted.begin(), b.deleted.end());
  if (!b.joins.empty()) {
    json::array a;
    for (const auto& j : b.joins) a.push_back(identity_json(j));
    o["joins"] = std::move(a);
  }
  if (b.more_joins) o["more_joins"] = b.more_joins;
  if (b.likes) o["likes"] = b.likes;
  if (!b.banned.empty()) o["banned"] = json::array(b.banned.begin(), b.banned.end());
  if (!b.mutes.empty()) {
    json::array a;
    for (const auto& m : b.mutes) {
      json::object mo{{"user_id", m.user_id}, {"muted", m.muted}};
      if (m.until_ms) mo["until_ms"] = *m.until_ms;
      a.push_back(std::move(mo));
    }
    o["mutes"] = std::move(a);
  }
  if (b.slow_mode) o["slow_mode"] = b.slow_mode->count();
  if (b.live) o["live"] = true;
  if (!b.mic.empty()) {
    json::array a;
    for (const auto& m : b.mic) a.push_back(mic_json(m));
    o["mic"] = std::move(a);
  }
  if (b.history_wanted) o["history_wanted"] = true;
  if (b.history) {
    json::array a;
    for (const auto& p : *b.history) a.push_back(json::object{{"id", p.id}, {"encoded", p.encoded}});
    o["history"] = std::move(a);
  }
  return json::serialize(o);
}

std::optional<RelayBatch> decode_relay(std::string_view payload, std::string& node,
                                       std::string& error) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) {
    error = "not a JSON object";
    return std::nullopt;
  }
  const auto* n = o->if_contains("node");
  if (!n || !n->is_string()) {
    error = "no node";
    return std::nullopt;
  }
  node = std::string(n->as_string());
  RelayBatch b;
  auto fail = [&](const char* what) {
    error = std::string("bad ") + what;
    return std::nullopt;
  };
  auto online = unsigned_of(o->if_contains("online"));
  auto more = unsigned_of(o->if_contains("more_joins"));
  auto likes = unsigned_of(o->if_contains("likes"));
  if (!online || !more || !likes) return fail("count");
  b.online = *online;
  b.more_joins = *more;
  b.likes = *likes;
  auto strings = [](const json::value* v, std::vector<std::string>& out) {
    if (!v) return true;
    const auto* a = v->if_array();
    if (!a) return false;
    for (const auto& s : *a) {
      if (!s.is_string()) return false;
      out.emplace_back(s.as_string());
    }
    return true;
  };
  if (!strings(o->if_contains("banned"), b.banned)) return fail("banned");
  if (const auto* d = o->if_contains("deleted")) {
    if (!d->is_array()) return fail("deleted");
    for (const auto& id : d->as_array()) {
      auto u = unsigned_of(&id);
      if (!u) return fail("deleted");
      b.deleted.push_back(*u);
    }
  }
  if (const auto* j = o->if_contains("joins")) {
    if (!j->is_array()) return fail("joins");
    for (const auto& who : j->as_array()) {
      Identity i;
      if (!identity_from(who, i)) return fail("joins");
      b.joins.push_back(std::move(i));
    }
  }
  if (const auto* m = o->if_contains("messages")) {
    if (!m->is_array()) return fail("messages");
    for (const auto& mv : m->as_array()) {
      const auto* mo = mv.if_object();
      if (!mo) return fail("messages");
      RelayBatch::Message msg;
      auto id = unsigned_of(mo->if_contains("id"));
      const auto* enc = mo->if_contains("encoded");
      const auto* text = mo->if_contains("text");
      const auto* from = mo->if_contains("from");
      if (!id || !enc || !enc->is_string() || !text || !text->is_string() || !from ||
          !identity_from(*from, msg.from))
        return fail("messages");
      msg.id = *id;
      msg.encoded = std::string(enc->as_string());
      msg.text = std::string(text->as_string());
      b.messages.push_back(std::move(msg));
    }
  }
  if (const auto* s = o->if_contains("slow_mode")) {
    auto secs = unsigned_of(s);
    if (!secs) return fail("slow_mode");
    b.slow_mode = std::chrono::seconds(*secs);
  }
  if (const auto* m = o->if_contains("mutes")) {
    if (!m->is_array()) return fail("mutes");
    for (const auto& mv : m->as_array()) {
      const auto* mo = mv.if_object();
      const auto* user = mo ? mo->if_contains("user_id") : nullptr;
      const auto* muted = mo ? mo->if_contains("muted") : nullptr;
      if (!user || !user->is_string() || !muted || !muted->is_bool()) return fail("mutes");
      RelayBatch::Mute mute{std::string(user->as_string()), muted->as_bool(), std::nullopt};
      if (const auto* until = mo->if_contains("until_ms")) {
        auto ms = unsigned_of(until);
        if (!ms || !mute.muted) return fail("mutes");
        mute.until_ms = static_cast<std::int64_t>(*ms);
      }
      b.mutes.push_back(std::move(mute));
    }
  }
  if (const auto* l = o->if_contains("live")) {
    if (!l->is_bool()) return fail("live");
    b.live = l->as_bool();
  }
  if (const auto* m = o->if_contains("mic")) {
    if (!m->is_array()) return fail("mic");
    for (const auto& mv : m->as_array())
      if (!mic_from(mv, b.mic.emplace_back())) return fail("mic");
  }
  if (const auto* w = o->if_contains("history_wanted")) {
    if (!w->is_bool()) return fail("history_wanted");
    b.history_wanted = w->as_bool();
  }
  if (const auto* h = o->if_contains("history")) {
    if (!h->is_array() || h->as_array().size() > kMaxRelayHistory) return fail("history");
    auto& past = b.history.emplace();
    for (const auto& pv : h->as_array()) {
      const auto* po = pv.if_object();
      auto id = po ? unsigned_of(po->if_contains("id")) : std::nullopt;
      const auto* enc = po ? po->if_contains("encoded") : nullptr;
      if (!id || *id == 0 || !enc || !enc->is_string()) return fail("history");
      past.push_back({*id, std::string(enc->as_string())});
    }
  }
  return b;
}

}  // namespace chat
