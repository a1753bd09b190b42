#pragma once
// Chinese word segmentation for comment hot words, the way jieba does it without its HMM:
// a DAG of every dictionary word starting at each character, and the route of maximum
// probability through it (sum of log word frequencies). Latin letters and digits form one
// token each run (lower-cased), emoji are tokens of their own, punctuation and spaces split,
// and runs of one repeated character are folded (哈哈哈哈 → 哈哈, 666666 → 666).
// The dictionary is jieba's dict.txt (Debian's python3-jieba); room words (product titles,
// tags) are added on top. Thread-compatible: cut() is const and may run on many threads once
// the dictionary is complete.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace analytics {

class Dictionary {
 public:
  // Reads jieba's format, "word frequency [tag]" per line; nullopt with `error` set on failure.
  static std::optional<Dictionary> load(const std::string& path, std::string& error);
  // Where Debian's python3-jieba puts its dictionary.
  static constexpr const char* kDebianPath = "/usr/lib/python3/dist-packages/jieba/dict.txt";

  // Adds (or raises to `frequency`) a word of its own, e.g. a product title or tag.
  void add(std::string_view word, std::int64_t frequency);
  // 0 when `word` is not in the dictionary.
  [[nodiscard]] std::int64_t frequency(std::string_view word) const;
  [[nodiscard]] std::int64_t total() const { return total_; }
  [[nodiscard]] std::size_t size() const { return words_.size(); }
  // Longest word, in characters (code points): the DAG never looks further.
  [[nodiscard]] std::size_t max_chars() const { return max_chars_; }

 private:
  std::unordered_map<std::string, std::int64_t> words_;
  std::int64_t total_ = 0;
  std::size_t max_chars_ = 1;
};

class WordSegmenter {
 public:
  explicit WordSegmenter(const Dictionary& dict) : dict_(dict) {}
  // The tokens of `text` (valid UTF-8 expected; invalid bytes split like punctuation).
  [[nodiscard]] std::vector<std::string> cut(std::string_view text) const;

  // Longest word the DAG considers, in characters (longer dictionary entries are ignored).
  static constexpr std::size_t kMaxWordChars = 16;

 private:
  void cut_han(const std::vector<std::string_view>& chars, std::vector<std::string>& out) const;
  const Dictionary& dict_;
};

}  // namespace analytics
