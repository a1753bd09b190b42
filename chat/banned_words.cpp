#include "chat/banned_words.hpp"

#include <cctype>

#include "chat/utf8.hpp"

namespace chat {

std::string fold_for_matching(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t start = pos;
    char32_t cp = next_code_point(text, pos);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII forms
    if (cp < 0x80) {
      auto c = static_cast<unsigned char>(cp);
      if (std::isspace(c) || std::ispunct(c)) continue;
      out.push_back(static_cast<char>(std::tolower(c)));
      continue;
    }
    bool cjk_punctuation = (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                           (cp >= 0x2010 && cp <= 0x206F);  // general punctuation, incl. … and —
    if (is_space(cp) || cjk_punctuation || cp == 0x30FB || cp == 0xFF65 || cp == 0xB7) continue;
    out.append(text.substr(start, pos - start));
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
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.remove_suffix(1);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) line.remove_prefix(1);
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
