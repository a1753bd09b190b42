#pragma once
// A room's hot words (弹幕热词): comments are segmented, stop words and chatter dropped, and
// each word scored with exponential time decay (a comment counts 1 now, ½ one half-life later),
// so the ranking follows what viewers are saying now. Words not seen for `forget_after` are
// dropped and at most `max_words` are kept: memory stays bounded whatever the broadcast's
// length. Each word is linked to the room's products it names. No clock of its own; not
// thread-safe (one owner: the room's analytics strand).
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "analytics/word_segmenter.hpp"

namespace analytics {

struct HotWordsConfig {
  std::int64_t half_life_ms = 60'000;
  std::int64_t forget_after_ms = 10 * 60'000;
  std::size_t max_words = 5'000;
};

struct HotWord {
  std::string word;
  double score = 0;               // decayed count of comments that used it
  std::uint64_t comments = 0;     // comments that used it since it was last forgotten
  std::vector<std::string> skus;  // products whose title or tags contain it
};

struct ProductWords {
  std::string sku;
  std::string title;
  std::vector<std::string> tags;
};

class HotWords {
 public:
  explicit HotWords(HotWordsConfig config = {});

  // The room's products: their titles and tags link hot words to SKUs.
  void set_products(std::vector<ProductWords> products);
  // One comment, cut into words by `segmenter` (the room's: jieba's words and the products').
  void add_comment(const WordSegmenter& segmenter, std::string_view text, std::int64_t now_ms);
  // One comment already cut into words.
  void add_words(const std::vector<std::string>& words, std::int64_t now_ms);
  // The `k` highest-scoring words at `now_ms`, highest first.
  [[nodiscard]] std::vector<HotWord> top(std::size_t k, std::int64_t now_ms) const;

  // Words never reported: function words (的, 了, 这个 …), chatter (哈哈, 666, 主播 …).
  [[nodiscard]] static bool is_stop_word(std::string_view word);
  [[nodiscard]] std::size_t tracked() const { return words_.size(); }

 private:
  struct Entry {
    double score = 0;  // as of `at_ms`
    std::int64_t at_ms = 0;
    std::uint64_t comments = 0;
  };
  [[nodiscard]] double decayed(const Entry& e, std::int64_t now_ms) const;
  [[nodiscard]] bool worth_counting(const std::string& token) const;
  void evict(std::int64_t now_ms);

  HotWordsConfig config_;
  std::vector<ProductWords> products_;
  std::unordered_map<std::string, Entry> words_;
};

}  // namespace analytics
