#include "server/analytics_api.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "chat/utf8.hpp"
#include "server/routing.hpp"

namespace server {
namespace json = boost::json;
using chat::Role;

namespace {

bool printable(std::string_view s) { return chat::is_valid_utf8(s) && !chat::has_control_chars(s); }

bool source_name(std::string_view s) {
  return !s.empty() && s.size() <= AnalyticsApi::kMaxSourceBytes && s != analytics::kBuiltInSource &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
         });
}

// The suggestion in `b`, or what is wrong with it.
std::string parse_suggestion(const json::object& b, analytics::Suggestion& s, std::int64_t& ttl_seconds) {
  static const std::vector<std::string_view> known{"message",    "message_en", "source",  "severity",
                                                   "key",        "sku",        "ttl_seconds", "evidence"};
  for (const auto& kv : b)
    if (std::find(known.begin(), known.end(), kv.key()) == known.end())
      return "unknown field '" + std::string(kv.key()) + "'";
  auto text = [&](std::string_view name) -> const json::string* {
    auto* v = b.if_contains(name);
    return v && v->is_string() ? &v->get_string() : nullptr;
  };

  auto* message = text("message");
  if (!message || message->empty() || !printable(*message) || chat::code_point_count(*message) > AnalyticsApi::kMaxMessageChars)
    return "'message' must be 1-" + std::to_string(AnalyticsApi::kMaxMessageChars) + " printable characters";
  auto* source = text("source");
  if (!source || !source_name(*source))
    return "'source' must name the model: 1-40 letters, digits, '-', '_' or '.' (not 'livecart')";
  s.message = *message;
  if (b.contains("message_en")) {
    auto* en = text("message_en");
    if (!en || en->empty() || !printable(*en) || chat::code_point_count(*en) > AnalyticsApi::kMaxMessageChars)
      return "'message_en' must be 1-" + std::to_string(AnalyticsApi::kMaxMessageChars) + " printable characters";
    s.message_en = *en;
  }
  s.source = *source;
  s.rule = "external";

  if (auto* v = b.if_contains("severity")) {
    auto severity = v->is_string() ? analytics::severity_from_string(v->get_string()) : std::nullopt;
    if (!severity) return "'severity' must be \"info\", \"warning\" or \"critical\"";
    s.severity = *severity;
  }
  if (auto* v = b.if_contains("key")) {
    if (!v->is_string() || v->get_string().empty() || v->get_string().size() > AnalyticsApi::kMaxKeyBytes || !printable(v->get_string()))
      return "'key' must be 1-100 bytes of printable text";
    s.key = "external:" + std::string(s.source) + ":" + std::string(v->get_string());
  } else {
    s.key = "external:" + std::string(s.source) + ":" + s.message;  // the same advice twice is one suggestion
  }
  if (auto* v = b.if_contains("sku")) {
    if (!v->is_string() || v->get_string().empty() || v->get_string().size() > 64 || !printable(v->get_string()))
      return "'sku' must be a product's SKU (1-64 bytes)";
    s.sku = v->get_string();
  }
  ttl_seconds = AnalyticsApi::kDefaultTtlSeconds;
  if (auto* v = b.if_contains("ttl_seconds")) {
    if (!v->is_int64() || v->get_int64() < AnalyticsApi::kMinTtlSeconds || v->get_int64() > AnalyticsApi::kMaxTtlSeconds)
      return "'ttl_seconds' must be a whole number from 10 to 3600";
    ttl_seconds = v->get_int64();
  }
  if (auto* v = b.if_contains("evidence")) {
    if (!v->is_object() || json::serialize(*v).size() > AnalyticsApi::kMaxEvidenceBytes)
      return "'evidence' must be a JSON object of at most 4096 bytes";
    s.evidence = v->get_object();
  }
  return {};
}

}  // namespace

AnalyticsApi::AnalyticsApi(const RoomDirectory& rooms, const Access& access, AnalyticsHub& hub)
    : rooms_(rooms), access_(access), hub_(hub) {}

bool AnalyticsApi::handle(const Request& req, const Target& target, const Respond& respond) const {
  const auto& seg = target.segments;
  if (seg.size() != 4 || seg[0] != "api" || seg[1] != "rooms" || (seg[3] != "stats" && seg[3] != "suggestions"))
    return false;
  bool stats_route = seg[3] == "stats";
  auto method = req.method();
  bool allowed = stats_route ? (method == http::verb::get || method == http::verb::head) : method == http::verb::post;
  if (!allowed) {
    respond(error_response(req, http::status::method_not_allowed, "method_not_allowed", "this method is not allowed here"));
    return true;
  }
  if (!rooms_.view(seg[2])) {
    respond(error_response(req, http::status::not_found, "not_found", "no such room"));
    return true;
  }
  if (stats_route)
    stats(req, seg[2], respond);
  else
    suggest(req, seg[2], respond);
  return true;
}

void AnalyticsApi::stats(const Request& req, const std::string& room, const Respond& respond) const {
  if (!authorize(access_, req, respond, room, {Role::host, Role::operator_})) return;
  hub_.stats(room, [respond, version = req.version(), keep_alive = req.keep_alive()](std::optional<std::string> body) {
    if (!body)
      return respond(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
    respond(json_response(version, keep_alive, http::status::ok, std::move(*body)));
  });
}

void AnalyticsApi::suggest(const Request& req, const std::string& room, const Respond& respond) const {
  if (!authorize(access_, req, respond, room, {Role::operator_})) return;
  auto body = json_body(req, respond);
  if (!body) return;
  analytics::Suggestion s;
  std::int64_t ttl_seconds = 0;
  if (auto e = parse_suggestion(*body, s, ttl_seconds); !e.empty())
    return respond(error_response(req, http::status::bad_request, "bad_field", e));
  if (send_) send_(room, json::serialize(json::object{{"node", node_}, {"post", *body}}));
  hub_.suggest(room, std::move(s), ttl_seconds * 1000,
               [respond, version = req.version(), keep_alive = req.keep_alive()](std::optional<AnalyticsHub::Posted> p) {
                 if (!p) return respond(error_response(version, keep_alive, http::status::not_found, "not_found", "no such room"));
                 // A repeat of an active suggestion refreshes it: 200 and the same id.
                 std::string body = R"({"created":)" + std::string(p->created ? "true" : "false") +
                                    R"(,"suggestion":)" + p->json + "}";
                 respond(json_response(version, keep_alive, p->created ? http::status::created : http::status::ok,
                                       std::move(body)));
               });
}

void AnalyticsApi::set_share(std::string node, Send send) {
  node_ = std::move(node);
  send_ = std::move(send);
}

bool AnalyticsApi::receive(const std::string& room, std::string_view payload) const {
  boost::system::error_code ec;
  auto v = json::parse(payload, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* node = o ? o->if_contains("node") : nullptr;
  const auto* post = o ? o->if_contains("post") : nullptr;
  if (!node || !node->is_string() || !post || !post->is_object()) return false;
  if (node->get_string() == node_) return true;  // our own, back from the channel
  analytics::Suggestion s;
  std::int64_t ttl_seconds = 0;
  // Checked again: what comes off the channel is held to what the API takes.
  if (!parse_suggestion(post->get_object(), s, ttl_seconds).empty()) return false;
  hub_.suggest(room, std::move(s), ttl_seconds * 1000, [](std::optional<AnalyticsHub::Posted>) {});
  return true;
}

}  // namespace server
