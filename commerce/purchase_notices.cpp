#include "commerce/purchase_notices.hpp"

#include <algorithm>

namespace commerce {

void PurchaseNotices::add(const Order& o) {
  sku_ = o.sku;
  title_ = o.title;
  if (std::find(user_ids_.begin(), user_ids_.end(), o.user_id) != user_ids_.end()) return;
  user_ids_.push_back(o.user_id);
  if (names_.size() < 3) names_.push_back(o.nick.empty() ? "一位观众" : o.nick);
}

std::optional<PurchaseNotice> PurchaseNotices::take(std::int64_t now_ms) {
  if (user_ids_.empty() || now_ms < next_at_ms()) return std::nullopt;
  PurchaseNotice n{sku_, title_, std::move(names_), user_ids_.size(), {}};
  n.text = n.names.front() + (n.buyers > 1 ? "等" + std::to_string(n.buyers) + "人" : std::string{}) + "刚刚购买了" + n.title;
  user_ids_.clear();
  names_.clear();
  last_ms_ = now_ms;
  return n;
}

}  // namespace commerce
