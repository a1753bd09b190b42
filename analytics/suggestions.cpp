#include "analytics/suggestions.hpp"

#include <algorithm>
#include <cmath>

#include "analytics/snapshot_json.hpp"

namespace analytics {
namespace {

constexpr auto kFive = static_cast<std::size_t>(Window::last_5_minutes);

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double rounded(double x) { return std::round(x * 10'000) / 10'000; }

std::string yuan(Cents cents) {
  std::string frac = std::to_string(cents % 100);
  return "¥" + std::to_string(cents / 100) + "." + (frac.size() < 2 ? "0" : "") + frac;
}

std::string percent(double x) { return std::to_string(static_cast<long>(std::lround(x * 100))) + "%"; }

const ProductReport* find_product(const Snapshot& s, std::string_view sku) {
  for (const auto& p : s.products)
    if (p.sku == sku) return &p;
  return nullptr;
}

// `message` in Chinese, `message_en` the same advice in English.
Suggestion make(std::string rule, std::string key, Severity severity, std::string message, std::string message_en,
                std::string sku = {}) {
  Suggestion out;
  out.rule = std::move(rule);
  out.key = std::move(key);
  out.severity = severity;
  out.message = std::move(message);
  out.message_en = std::move(message_en);
  out.sku = std::move(sku);
  return out;
}

// Clicks above the room's median, conversion well below it: the pitch does not close.
void low_conversion(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  std::vector<double> ctrs, cvrs;
  for (const auto& p : s.products) {
    const auto& n = p.counts[kFive];
    if (n.impressions >= c.min_impressions) ctrs.push_back(n.ctr());
    if (n.clicks >= c.min_clicks) cvrs.push_back(std::min(n.cvr(), 1.0));
  }
  if (cvrs.size() < 2) return;
  double median_ctr = median(ctrs), median_cvr = median(cvrs);
  for (const auto& p : s.products) {
    const auto& n = p.counts[kFive];
    if (n.clicks < c.min_clicks || n.impressions < c.min_impressions || n.ctr() <= median_ctr) continue;
    Interval cvr = wilson_interval(std::min(n.orders, n.clicks), n.clicks);
    if (cvr.high >= c.conversion_gap * median_cvr) continue;
    auto sug = make("low_conversion", "low_conversion:" + p.sku, Severity::warning,
                    "「" + p.title + "」点击率高于直播间中位数（" + percent(n.ctr()) + "，中位数 " + percent(median_ctr) +
                        "），但转化率明显偏低（" + percent(n.cvr()) + "，中位数 " + percent(median_cvr) +
                        "）：重新讲清价格和好处，或推出试用装",
                    "\"" + p.title + "\" is clicked more than the room's median (" + percent(n.ctr()) + ", median " +
                        percent(median_ctr) + ") but converts far less (" + percent(n.cvr()) + ", median " +
                        percent(median_cvr) + "): explain the price and the benefit again, or offer a trial pack",
                    p.sku);
    sug.evidence = {{"window", to_string(Window::last_5_minutes)},
                    {"impressions", n.impressions},
                    {"clicks", n.clicks},
                    {"orders", n.orders},
                    {"ctr", rounded(n.ctr())},
                    {"cvr", rounded(n.cvr())},
                    {"cvr_upper_95", rounded(cvr.high)},
                    {"median_ctr", rounded(median_ctr)},
                    {"median_cvr", rounded(median_cvr)}};
    out.push_back(std::move(sug));
  }
}

// Viewers keep naming a product the host is not showing.
void pin_hot_product(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  std::size_t n = std::min(c.hot_word_rank, s.hot_words.size());
  for (std::size_t rank = 0; rank < n; ++rank) {
    const auto& word = s.hot_words[rank];
    if (word.score < c.hot_word_min_score || word.skus.empty()) continue;
    if (std::find(word.skus.begin(), word.skus.end(), s.pinned_sku) != word.skus.end()) continue;
    for (const auto& sku : word.skus) {
      const ProductReport* p = find_product(s, sku);
      if (!p || !p->on_shelf || p->stock <= 0) continue;
      auto sug = make("pin_hot_product", "pin_hot_product:" + sku, Severity::info,
                      "弹幕热词「" + word.word + "」说的是「" + p->title + "」，它还没置顶：把它置顶讲一讲",
                      "The hot word \"" + word.word + "\" names \"" + p->title + "\", which is not pinned: pin it and present it",
                      sku);
      sug.evidence = {{"word", word.word}, {"score", rounded(word.score)}, {"rank", rank + 1},
                      {"comments", word.comments}, {"pinned_sku", s.pinned_sku}};
      out.push_back(std::move(sug));
      break;
    }
  }
}

bool rising(std::int64_t now, std::int64_t before, std::int64_t min, double rise) {
  return now >= min && static_cast<double>(now) >= rise * static_cast<double>(before);
}

void purchase_questions(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  const auto& g = s.signals;
  if (!rising(g.questions_last_minute, g.questions_previous_minute, c.min_questions, c.rise)) return;
  const ProductReport* pinned = find_product(s, s.pinned_sku);
  std::string price = pinned ? "报一下「" + pinned->title + "」的价格（" + yuan(pinned->price_cents) + "）" : "报一下价格";
  std::string price_en =
      pinned ? "say the price of \"" + pinned->title + "\" (" + yuan(pinned->price_cents) + ")" : "say the price";
  auto sug = make("purchase_questions", "purchase_questions", Severity::warning,
                  "一分钟内 " + std::to_string(g.questions_last_minute) + " 条弹幕在问价格和怎么买：" + price +
                      "，并把购买链接挂出来",
                  std::to_string(g.questions_last_minute) + " comments in the last minute ask about the price and how to buy: " +
                      price_en + " and show the purchase link",
                  pinned ? pinned->sku : std::string());
  sug.evidence = {{"last_minute", g.questions_last_minute},
                  {"previous_minute", g.questions_previous_minute},
                  {"phrases", phrases_json(g.question_phrases)}};
  out.push_back(std::move(sug));
}

void audience_drop(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  std::int64_t peak = s.signals.online_peak_last_2_minutes, lost = peak - s.online;
  if (lost < c.audience_drop_min_viewers || static_cast<double>(lost) < c.audience_drop * static_cast<double>(peak)) return;
  auto sug = make("audience_drop", "audience_drop", Severity::warning,
                  "两分钟内在线人数从 " + std::to_string(peak) + " 降到 " + std::to_string(s.online) +
                      "：发起互动，问答、抽奖或发优惠券",
                  "Viewers online fell from " + std::to_string(peak) + " to " + std::to_string(s.online) +
                      " within two minutes: start an interaction, such as Q&A, a lucky draw or a coupon");
  sug.evidence = {{"peak_last_2_minutes", peak}, {"online", s.online}, {"drop", rounded(static_cast<double>(lost) / peak)}};
  out.push_back(std::move(sug));
}

void low_stock(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  const ProductReport* p = find_product(s, s.pinned_sku);
  if (!p || p->stock <= 0 || p->peak_stock <= 0) return;
  if (static_cast<double>(p->stock) >= c.low_stock * static_cast<double>(p->peak_stock)) return;
  auto sug = make("low_stock", "low_stock:" + p->sku, Severity::info,
                  "置顶的「" + p->title + "」只剩 " + std::to_string(p->stock) + " 件：告诉观众库存有限，抓紧下单",
                  "Only " + std::to_string(p->stock) + " of the pinned \"" + p->title +
                      "\" are left: tell viewers that stock is limited",
                  p->sku);
  sug.evidence = {{"stock", p->stock}, {"peak_stock", p->peak_stock},
                  {"share", rounded(static_cast<double>(p->stock) / static_cast<double>(p->peak_stock))}};
  out.push_back(std::move(sug));
}

void negative_comments(const Snapshot& s, const RuleConfig& c, std::vector<Suggestion>& out) {
  const auto& g = s.signals;
  if (!rising(g.complaints_last_minute, g.complaints_previous_minute, c.min_complaints, c.rise)) return;
  std::string words, words_en;
  for (std::size_t i = 0; i < std::min<std::size_t>(3, g.complaint_words.size()); ++i) {
    words += (i ? "、" : "") + g.complaint_words[i].first;
    words_en += (i ? ", " : "") + g.complaint_words[i].first;
  }
  auto sug = make("negative_comments", "negative_comments", Severity::critical,
                  "负面弹幕增多（一分钟内 " + std::to_string(g.complaints_last_minute) + " 条：" + words +
                      "）：请运营查看并回应",
                  "Negative comments are rising (" + std::to_string(g.complaints_last_minute) +
                      " in the last minute: " + words_en + "): an operator should look and answer");
  sug.evidence = {{"last_minute", g.complaints_last_minute},
                  {"previous_minute", g.complaints_previous_minute},
                  {"words", phrases_json(g.complaint_words)}};
  out.push_back(std::move(sug));
}

}  // namespace

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::critical: return "critical";
  }
  return "info";
}

std::optional<Severity> severity_from_string(std::string_view name) {
  for (auto s : {Severity::info, Severity::warning, Severity::critical})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z) {
  if (trials <= 0) return {};
  double n = static_cast<double>(trials), p = static_cast<double>(successes) / n, z2 = z * z;
  double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<Suggestion> evaluate_rules(const Snapshot& s, const RuleConfig& config) {
  std::vector<Suggestion> out;
  for (auto rule : {low_conversion, pin_hot_product, purchase_questions, audience_drop, low_stock, negative_comments})
    rule(s, config, out);
  return out;
}

SuggestionBoard::SuggestionBoard(std::int64_t ttl_ms, std::int64_t cooldown_ms, std::size_t max_active)
    : ttl_ms_(ttl_ms), cooldown_ms_(cooldown_ms), max_active_(max_active) {}

SuggestionBoard::Raised SuggestionBoard::raise(Suggestion s, std::int64_t now_ms, std::int64_t ttl_ms) {
  std::int64_t ttl = ttl_ms > 0 ? ttl_ms : ttl_ms_;
  auto it = std::find_if(active_.begin(), active_.end(), [&](const Suggestion& a) { return a.key == s.key; });
  if (it != active_.end()) {
    it->message = std::move(s.message);
    it->message_en = std::move(s.message_en);
    it->evidence = std::move(s.evidence);
    it->severity = s.severity;
    it->updated_ms = now_ms;
    it->expires_ms = std::max(it->expires_ms, now_ms + ttl);
    return {&*it, false};
  }
  if (auto c = cooling_until_.find(s.key); c != cooling_until_.end() && c->second > now_ms) return {};
  s.id = ++last_id_;
  s.created_ms = s.updated_ms = now_ms;
  s.expires_ms = now_ms + ttl;
  active_.push_front(std::move(s));
  if (active_.size() > max_active_) active_.pop_back();
  return {&active_.front(), true};
}

void SuggestionBoard::expire(std::int64_t now_ms) {
  std::erase_if(cooling_until_, [&](const auto& kv) { return kv.second <= now_ms; });
  for (auto it = active_.begin(); it != active_.end();) {
    if (it->expires_ms > now_ms) {
      ++it;
      continue;
    }
    if (it->source == kBuiltInSource) cooling_until_[it->key] = now_ms + cooldown_ms_;  // an operator's model decides for itself
    it = active_.erase(it);
  }
}

}  // namespace analytics
