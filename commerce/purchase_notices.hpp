#pragma once
// The "小王等3人刚刚购买了低钠酱油" line viewers see: buyers gathered per room and told at most
// once per interval, so a flash sale does not flood the chat. No clock of its own.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commerce/model.hpp"

namespace commerce {

struct PurchaseNotice {
  std::string sku;    // of the latest order
  std::string title;  // its product
  std::vector<std::string> names;  // the first buyers' nicknames (at most 3)
  std::size_t buyers = 0;          // how many distinct buyers since the last notice
  std::string text;
};

class PurchaseNotices {
 public:
  explicit PurchaseNotices(std::int64_t interval_ms) : interval_ms_(interval_ms) {}
  void add(const Order& o);
  // A notice when buyers are waiting and the last one is at least an interval old.
  std::optional<PurchaseNotice> take(std::int64_t now_ms);
  [[nodiscard]] bool pending() const { return !user_ids_.empty(); }
  // When the next take() can produce a notice.
  [[nodiscard]] std::int64_t next_at_ms() const { return last_ms_ + interval_ms_; }

 private:
  std::int64_t interval_ms_;
  std::int64_t last_ms_ = INT64_MIN / 2;
  std::vector<std::string> user_ids_;
  std::vector<std::string> names_;
  std::string sku_, title_;
};

}  // namespace commerce
