#include "analytics/snapshot_json.hpp"

#include <boost/json/array.hpp>
#include <cmath>

namespace analytics {
namespace json = boost::json;
namespace {

double ratio(std::int64_t part, std::int64_t whole) {
  return whole > 0 ? std::round(static_cast<double>(part) / static_cast<double>(whole) * 10'000) / 10'000 : 0.0;
}

json::array numbers(const std::vector<std::int64_t>& v) { return json::array(v.begin(), v.end()); }

json::object series_json(const Series& s) {
  return {{"online", numbers(s.online)},
          {"comments", numbers(s.comments)},
          {"likes", numbers(s.likes)},
          {"orders", numbers(s.orders)},
          {"gmv_cents", numbers(s.gmv_cents)}};
}

json::array funnel_json(const WindowReport& w) {
  json::array out;
  for (std::size_t i = 0; i < kSteps; ++i) {
    json::object step{{"step", to_string(static_cast<Step>(i))}, {"viewers", w.funnel[i]}};
    // Of the step before, and of those who entered.
    // null where there is nothing to divide by: "no one got this far" is not "0 %".
    step["rate"] = i == 0 || w.funnel[i - 1] == 0 ? json::value(nullptr) : json::value(ratio(w.funnel[i], w.funnel[i - 1]));
    step["of_entered"] = w.funnel[0] == 0 ? json::value(nullptr) : json::value(ratio(w.funnel[i], w.funnel[0]));
    out.push_back(std::move(step));
  }
  return out;
}

json::object window_json(const WindowReport& w) {
  return {{"views", w.views},           {"unique_viewers", w.unique_viewers}, {"comments", w.comments},
          {"likes", w.likes},           {"orders", w.orders},                 {"buyers", w.buyers},
          {"gmv_cents", w.gmv_cents},   {"gpm_cents", w.gpm_cents},           {"funnel", funnel_json(w)}};
}

json::object counts_json(const ProductCounts& c) {
  return {{"impressions", c.impressions}, {"clicks", c.clicks}, {"orders", c.orders}, {"gmv_cents", c.gmv_cents},
          {"ctr", ratio(c.clicks, c.impressions)}, {"cvr", ratio(c.orders, c.clicks)}};
}

json::object product_json(const ProductReport& p) {
  json::object out{{"sku", p.sku},     {"title", p.title},           {"price_cents", p.price_cents},
                   {"stock", p.stock}, {"peak_stock", p.peak_stock}, {"pinned", p.pinned},
                   {"on_shelf", p.on_shelf}};
  for (std::size_t w = 0; w < kWindows; ++w) out[to_string(static_cast<Window>(w))] = counts_json(p.counts[w]);
  return out;
}

}  // namespace

json::array phrases_json(const std::vector<std::pair<std::string, std::int64_t>>& phrases) {
  json::array out;
  for (const auto& [p, n] : phrases) out.push_back(json::object{{"phrase", p}, {"comments", n}});
  return out;
}

json::object to_json(const Suggestion& s) {
  json::object out{{"id", s.id},
                   {"rule", s.rule},
                   {"key", s.key},
                   {"source", s.source},
                   {"severity", to_string(s.severity)},
                   {"message", s.message},
                   {"evidence", s.evidence},
                   {"created_ms", s.created_ms},
                   {"updated_ms", s.updated_ms},
                   {"expires_ms", s.expires_ms}};
  out["sku"] = s.sku.empty() ? json::value(nullptr) : json::value(s.sku);
  out["message_en"] = s.message_en.empty() ? json::value(nullptr) : json::value(s.message_en);
  return out;
}

json::object to_json(const std::string& room, const Snapshot& s, const std::deque<Suggestion>& suggestions) {
  json::object windows;
  for (std::size_t w = 0; w < kWindows; ++w) windows[to_string(static_cast<Window>(w))] = window_json(s.windows[w]);
  const auto& minute = s.windows[static_cast<std::size_t>(Window::last_minute)];

  json::array products;
  for (const auto& p : s.products) products.push_back(product_json(p));
  json::array hot_words;
  for (const auto& h : s.hot_words) {
    json::array skus(h.skus.begin(), h.skus.end());
    hot_words.push_back(json::object{{"word", h.word},
                                     {"score", std::round(h.score * 100) / 100},
                                     {"comments", h.comments},
                                     {"skus", std::move(skus)}});
  }
  json::array active;
  for (const auto& sug : suggestions) active.push_back(to_json(sug));
  json::object dropped;
  for (std::size_t i = 1; i < kDropReasons; ++i) dropped[to_string(static_cast<Drop>(i))] = s.dropped[i];
  const auto& g = s.signals;

  return {{"type", "snapshot"},
          {"room", room},
          {"at_ms", s.at_ms},
          {"started_at_ms", s.started_at_ms},
          {"online", s.online},
          {"peak_online", s.peak_online},
          {"avg_watch_ms", s.avg_watch_ms},
          {"comments_per_minute", minute.comments},
          {"likes_per_minute", minute.likes},
          {"mic_links", json::object{{"active", s.mic_links_active}, {"total", s.mic_links}}},
          {"pinned_sku", s.pinned_sku.empty() ? json::value(nullptr) : json::value(s.pinned_sku)},
          {"windows", std::move(windows)},
          {"products", std::move(products)},
          {"hot_words", std::move(hot_words)},
          {"series", json::object{{"1s", series_json(s.per_second)}, {"10s", series_json(s.per_ten_seconds)}}},
          {"signals", json::object{{"purchase_questions", json::object{{"last_minute", g.questions_last_minute},
                                                                       {"previous_minute", g.questions_previous_minute},
                                                                       {"phrases", phrases_json(g.question_phrases)}}},
                                   {"complaints", json::object{{"last_minute", g.complaints_last_minute},
                                                               {"previous_minute", g.complaints_previous_minute},
                                                               {"words", phrases_json(g.complaint_words)}}},
                                   {"online_peak_last_2_minutes", g.online_peak_last_2_minutes}}},
          {"suggestions", std::move(active)},
          {"dropped_events", std::move(dropped)}};
}

}  // namespace analytics
