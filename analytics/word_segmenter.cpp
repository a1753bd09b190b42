#include "analytics/word_segmenter.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace analytics {
namespace {

enum class Kind { han, alnum, emoji, other };

// Decodes one code point at `pos` (advancing it); U+FFFD for a bad byte.
char32_t decode(std::string_view s, std::size_t& pos) {
  auto b = static_cast<unsigned char>(s[pos]);
  int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || pos + static_cast<std::size_t>(len) > s.size()) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int i = 1; i < len; ++i) {
    auto c = static_cast<unsigned char>(s[pos + static_cast<std::size_t>(i)]);
    if ((c & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  pos += static_cast<std::size_t>(len);
  return cp;
}

Kind kind_of(char32_t cp) {
  if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
      (cp >= 0xF900 && cp <= 0xFAFF))
    return Kind::han;
  if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return Kind::alnum;
  if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
    return Kind::alnum;  // full-width letters and digits
  if ((cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF)) return Kind::emoji;
  return Kind::other;
}

// Full-width to ASCII, upper to lower.
char ascii_of(char32_t cp) {
  if (cp >= 0xFF10 && cp <= 0xFF19) cp = cp - 0xFF10 + '0';
  if (cp >= 0xFF21 && cp <= 0xFF3A) cp = cp - 0xFF21 + 'a';
  if (cp >= 0xFF41 && cp <= 0xFF5A) cp = cp - 0xFF41 + 'a';
  if (cp >= 'A' && cp <= 'Z') cp = cp - 'A' + 'a';
  return static_cast<char>(cp);
}

std::size_t count_chars(std::string_view s) {
  std::size_t n = 0, pos = 0;
  while (pos < s.size()) {
    (void)decode(s, pos);
    ++n;
  }
  return n;
}

}  // namespace

std::optional<Dictionary> Dictionary::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  Dictionary d;
  d.words_.reserve(360'000);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    std::istringstream fields(line);
    std::string word;
    std::int64_t freq = 0;
    if (!(fields >> word >> freq) || freq < 0) {
      error = path + ":" + std::to_string(number) + ": expected \"word frequency [tag]\"";
      return std::nullopt;
    }
    d.add(word, freq);
  }
  if (d.words_.empty()) {
    error = path + ": no words";
    return std::nullopt;
  }
  return d;
}

void Dictionary::add(std::string_view word, std::int64_t frequency) {
  if (word.empty() || frequency < 0) return;
  auto [it, inserted] = words_.try_emplace(std::string(word), 0);
  if (frequency <= it->second) return;
  total_ += frequency - it->second;
  it->second = frequency;
  if (inserted) max_chars_ = std::max(max_chars_, std::min(count_chars(word), WordSegmenter::kMaxWordChars));
}

std::int64_t Dictionary::frequency(std::string_view word) const {
  auto it = words_.find(std::string(word));
  return it == words_.end() ? 0 : it->second;
}

WordSegmenter::WordSegmenter(const Dictionary& base, const Dictionary* room_words)
    : base_(base), room_(room_words), total_(base.total()), max_chars_(base.max_chars()) {
  if (room_ == nullptr) return;
  // What Dictionary::add would have added to the total of a merged copy.
  for (const auto& [word, frequency] : room_->words_)
    total_ += std::max<std::int64_t>(frequency - base_.frequency(word), 0);
  max_chars_ = std::max(max_chars_, room_->max_chars());
}

std::int64_t WordSegmenter::frequency(std::string_view word) const {
  std::int64_t f = base_.frequency(word);
  return room_ == nullptr ? f : std::max(f, room_->frequency(word));
}

void WordSegmenter::cut_han(const std::vector<std::string_view>& chars, std::vector<std::string>& out) const {
  const std::size_t n = chars.size();
  if (n == 0) return;
  // The byte view of chars[a..b) (they are contiguous in the source text).
  auto span = [&](std::size_t a, std::size_t b) {
    return std::string_view(chars[a].data(), static_cast<std::size_t>(chars[b - 1].data() + chars[b - 1].size() - chars[a].data()));
  };
  const double log_total = std::log(static_cast<double>(std::max<std::int64_t>(total_, 1)));
  const std::size_t longest = std::min(max_chars_, kMaxWordChars);
  // route[k]: best log probability of chars[k..n) and the end of its first word.
  std::vector<std::pair<double, std::size_t>> route(n + 1, {0.0, n});
  for (std::size_t k = n; k-- > 0;) {
    route[k] = {-1e300, k + 1};
    for (std::size_t end = k + 1; end <= std::min(n, k + longest); ++end) {
      std::int64_t f = frequency(span(k, end));
      if (f == 0 && end != k + 1) continue;  // a single character is always a way through
      double p = std::log(static_cast<double>(std::max<std::int64_t>(f, 1))) - log_total + route[end].first;
      if (p > route[k].first) route[k] = {p, end};
    }
  }
  for (std::size_t k = 0; k < n; k = route[k].second) out.emplace_back(span(k, route[k].second));
}

std::vector<std::string> WordSegmenter::cut(std::string_view text) const {
  std::vector<std::string> out;
  std::vector<std::string_view> han;  // the current run of Han characters, folded
  std::string alnum;                  // the current run of letters and digits, folded
  auto flush = [&] {
    cut_han(han, out);
    han.clear();
    if (!alnum.empty()) out.push_back(std::move(alnum));
    alnum.clear();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    char32_t cp = decode(text, pos);
    std::string_view ch = text.substr(start, pos - start);
    switch (kind_of(cp)) {
      case Kind::han:
        if (!alnum.empty()) flush();
        // 哈哈哈哈 → 哈哈: a third repeat of the same character is dropped.
        if (han.size() >= 2 && han[han.size() - 1] == ch && han[han.size() - 2] == ch) break;
        han.push_back(ch);
        break;
      case Kind::alnum: {
        if (!han.empty()) flush();
        char c = ascii_of(cp);
        // 666666 → 666, 233333 → 2333: a fourth repeat is dropped.
        std::size_t len = alnum.size();
        if (len >= 3 && alnum[len - 1] == c && alnum[len - 2] == c && alnum[len - 3] == c) break;
        alnum.push_back(c);
        break;
      }
      case Kind::emoji:
        flush();
        if (out.empty() || out.back() != ch) out.emplace_back(ch);  // 👍👍👍 → one 👍
        break;
      case Kind::other:
        flush();
        break;
    }
  }
  flush();
  return out;
}

}  // namespace analytics
