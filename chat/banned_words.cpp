#include "chat/banned_words.hpp"

#include <cctype>

namespace chat {

std::string fold_for_matching(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      if (std::isspace(c) || std::ispunct(c)) continue;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

BannedWords::BannedWords(const std::vector<std::string>& words) {
  for (const auto& w : words) {
    std::string folded = fold_for_matching(w);
    if (folded.empty()) continue;
    words_.push_back(w);
    folded_.push_back(std::move(folded));
  }
}

std::vector<std::string> parse_word_lines(std::string_view text) {
  std::vector<std::string> words;
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    words.emplace_back(line);
  }
  return words;
}

std::string_view BannedWords::find_in(std::string_view text) const {
  if (folded_.empty()) return {};
  std::string folded = fold_for_matching(text);
  for (std::size_t i = 0; i < folded_.size(); ++i) {
    if (folded.find(folded_[i]) != std::string::npos) return words_[i];
  }
  return {};
}

}  // namespace chat
