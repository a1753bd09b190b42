#pragma once
// The room's banned-words list: Chinese and English words matched as substrings, ASCII
// letters case-insensitively, ignoring spaces and punctuation users put between letters.
#include <string>
#include <string_view>
#include <vector>

namespace chat {

class BannedWords {
 public:
  BannedWords() = default;
  explicit BannedWords(const std::vector<std::string>& words);

  // Returns the first banned word found in `text`, or an empty view.
  [[nodiscard]] std::string_view find_in(std::string_view text) const;
  [[nodiscard]] bool empty() const { return words_.empty(); }
  [[nodiscard]] std::size_t size() const { return words_.size(); }

 private:
  std::vector<std::string> words_;     // as configured, for reporting
  std::vector<std::string> folded_;    // normalised form used for matching
};

// Reads a word list, one word per line; blank lines and lines starting with '#' are skipped.
[[nodiscard]] std::vector<std::string> parse_word_lines(std::string_view text);

// Folds the dodges users type between or instead of letters: full-width forms become ASCII
// (ｆｕｃｋ → fuck), letters are lower-cased, and spaces and punctuation of any width are
// dropped (ASCII, the ideographic space, CJK symbols and punctuation), so "F.U C K" and
// "傻，逼" match "fuck" and "傻逼".
[[nodiscard]] std::string fold_for_matching(std::string_view text);

}  // namespace chat
