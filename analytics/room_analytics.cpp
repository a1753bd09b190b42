#include "analytics/room_analytics.hpp"

#include <algorithm>

#include "analytics/comment_signals.hpp"

namespace analytics {
namespace {

constexpr std::size_t kSecondsKept = 300;
constexpr std::int64_t kMinute = 60'000;

std::size_t index(Step s) { return static_cast<std::size_t>(s); }

// True when `at` (INT64_MIN: never) is less than `span` before `now`.
bool recent(std::int64_t at, std::int64_t now, std::int64_t span) { return at != INT64_MIN && now - at < span; }

// The runs of Han characters in a title (低钠酱油 500ml → 低钠酱油): the words it adds.
std::vector<std::string> han_runs(std::string_view text) {
  std::vector<std::string> out;
  std::string run;
  for (std::size_t i = 0; i < text.size();) {
    auto b = static_cast<unsigned char>(text[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
    len = std::min(len, text.size() - i);
    bool han = len == 3 && b >= 0xE4 && b <= 0xE9;  // U+4E00..U+9FFF
    if (han) {
      run.append(text.substr(i, len));
    } else if (!run.empty()) {
      out.push_back(std::move(run));
      run.clear();
    }
    i += len;
  }
  if (!run.empty()) out.push_back(std::move(run));
  return out;
}

}  // namespace

std::string_view to_string(Drop reason) {
  switch (reason) {
    case Drop::none: return "none";
    case Drop::unknown_product: return "unknown_product";
    case Drop::not_in_room: return "not_in_room";
    case Drop::leave_without_enter: return "leave_without_enter";
    case Drop::unknown_order: return "unknown_order";
    case Drop::duplicate_order: return "duplicate_order";
    case Drop::bad_value: return "bad_value";
    case Drop::mic_link_not_started: return "mic_link_not_started";
  }
  return "unknown";
}

std::string_view to_string(Step step) {
  static constexpr std::string_view names[kSteps] = {"enter", "impression", "click", "order", "paid"};
  return names[index(step)];
}

std::string_view to_string(Window window) {
  static constexpr std::string_view names[kWindows] = {"last_minute", "last_5_minutes", "broadcast"};
  return names[static_cast<std::size_t>(window)];
}

std::int64_t span_ms(Window window) {
  switch (window) {
    case Window::last_minute: return kMinute;
    case Window::last_5_minutes: return 5 * kMinute;
    case Window::broadcast: return 0;
  }
  return 0;
}

RoomAnalytics::RoomAnalytics(const Dictionary& dictionary, std::int64_t started_at_ms, AnalyticsConfig config)
    : config_(config),
      started_at_ms_(started_at_ms),
      dictionary_(&dictionary),
      hot_words_(config.hot_words),
      forget_check_at_(config.max_viewers),
      online_gauge_(kSecondsKept, 360),
      views_(kSecondsKept, 1),
      comments_(kSecondsKept, 360),
      likes_(kSecondsKept, 360),
      orders_(kSecondsKept, 360),
      gmv_(kSecondsKept, 360),
      questions_(120, 1),
      complaints_(120, 1) {
  for (auto phrase : question_phrases()) question_phrases_.emplace_back(std::string(phrase), RollingCounter(60, 1));
  for (auto word : complaint_words()) complaint_words_.emplace_back(std::string(word), RollingCounter(60, 1));
  rebuild_segmenter();
}

void RoomAnalytics::use_dictionary(const Dictionary& dictionary) {
  dictionary_ = &dictionary;
  hot_words_ = HotWords(config_.hot_words);
  refresh_hot_word_products();
  rebuild_segmenter();
}

void RoomAnalytics::rebuild_segmenter() { segmenter_.emplace(*dictionary_, &room_words_); }

// ---- catalogue --------------------------------------------------------------------------

void RoomAnalytics::set_catalog(const std::vector<ProductInfo>& products, const std::string& pinned_sku) {
  for (const auto& p : products) update_product(p);
  set_pinned(pinned_sku);
}

void RoomAnalytics::update_product(const ProductInfo& product) {
  if (product.sku.empty()) return;
  auto& state = products_[product_index(product.sku, product.title)];
  bool words_changed = state.info.title != product.title || state.info.tags != product.tags;
  state.info = product;
  state.peak_stock = std::max(state.peak_stock, product.stock);
  if (words_changed) {
    add_product_words(product);
    rebuild_segmenter();
    refresh_hot_word_products();
  }
}

void RoomAnalytics::set_pinned(const std::string& sku) { pinned_sku_ = sku; }

std::uint32_t RoomAnalytics::product_index(const std::string& sku, const std::string& title) {
  auto [it, inserted] = product_by_sku_.try_emplace(sku, static_cast<std::uint32_t>(products_.size()));
  if (inserted) {
    products_.emplace_back();
    products_.back().info.sku = sku;
    products_.back().info.title = title;
  }
  return it->second;
}

void RoomAnalytics::add_product_words(const ProductInfo& p) {
  for (const auto& word : han_runs(p.title)) room_words_.add(word, config_.product_word_frequency);
  for (const auto& tag : p.tags)
    for (const auto& word : han_runs(tag)) room_words_.add(word, config_.product_word_frequency);
}

void RoomAnalytics::refresh_hot_word_products() {
  std::vector<ProductWords> words;
  for (const auto& p : products_) words.push_back({p.info.sku, p.info.title, p.info.tags});
  hot_words_.set_products(std::move(words));
}

// ---- events -----------------------------------------------------------------------------

Drop RoomAnalytics::record(const Event& event, std::int64_t now_ms) {
  Drop d = std::visit([&](const auto& e) { return on(e, now_ms); }, event);
  if (d != Drop::none) ++dropped_[static_cast<std::size_t>(d)];
  return d;
}

void RoomAnalytics::reach(Viewer& v, Step step, std::int64_t now) {
  // A step implies the ones before it (a click proves the card was seen).
  for (std::size_t s = index(Step::impression); s <= index(step); ++s) {
    v.step_ms[s] = std::max(v.step_ms[s], now);
    auto bit = static_cast<std::uint8_t>(1u << s);
    if (v.reached & bit) continue;
    v.reached |= bit;
    if (v.entered) ++funnel_[s];
    if (s == index(Step::paid)) ++buyers_;
  }
}

void RoomAnalytics::forget_gone_viewers(std::int64_t now) {
  std::int64_t since = now - span_ms(Window::last_5_minutes);
  std::erase_if(viewers_, [&](const auto& kv) {
    const Viewer& v = kv.second;
    return v.connections == 0 && v.left_ms < since &&
           std::all_of(v.step_ms.begin(), v.step_ms.end(), [&](std::int64_t t) { return t < since; });
  });
  // Still over (the last minutes' audience is that large): look again only once it grows by a tenth.
  forget_check_at_ = std::max(config_.max_viewers, viewers_.size() + viewers_.size() / 10);
}

RoomAnalytics::Touch& RoomAnalytics::touch(Viewer& v, std::uint32_t product) {
  auto it = std::find_if(v.touches.begin(), v.touches.end(), [&](const Touch& t) { return t.product == product; });
  if (it != v.touches.end()) return *it;
  return v.touches.emplace_back(Touch{product});
}

Drop RoomAnalytics::on(const Enter& e, std::int64_t now) {
  if (e.viewer.empty()) return Drop::bad_value;
  Viewer& v = viewers_[e.viewer];
  if (!v.entered) {
    v.entered = true;
    ++unique_viewers_;
    ++funnel_[index(Step::enter)];
    for (std::size_t s = index(Step::impression); s < kSteps; ++s)
      if (v.reached & (1u << s)) ++funnel_[s];  // bought through the API before entering
  }
  if (v.connections++ > 0) return Drop::none;  // another tab: not another visit
  v.online_since = now;
  views_.add(now);
  peak_online_ = std::max(peak_online_, ++online_);
  online_gauge_.set(now, online_);
  return Drop::none;
}

Drop RoomAnalytics::on(const Leave& e, std::int64_t now) {
  auto it = viewers_.find(e.viewer);
  if (it == viewers_.end() || it->second.connections == 0) return Drop::leave_without_enter;
  Viewer& v = it->second;
  if (--v.connections > 0) return Drop::none;
  std::int64_t visit = std::max<std::int64_t>(now - v.online_since, 0);
  v.watched_ms += visit;
  watched_ms_ += visit;
  v.left_ms = now;
  --online_;
  online_gauge_.set(now, online_);
  if (viewers_.size() > forget_check_at_) forget_gone_viewers(now);
  return Drop::none;
}

Drop RoomAnalytics::look(const std::string& viewer, const std::string& sku, Look& out) {
  auto p = product_by_sku_.find(sku);
  if (p == product_by_sku_.end() || !products_[p->second].info.on_shelf) return Drop::unknown_product;
  auto it = viewers_.find(viewer);
  if (it == viewers_.end() || it->second.connections == 0) return Drop::not_in_room;
  out = {&it->second, &products_[p->second], &touch(it->second, p->second)};
  return Drop::none;
}

Drop RoomAnalytics::on(const Impression& e, std::int64_t now) {
  Look l;
  if (auto d = look(e.viewer, e.sku, l); d != Drop::none) return d;
  if (recent(l.touch->impression_ms, now, config_.repeat_ms)) return Drop::none;  // the same look
  l.touch->impression_ms = now;
  l.product->impressions.add(now);
  reach(*l.viewer, Step::impression, now);
  return Drop::none;
}

Drop RoomAnalytics::on(const Click& e, std::int64_t now) {
  Look l;
  if (auto d = look(e.viewer, e.sku, l); d != Drop::none) return d;
  if (recent(l.touch->click_ms, now, config_.repeat_ms)) return Drop::none;
  if (!recent(l.touch->impression_ms, now, config_.repeat_ms)) {  // clicked before its card was reported: it was seen
    l.touch->impression_ms = now;
    l.product->impressions.add(now);
  }
  l.touch->click_ms = now;
  l.product->clicks.add(now);
  reach(*l.viewer, Step::click, now);
  return Drop::none;
}

Drop RoomAnalytics::on(const OrderCreated& e, std::int64_t now) {
  if (e.order_id <= 0 || e.viewer.empty() || e.sku.empty() || e.quantity <= 0 || e.total_cents < 0)
    return Drop::bad_value;
  if (pending_orders_.contains(e.order_id)) return Drop::duplicate_order;
  if (pending_orders_.size() >= config_.max_pending_orders) pending_orders_.erase(pending_orders_.begin());
  std::uint32_t product = product_index(e.sku, e.title);
  pending_orders_.emplace(e.order_id, PendingOrder{e.viewer, product, e.total_cents});
  orders_.add(now);
  products_[product].orders.add(now);
  reach(viewers_[e.viewer], Step::order, now);
  return Drop::none;
}

Drop RoomAnalytics::on(const OrderPaid& e, std::int64_t now) {
  auto it = pending_orders_.find(e.order_id);
  if (it == pending_orders_.end()) return Drop::unknown_order;
  gmv_.add(now, it->second.total_cents);
  products_[it->second.product].gmv.add(now, it->second.total_cents);
  reach(viewers_[it->second.viewer], Step::paid, now);
  pending_orders_.erase(it);
  return Drop::none;
}

Drop RoomAnalytics::on(const Comment& e, std::int64_t now) {
  if (e.text.empty()) return Drop::bad_value;
  comments_.add(now);
  auto words = segmenter_->cut(e.text);
  hot_words_.add_words(words, now);
  auto signals = read_signals(e.text, words);
  auto count = [now](std::vector<std::pair<std::string, RollingCounter>>& counters, std::string_view phrase) {
    for (auto& [p, c] : counters)
      if (p == phrase) c.add(now);
  };
  if (!signals.questions.empty()) questions_.add(now);
  for (auto q : signals.questions) count(question_phrases_, q);
  if (!signals.complaints.empty()) complaints_.add(now);
  for (auto w : signals.complaints) count(complaint_words_, w);
  return Drop::none;
}

Drop RoomAnalytics::on(const Like& e, std::int64_t now) {
  if (e.count <= 0) return Drop::bad_value;
  likes_.add(now, e.count);
  return Drop::none;
}

Drop RoomAnalytics::on(const MicLinkStart& e, std::int64_t) {
  if (e.guest.empty()) return Drop::bad_value;
  ++mic_links_active_;
  ++mic_links_;
  return Drop::none;
}

Drop RoomAnalytics::on(const MicLinkEnd& e, std::int64_t) {
  if (e.guest.empty()) return Drop::bad_value;
  if (mic_links_active_ == 0) return Drop::mic_link_not_started;
  --mic_links_active_;
  return Drop::none;
}

// ---- snapshot ---------------------------------------------------------------------------

Snapshot RoomAnalytics::snapshot(std::int64_t now) {
  online_gauge_.set(now, online_);
  Snapshot s;
  s.at_ms = now;
  s.started_at_ms = started_at_ms_;
  s.online = online_;
  s.peak_online = peak_online_;
  s.mic_links_active = mic_links_active_;
  s.mic_links = mic_links_;
  s.pinned_sku = pinned_sku_;
  s.dropped = dropped_;

  for (std::size_t w = 0; w < kWindows; ++w) {
    auto& r = s.windows[w];
    std::int64_t span = span_ms(static_cast<Window>(w));
    auto over = [&](const RollingCounter& c) { return span == 0 ? c.total() : c.last(now, static_cast<std::size_t>(span / 1000)); };
    r.views = over(views_);
    r.comments = over(comments_);
    r.likes = over(likes_);
    r.orders = over(orders_);
    r.gmv_cents = over(gmv_);
    r.gpm_cents = r.views > 0 ? r.gmv_cents * 1000 / r.views : 0;
  }
  scan_viewers(s, now);
  fill_products(s, now);
  s.hot_words = hot_words_.top(config_.hot_word_count, now);
  s.per_second = series(now, false);
  s.per_ten_seconds = series(now, true);

  auto& g = s.signals;
  g.questions_last_minute = questions_.last(now, 60);
  g.questions_previous_minute = questions_.last(now, 120) - g.questions_last_minute;
  g.question_phrases = top_phrases(question_phrases_, now);
  g.complaints_last_minute = complaints_.last(now, 60);
  g.complaints_previous_minute = complaints_.last(now, 120) - g.complaints_last_minute;
  g.complaint_words = top_phrases(complaint_words_, now);
  g.online_peak_last_2_minutes = online_gauge_.peak(now, 120);
  return s;
}

void RoomAnalytics::scan_viewers(Snapshot& s, std::int64_t now) const {
  // The broadcast's totals are kept as they happen; the windows are counted from the viewers
  // remembered (everyone active in the last five minutes is).
  auto& all = s.windows[static_cast<std::size_t>(Window::broadcast)];
  all.unique_viewers = unique_viewers_;
  all.buyers = buyers_;
  all.funnel = funnel_;
  std::int64_t watching = 0;
  for (const auto& [id, v] : viewers_) {
    if (v.connections > 0) watching += std::max<std::int64_t>(now - v.online_since, 0);
    for (auto w : {Window::last_minute, Window::last_5_minutes}) {
      std::int64_t since = now - span_ms(w);
      auto& r = s.windows[static_cast<std::size_t>(w)];
      if (v.step_ms[index(Step::paid)] >= since) ++r.buyers;
      if (!v.entered || (v.connections == 0 && v.left_ms < since)) continue;
      ++r.unique_viewers;
      ++r.funnel[index(Step::enter)];
      for (std::size_t step = index(Step::impression); step < kSteps; ++step)
        if (v.step_ms[step] >= since) ++r.funnel[step];
    }
  }
  s.avg_watch_ms = unique_viewers_ > 0 ? (watched_ms_ + watching) / unique_viewers_ : 0;
}

void RoomAnalytics::fill_products(Snapshot& s, std::int64_t now) const {
  for (const auto& p : products_) {
    bool active = p.impressions.total() > 0 || p.orders.total() > 0;
    if (!p.info.on_shelf && !active) continue;
    ProductReport r;
    r.sku = p.info.sku;
    r.title = p.info.title;
    r.price_cents = p.info.price_cents;
    r.stock = p.info.stock;
    r.peak_stock = p.peak_stock;
    r.pinned = p.info.sku == pinned_sku_;
    r.on_shelf = p.info.on_shelf;
    for (std::size_t w = 0; w < kWindows; ++w) {
      std::int64_t span = span_ms(static_cast<Window>(w));
      auto over = [&](const RollingCounter& c) { return span == 0 ? c.total() : c.last(now, static_cast<std::size_t>(span / 1000)); };
      r.counts[w] = {over(p.impressions), over(p.clicks), over(p.orders), over(p.gmv)};
    }
    s.products.push_back(std::move(r));
  }
  auto rank = [](const ProductReport& a, const ProductReport& b) {
    const auto& ab = a.counts[static_cast<std::size_t>(Window::broadcast)];
    const auto& bb = b.counts[static_cast<std::size_t>(Window::broadcast)];
    if (ab.gmv_cents != bb.gmv_cents) return ab.gmv_cents > bb.gmv_cents;
    const auto& a5 = a.counts[static_cast<std::size_t>(Window::last_5_minutes)];
    const auto& b5 = b.counts[static_cast<std::size_t>(Window::last_5_minutes)];
    if (a5.clicks != b5.clicks) return a5.clicks > b5.clicks;
    return a.sku < b.sku;
  };
  std::sort(s.products.begin(), s.products.end(), rank);
  if (s.products.size() > config_.ranked_products) s.products.resize(config_.ranked_products);
}

Series RoomAnalytics::series(std::int64_t now, bool tens) const {
  std::size_t n = tens ? config_.series_10s_points : config_.series_1s_points;
  auto of = [&](const RollingCounter& c) { return tens ? c.series_10s(now, n) : c.series_1s(now, n); };
  return Series{tens ? online_gauge_.series_10s(now, n) : online_gauge_.series_1s(now, n), of(comments_), of(likes_),
                of(orders_), of(gmv_)};
}

std::vector<std::pair<std::string, std::int64_t>> RoomAnalytics::top_phrases(
    const std::vector<std::pair<std::string, RollingCounter>>& counters, std::int64_t now) const {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [phrase, c] : counters)
    if (auto n = c.last(now, 60); n > 0) out.emplace_back(phrase, n);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return out;
}

}  // namespace analytics
