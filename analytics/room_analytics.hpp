#pragma once
// One room's live analytics: it takes the room's events (see events.hpp) and answers, at any
// moment, a Snapshot: online viewers and peak, unique viewers, watch time, comments and likes
// per minute, orders, buyers, GMV and GPM, per-product impressions, clicks, orders, CTR and CVR,
// the funnel enter → impression → click → order → paid, hot words, and the signals the
// suggestion rules read. Windows: last minute, last five minutes, whole broadcast; series at
// 1 s and 10 s for charts. Counters are bucketed (RollingCounter) and the broadcast's totals
// kept as they happen: memory follows the audience of the last minutes (up to
// AnalyticsConfig::max_viewers remembered) and the catalogue, never the broadcast's length.
// No clock of its own (times are passed in); not thread-safe (one owner: the room's strand).
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analytics/events.hpp"
#include "analytics/hot_words.hpp"
#include "analytics/rolling_counter.hpp"
#include "analytics/word_segmenter.hpp"

namespace analytics {

struct AnalyticsConfig {
  // A viewer's impressions (or clicks) of one product count once within this span: a card
  // re-rendered or tapped twice is one look.
  std::int64_t repeat_ms = 60'000;
  HotWordsConfig hot_words;
  std::size_t hot_word_count = 10;
  std::size_t series_1s_points = 120;  // two minutes
  std::size_t series_10s_points = 60;  // ten minutes
  std::size_t ranked_products = 50;
  std::size_t max_pending_orders = 100'000;  // created, not yet paid
  // Viewers remembered one by one. Past this, viewers gone for more than five minutes are
  // forgotten (the broadcast's totals keep them; one who comes back counts as new).
  std::size_t max_viewers = 200'000;
  // Product titles and tags become words of the room's segmenter, this frequent.
  std::int64_t product_word_frequency = 2'000;
};

struct ProductInfo {
  std::string sku;
  std::string title;
  std::vector<std::string> tags;
  Cents price_cents = 0;
  std::int64_t stock = 0;
  bool on_shelf = true;
};

enum class Step { enter, impression, click, order, paid };
inline constexpr std::size_t kSteps = 5;
[[nodiscard]] std::string_view to_string(Step step);

enum class Window { last_minute, last_5_minutes, broadcast };
inline constexpr std::size_t kWindows = 3;
[[nodiscard]] std::string_view to_string(Window window);
// The window's span in ms; 0 for the whole broadcast.
[[nodiscard]] std::int64_t span_ms(Window window);

struct ProductCounts {
  std::int64_t impressions = 0;
  std::int64_t clicks = 0;
  std::int64_t orders = 0;
  Cents gmv_cents = 0;
  [[nodiscard]] double ctr() const { return impressions > 0 ? static_cast<double>(clicks) / impressions : 0; }
  [[nodiscard]] double cvr() const { return clicks > 0 ? static_cast<double>(orders) / clicks : 0; }
};

struct ProductReport {
  std::string sku;
  std::string title;
  Cents price_cents = 0;
  std::int64_t stock = 0;
  std::int64_t peak_stock = 0;  // the most it held during the broadcast (restocks raise it)
  bool pinned = false;
  bool on_shelf = true;
  std::array<ProductCounts, kWindows> counts;  // by Window
};

struct WindowReport {
  std::int64_t views = 0;            // visits (a viewer's first connection; extra tabs are not visits)
  std::int64_t unique_viewers = 0;   // viewers present at some point of the window
  std::int64_t comments = 0;
  std::int64_t likes = 0;
  std::int64_t orders = 0;
  std::int64_t buyers = 0;           // viewers with a paid order in the window
  Cents gmv_cents = 0;               // paid orders
  Cents gpm_cents = 0;               // GMV per 1,000 views
  std::array<std::int64_t, kSteps> funnel{};  // viewers who reached each step, by Step
};

// Series for charts, oldest first, ending with the current second (or ten seconds).
struct Series {
  std::vector<std::int64_t> online;  // the most online during each interval
  std::vector<std::int64_t> comments;
  std::vector<std::int64_t> likes;
  std::vector<std::int64_t> orders;
  std::vector<std::int64_t> gmv_cents;
};

// What the suggestion rules read besides the windows.
struct Signals {
  std::int64_t questions_last_minute = 0;  // comments asking how to buy, the price, the link …
  std::int64_t questions_previous_minute = 0;
  std::vector<std::pair<std::string, std::int64_t>> question_phrases;  // last minute, most used first
  std::int64_t complaints_last_minute = 0;
  std::int64_t complaints_previous_minute = 0;
  std::vector<std::pair<std::string, std::int64_t>> complaint_words;  // last minute, most used first
  std::int64_t online_peak_last_2_minutes = 0;
};

struct Snapshot {
  std::int64_t at_ms = 0;
  std::int64_t started_at_ms = 0;
  std::int64_t online = 0;
  std::int64_t peak_online = 0;
  std::int64_t avg_watch_ms = 0;  // over every viewer of the broadcast, including those still watching
  std::int64_t mic_links_active = 0;
  std::int64_t mic_links = 0;
  std::array<WindowReport, kWindows> windows;  // by Window
  std::string pinned_sku;
  std::vector<ProductReport> products;  // ranked: GMV, then clicks in the last 5 minutes
  std::vector<HotWord> hot_words;
  Series per_second;
  Series per_ten_seconds;
  Signals signals;
  std::array<std::int64_t, kDropReasons> dropped{};  // by Drop
};

class RoomAnalytics {
 public:
  // `dictionary`: the shared jieba dictionary (it must outlive this); the room lays its product
  // words over it.
  RoomAnalytics(const Dictionary& dictionary, std::int64_t started_at_ms, AnalyticsConfig config = {});
  RoomAnalytics(const RoomAnalytics&) = delete;
  RoomAnalytics& operator=(const RoomAnalytics&) = delete;

  // The room's products (all of them, on the shelf or not) and its pinned SKU.
  void set_catalog(const std::vector<ProductInfo>& products, const std::string& pinned_sku);
  void update_product(const ProductInfo& product);
  void set_pinned(const std::string& sku);
  // Another shared dictionary from now on (the server starts with an empty one while jieba's
  // loads; hot words start afresh).
  void use_dictionary(const Dictionary& dictionary);

  // Drop::none when taken.
  Drop record(const Event& event, std::int64_t now_ms);
  // Not const: it samples the online gauge, so charts have a point every second it is asked.
  [[nodiscard]] Snapshot snapshot(std::int64_t now_ms);

  [[nodiscard]] std::int64_t online() const { return online_; }
  [[nodiscard]] std::size_t viewers_tracked() const { return viewers_.size(); }

 private:
  struct ProductState {
    ProductInfo info;
    std::int64_t peak_stock = 0;
    RollingCounter impressions{300, 1};
    RollingCounter clicks{300, 1};
    RollingCounter orders{300, 1};
    RollingCounter gmv{300, 1};
  };
  struct Touch {  // one viewer and one product
    std::uint32_t product = 0;
    std::int64_t impression_ms = INT64_MIN;
    std::int64_t click_ms = INT64_MIN;
  };
  struct Viewer {
    bool entered = false;  // buyers through the HTTP API may never enter
    int connections = 0;
    std::int64_t online_since = 0;
    std::int64_t watched_ms = 0;  // closed visits
    std::int64_t left_ms = INT64_MIN;
    std::array<std::int64_t, kSteps> step_ms{INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN};
    std::uint8_t reached = 0;  // bit per Step, counted in the broadcast's funnel once
    std::vector<Touch> touches;
  };
  struct PendingOrder {
    std::string viewer;
    std::uint32_t product;
    Cents total_cents;
  };

  struct Look {  // what an impression or click is about
    Viewer* viewer = nullptr;
    ProductState* product = nullptr;
    Touch* touch = nullptr;
  };
  Drop look(const std::string& viewer, const std::string& sku, Look& out);

  Drop on(const Enter& e, std::int64_t now);
  Drop on(const Leave& e, std::int64_t now);
  Drop on(const Impression& e, std::int64_t now);
  Drop on(const Click& e, std::int64_t now);
  Drop on(const OrderCreated& e, std::int64_t now);
  Drop on(const OrderPaid& e, std::int64_t now);
  Drop on(const Comment& e, std::int64_t now);
  Drop on(const Like& e, std::int64_t now);
  Drop on(const MicLinkStart& e, std::int64_t now);
  Drop on(const MicLinkEnd& e, std::int64_t now);

  std::uint32_t product_index(const std::string& sku, const std::string& title);
  void add_product_words(const ProductInfo& p);
  void rebuild_segmenter();
  void refresh_hot_word_products();
  void reach(Viewer& v, Step step, std::int64_t now);
  void forget_gone_viewers(std::int64_t now);
  static Touch& touch(Viewer& v, std::uint32_t product);
  [[nodiscard]] std::vector<std::pair<std::string, std::int64_t>> top_phrases(
      const std::vector<std::pair<std::string, RollingCounter>>& counters, std::int64_t now) const;
  void scan_viewers(Snapshot& s, std::int64_t now) const;
  void fill_products(Snapshot& s, std::int64_t now) const;
  [[nodiscard]] Series series(std::int64_t now, bool tens) const;

  AnalyticsConfig config_;
  std::int64_t started_at_ms_;
  const Dictionary* dictionary_;
  Dictionary room_words_;
  std::optional<WordSegmenter> segmenter_;  // rebuilt when the room's words change
  HotWords hot_words_;

  std::vector<ProductState> products_;
  std::unordered_map<std::string, std::uint32_t> product_by_sku_;
  std::string pinned_sku_;

  std::unordered_map<std::string, Viewer> viewers_;
  std::unordered_map<std::int64_t, PendingOrder> pending_orders_;
  std::size_t forget_check_at_;  // viewers_.size() that next triggers forget_gone_viewers
  std::int64_t online_ = 0;
  std::int64_t peak_online_ = 0;
  // The broadcast's totals, kept as they happen (viewers may be forgotten later).
  std::int64_t unique_viewers_ = 0;
  std::int64_t buyers_ = 0;
  std::array<std::int64_t, kSteps> funnel_{};
  std::int64_t watched_ms_ = 0;  // closed visits
  std::int64_t mic_links_active_ = 0;
  std::int64_t mic_links_ = 0;

  RollingGauge online_gauge_;
  RollingCounter views_, comments_, likes_, orders_, gmv_, questions_, complaints_;
  std::vector<std::pair<std::string, RollingCounter>> question_phrases_, complaint_words_;
  std::array<std::int64_t, kDropReasons> dropped_{};
};

}  // namespace analytics
