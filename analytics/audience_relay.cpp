#include "analytics/audience_relay.hpp"

#include <algorithm>
#include <boost/json.hpp>

namespace analytics {
namespace json = boost::json;

namespace {

// User ids and SKUs are short; a longer string is not one of ours.
constexpr std::size_t kMaxIdBytes = 256;
// Connections of one viewer on one node: tabs, not thousands.
constexpr std::int64_t kMaxConnections = 10'000;

json::array event_json(const Event& e) {
  return std::visit(Overloaded{
                        [](const Enter& x) {
                          return json::array{"enter", x.viewer};
                        },
                        [](const Leave& x) {
                          return json::array{"leave", x.viewer};
                        },
                        [](const Impression& x) {
                          return json::array{"impression", x.viewer, x.sku};
                        },
                        [](const Click& x) {
                          return json::array{"click", x.viewer, x.sku};
                        },
                        [](const MicLinkStart& x) {
                          return json::array{"mic_start", x.guest};
                        },
                        [](const MicLinkEnd& x) {
                          return json::array{"mic_end", x.guest};
                        },
                        [](const auto&) { return json::array{}; },
                    },
                    e);
}

bool id_of(const json::value& v, std::string& out) {
  const auto* s = v.if_string();
  if (!s || s->empty() || s->size() > kMaxIdBytes) return false;
  out.assign(s->data(), s->size());
  return true;
}

std::optional<Event> event_from(const json::value& v) {
  const auto* a = v.if_array();
  if (!a || a->size() < 2) return std::nullopt;
  const auto* kind = a->at(0).if_string();
  if (!kind) return std::nullopt;
  std::string who, sku;
  if (!id_of(a->at(1), who)) return std::nullopt;
  bool product = *kind == "impression" || *kind == "click";
  if (a->size() != (product ? 3u : 2u)) return std::nullopt;
  if (product && !id_of(a->at(2), sku)) return std::nullopt;
  if (*kind == "enter") return Enter{std::move(who)};
  if (*kind == "leave") return Leave{std::move(who)};
  if (*kind == "impression") return Impression{std::move(who), std::move(sku)};
  if (*kind == "click") return Click{std::move(who), std::move(sku)};
  if (*kind == "mic_start") return MicLinkStart{std::move(who)};
  if (*kind == "mic_end") return MicLinkEnd{std::move(who)};
  return std::nullopt;
}

bool presence_from(const json::value& v, AudiencePresence& out) {
  const auto* o = v.if_object();
  const auto* viewers = o ? o->if_contains("viewers") : nullptr;
  const auto* guests = o ? o->if_contains("guests") : nullptr;
  if (!viewers || !viewers->is_object() || !guests || !guests->is_array()) return false;
  for (const auto& [viewer, count] : viewers->as_object()) {
    if (viewer.empty() || viewer.size() > kMaxIdBytes || !count.is_int64() ||
        count.as_int64() < 1 || count.as_int64() > kMaxConnections)
      return false;
    out.viewers[std::string(viewer)] = static_cast<int>(count.as_int64());
  }
  for (const auto& g : guests->as_array()) {
    std::string id;
    if (!id_of(g, id)) return false;
    out.guests.insert(std::move(id));
  }
  return true;
}

}  // namespace

std::string encode_audience(std::string_view node, const AudienceBatch& b) {
  json::object o{{"node", node}, {"seq", b.seq}};
  if (!b.events.empty()) {
    json::array events;
    events.reserve(b.events.size());
    for (const auto& e : b.events)
      if (auto a = event_json(e); !a.empty()) events.push_back(std::move(a));
    o["events"] = std::move(events);
  }
  if (b.present) {
    json::object viewers;
    for (const auto& [v, n] : b.present->viewers) viewers[v] = n;
    o["present"] =
        json::object{{"viewers", std::move(viewers)},
                     {"guests", json::array(b.present->guests.begin(), b.present->guests.end())}};
  }
  if (!b.resync.empty()) o["resync"] = json::array(b.resync.begin(), b.resync.end());
  return json::serialize(o);
}

std::optional<AudienceBatch> decode_audience(std::string_view payload, std::string& node,
                                             std::string& error) {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  if (!o) {
    error = "not a JSON object";
    return std::nullopt;
  }
  auto fail = [&](const char* what) {
    error = std::string("bad ") + what;
    return std::nullopt;
  };
  const auto* n = o->if_contains("node");
  if (!n || !id_of(*n, node)) return fail("node");
  AudienceBatch b;
  const auto* seq = o->if_contains("seq");
  if (!seq || !(seq->is_uint64() || (seq->is_int64() && seq->as_int64() > 0))) return fail("seq");
  b.seq = seq->to_number<std::uint64_t>();
  if (b.seq == 0) return fail("seq");
  if (const auto* events = o->if_contains("events")) {
    if (!events->is_array()) return fail("events");
    for (const auto& e : events->as_array()) {
      auto event = event_from(e);
      if (!event) return fail("events");
      b.events.push_back(std::move(*event));
    }
  }
  if (const auto* present = o->if_contains("present")) {
    b.present.emplace();
    if (!presence_from(*present, *b.present)) return fail("present");
  }
  if (const auto* resync = o->if_contains("resync")) {
    if (!resync->is_array()) return fail("resync");
    for (const auto& r : resync->as_array()) {
      std::string id;
      if (!id_of(r, id)) return fail("resync");
      b.resync.push_back(std::move(id));
    }
  }
  return b;
}

void AudienceRelay::apply(AudiencePresence& present, const Event& e, std::vector<Event>& out) {
  std::visit(Overloaded{
                 [&](const Enter& x) {
                   ++present.viewers[x.viewer];
                   out.push_back(e);
                 },
                 [&](const Leave& x) {
                   auto it = present.viewers.find(x.viewer);
                   if (it == present.viewers.end())
                     return;  // entered before this node heard that one
                   if (--it->second == 0) present.viewers.erase(it);
                   out.push_back(e);
                 },
                 [&](const MicLinkStart& x) {
                   if (present.guests.insert(x.guest).second) out.push_back(e);
                 },
                 [&](const MicLinkEnd& x) {
                   if (present.guests.erase(x.guest) > 0) out.push_back(e);
                 },
                 [&](const Impression&) { out.push_back(e); },
                 [&](const Click&) { out.push_back(e); },
                 [](const auto&) {},
             },
             e);
}

void AudienceRelay::reconcile(AudiencePresence& have, const AudiencePresence& want,
                              std::vector<Event>& out) {
  for (const auto& [viewer, n] : have.viewers) {
    auto it = want.viewers.find(viewer);
    for (int i = it == want.viewers.end() ? 0 : it->second; i < n; ++i)
      out.emplace_back(Leave{viewer});
  }
  for (const auto& [viewer, n] : want.viewers) {
    auto it = have.viewers.find(viewer);
    for (int i = it == have.viewers.end() ? 0 : it->second; i < n; ++i)
      out.emplace_back(Enter{viewer});
  }
  for (const auto& g : have.guests)
    if (!want.guests.contains(g)) out.emplace_back(MicLinkEnd{g});
  for (const auto& g : want.guests)
    if (!have.guests.contains(g)) out.emplace_back(MicLinkStart{g});
  have = want;
}

void AudienceRelay::local(const Event& event) {
  std::vector<Event> taken;
  apply(here_, event, taken);
  for (auto& e : taken) out_.push_back(std::move(e));
}

AudienceBatch AudienceRelay::next_batch() {
  AudienceBatch b;
  b.seq = ++seq_;
  b.events = std::move(out_);
  out_.clear();
  if (send_presence_) {
    b.present = here_;
    send_presence_ = false;
  }
  for (const auto& [node, r] : remotes_)
    if (!r.synced) b.resync.push_back(node);
  return b;
}

std::vector<Event> AudienceRelay::receive(const std::string& node, AudienceBatch batch,
                                          std::int64_t now_ms) {
  std::vector<Event> out;
  if (node == node_) return out;
  auto [it, fresh] = remotes_.try_emplace(node);
  Remote& r = it->second;
  if (fresh || batch.seq != r.seq + 1) r.synced = false;  // something of it was missed
  r.seq = batch.seq;
  r.heard_ms = now_ms;
  for (const auto& e : batch.events) apply(r.present, e, out);
  if (batch.present) {
    reconcile(r.present, *batch.present, out);
    r.synced = true;
  }
  if (std::find(batch.resync.begin(), batch.resync.end(), node_) != batch.resync.end())
    send_presence_ = true;
  return out;
}

std::vector<Event> AudienceRelay::expire(std::int64_t now_ms) {
  std::vector<Event> out;
  for (auto it = remotes_.begin(); it != remotes_.end();) {
    if (now_ms - it->second.heard_ms <= timeout_ms_) {
      ++it;
      continue;
    }
    reconcile(it->second.present, {}, out);
    it = remotes_.erase(it);
  }
  return out;
}

}  // namespace analytics
