#pragma once
// Suggestions for the host and the operator, computed live from a room's Snapshot by
// explainable rules: each carries the figures that triggered it (its evidence), a severity
// and a time. A SuggestionBoard keeps a room's active ones: a rule that keeps firing refreshes
// its suggestion instead of repeating it, a suggestion expires once its rule stops firing,
// and an expired built-in one does not come back before a cool-down. Suggestions from an operator's own
// model (posted over the API) live on the same board, marked with their source.
// Not thread-safe (one owner: the room's strand).
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/room_analytics.hpp"

namespace analytics {

enum class Severity { info, warning, critical };
[[nodiscard]] std::string_view to_string(Severity s);
[[nodiscard]] std::optional<Severity> severity_from_string(std::string_view name);

inline constexpr std::string_view kBuiltInSource = "livecart";

struct Suggestion {
  std::uint64_t id = 0;  // given by the board, increasing
  std::string rule;      // what raised it: low_conversion, pin_hot_product, … or external
  std::string key;       // one active suggestion per key (e.g. low_conversion:soy-low-sodium)
  std::string source{kBuiltInSource};
  Severity severity = Severity::info;
  std::string message;     // Chinese (zh-CN), the product's own language
  std::string message_en;  // the same advice in English; empty when a poster gave none
  std::string sku;                 // the product it is about, if any
  boost::json::object evidence;    // the figures behind it
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t expires_ms = 0;
};

struct RuleConfig {
  // low_conversion: a product needs this many clicks (and the room two such products) before
  // its conversion is judged; "well below" means the 95 % Wilson upper bound of its conversion
  // is under `conversion_gap` × the room's median conversion.
  std::int64_t min_clicks = 20;
  std::int64_t min_impressions = 20;
  double conversion_gap = 0.5;
  // pin_hot_product: a hot word among the top `hot_word_rank` with at least this score.
  std::size_t hot_word_rank = 5;
  double hot_word_min_score = 5.0;
  // purchase_questions / negative_comments: at least this many comments in the last minute,
  // and `rise` times the minute before.
  std::int64_t min_questions = 5;
  std::int64_t min_complaints = 3;
  double rise = 2.0;
  // audience_drop: online fell this fraction below its two-minute peak, by at least min_viewers.
  double audience_drop = 0.3;
  std::int64_t audience_drop_min_viewers = 10;
  // low_stock: the pinned product holds less than this fraction of its peak stock.
  double low_stock = 0.1;
};

// The 95 % Wilson score interval of `successes` out of `trials` (0..1 both ends).
struct Interval {
  double low = 0;
  double high = 1;
};
[[nodiscard]] Interval wilson_interval(std::int64_t successes, std::int64_t trials, double z = 1.96);

// Every rule over `s`: the suggestions they raise now (no id or times yet).
[[nodiscard]] std::vector<Suggestion> evaluate_rules(const Snapshot& s, const RuleConfig& config = {});

class SuggestionBoard {
 public:
  explicit SuggestionBoard(std::int64_t ttl_ms = 120'000, std::int64_t cooldown_ms = 300'000,
                           std::size_t max_active = 50);

  struct Raised {
    const Suggestion* suggestion = nullptr;  // the new or refreshed one; null while cooling down
    bool created = false;
  };
  // Adds `s`, or refreshes (evidence, message, expiry) the active one with its key. `ttl_ms`
  // 0: the board's.
  Raised raise(Suggestion s, std::int64_t now_ms, std::int64_t ttl_ms = 0);
  // Drops the suggestions past their expiry (their keys cool down).
  void expire(std::int64_t now_ms);
  // Newest first.
  [[nodiscard]] const std::deque<Suggestion>& active() const { return active_; }

 private:
  std::int64_t ttl_ms_;
  std::int64_t cooldown_ms_;
  std::size_t max_active_;
  std::uint64_t last_id_ = 0;
  std::deque<Suggestion> active_;
  std::unordered_map<std::string, std::int64_t> cooling_until_;  // by key
};

}  // namespace analytics
