#include "analytics/hot_words.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_set>

namespace analytics {
namespace {

// Function words and live-room chatter: frequent in every room, never what it is talking about.
constexpr std::string_view kStopWords[] = {
    "的", "了", "是", "我", "你", "他", "她", "它", "我们", "你们", "他们", "这", "那", "这个", "那个", "这些",
    "那些", "就", "都", "也", "还", "又", "在", "有", "和", "与", "或", "吗", "呢", "吧", "啊", "呀", "哦", "嗯",
    "哈", "哈哈", "嘿嘿", "呵呵", "嘻嘻", "666", "66", "6", "233", "2333", "一个", "一下", "不", "没", "没有",
    "很", "太", "好", "真", "还是", "就是", "什么", "怎么", "可以", "可能", "已经", "因为", "所以", "但是",
    "然后", "如果", "主播", "老师", "大家", "姐妹", "宝宝", "家人", "家人们", "来了", "打卡", "支持", "关注",
    "点赞", "谢谢", "感谢", "哪里", "一样", "现在", "今天", "刚刚", "觉得", "知道", "看看", "一起", "自己",
    "真的", "这么", "那么", "为什么", "要", "会", "能", "时候", "什么时候", "还有", "多少", "有没有", "怎么样",
    "是不是", "这样", "那样", "一点", "有点", "东西", "起来", "出来", "一直", "应该",
};

// A comment's distinct words so far, per thread (one HotWords per room, many rooms per thread):
// reused, so counting a comment allocates only for a word seen for the first time.
std::vector<std::string_view>& seen_words() {
  thread_local std::vector<std::string_view> seen;
  return seen;
}

}  // namespace

HotWords::HotWords(HotWordsConfig config) : config_(config) {}

bool HotWords::is_stop_word(std::string_view word) {
  static const std::unordered_set<std::string_view> stop_words(std::begin(kStopWords),
                                                               std::end(kStopWords));
  return stop_words.contains(word);
}

bool HotWords::worth_counting(const std::string& token) const {
  // The cheap tests first: most tokens are single characters.
  bool ascii = std::all_of(token.begin(), token.end(), [](unsigned char c) { return c < 0x80; });
  if (ascii) {
    auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
    if (token.size() < 2 || std::all_of(token.begin(), token.end(), digit)) return false;
  } else {
    // One Han character says little on its own (买, 好, 钱); emoji are reactions, not topics.
    std::size_t chars = 0;
    for (unsigned char c : token) chars += (c & 0xC0) != 0x80;
    unsigned char lead = static_cast<unsigned char>(token[0]);
    if (lead == 0xF0) return false;  // 4-byte sequences here are emoji
    if (chars < 2) return false;
  }
  return !is_stop_word(token);
}

double HotWords::decayed(const Entry& e, std::int64_t now_ms) const {
  double age = static_cast<double>(std::max<std::int64_t>(now_ms - e.at_ms, 0));
  return e.score * std::exp2(-age / static_cast<double>(config_.half_life_ms));
}

void HotWords::set_products(std::vector<ProductWords> products) { products_ = std::move(products); }

void HotWords::add_comment(const WordSegmenter& segmenter, std::string_view text, std::int64_t now_ms) {
  add_words(segmenter.cut(text), now_ms);
}

void HotWords::add_words(const std::vector<std::string>& words, std::int64_t now_ms) {
  std::vector<std::string_view>& seen = seen_words();
  seen.clear();
  for (const std::string& word : words) {
    // A word counts once per comment, however often repeated.
    if (std::find(seen.begin(), seen.end(), word) != seen.end()) continue;
    seen.push_back(word);
    if (!worth_counting(word)) continue;
    Entry& e = words_[word];
    e.score = decayed(e, now_ms) + 1.0;
    e.at_ms = now_ms;
    ++e.comments;
  }
  if (words_.size() > config_.max_words) evict(now_ms);
}

void HotWords::evict(std::int64_t now_ms) {
  std::erase_if(words_, [&](const auto& kv) { return now_ms - kv.second.at_ms > config_.forget_after_ms; });
  if (words_.size() <= config_.max_words) return;
  // Still too many: drop the lowest scores down to 90 % of the bound (amortised).
  std::vector<std::pair<double, std::string>> scored;
  scored.reserve(words_.size());
  for (const auto& [w, e] : words_) scored.emplace_back(decayed(e, now_ms), w);
  std::size_t drop = words_.size() - config_.max_words * 9 / 10;
  std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(drop), scored.end());
  for (std::size_t i = 0; i < drop; ++i) words_.erase(scored[i].second);
}

std::vector<HotWord> HotWords::top(std::size_t k, std::int64_t now_ms) const {
  std::vector<HotWord> all;
  for (const auto& [w, e] : words_)
    if (now_ms - e.at_ms <= config_.forget_after_ms) all.push_back({w, decayed(e, now_ms), e.comments, {}});
  auto better = [](const HotWord& a, const HotWord& b) { return a.score != b.score ? a.score > b.score : a.word < b.word; };
  std::size_t n = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(), better);
  all.resize(n);
  for (auto& h : all)
    for (const auto& p : products_) {
      bool named = p.title.find(h.word) != std::string::npos ||
                   std::any_of(p.tags.begin(), p.tags.end(), [&](const std::string& t) { return t.find(h.word) != std::string::npos; });
      if (named) h.skus.push_back(p.sku);
    }
  return all;
}

}  // namespace analytics
