#include "analytics/word_segmenter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>

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
  if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0xF900 && cp <= 0xFAFF))
    return Kind::han;
  if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'))
    return Kind::alnum;
  if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
      (cp >= 0xFF41 && cp <= 0xFF5A))
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

// "word frequency [tag]" (fields split by white space, as `>>` reads them): the word and its
// frequency, or nullopt.
std::optional<std::pair<std::string_view, std::int64_t>> parse_line(std::string_view line) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
  };
  std::size_t i = 0;
  while (i < line.size() && space(line[i])) ++i;
  std::size_t word = i;
  while (i < line.size() && !space(line[i])) ++i;
  std::size_t word_end = i;
  while (i < line.size() && space(line[i])) ++i;
  if (i < line.size() && line[i] == '+') ++i;
  std::int64_t frequency = 0;
  auto [ptr, ec] = std::from_chars(line.data() + i, line.data() + line.size(), frequency);
  if (word == word_end || ec != std::errc() || frequency < 0) return std::nullopt;
  return std::pair{line.substr(word, word_end - word), frequency};
}

// Every word's beginnings up to this many bytes are entries of their own (16 four-byte
// characters: the longest candidate the DAG tries, unless a repeat fold dropped characters
// inside it). Longer beginnings are not kept: a room's product title of 200 letters would
// otherwise cost 200 beginnings of up to 200 bytes.
constexpr std::size_t kBeginningBytes = 4 * WordSegmenter::kMaxWordChars;

// Per-thread buffers for cut(): after the first few comments a cut allocates nothing but its
// result.
struct Scratch {
  std::vector<std::string_view> han;                  // the current Han run, folded
  std::vector<std::pair<double, std::size_t>> route;  // see cut_han
  std::vector<std::string_view> tokens;               // for cut(text)
  std::string folded;                                 // for cut(text)
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

std::optional<Dictionary> Dictionary::load(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return std::nullopt;
  }
  Dictionary d;
  // jieba's 349,046 words and their beginnings are 498,113 entries of 4.3 MB.
  d.entries_.reserve(524'288);
  d.bytes_.reserve(4'500'000);
  d.rehash(1'048'576);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto entry = parse_line(line);
    if (!entry) {
      error = path + ":" + std::to_string(number) + ": expected \"word frequency [tag]\"";
      return std::nullopt;
    }
    d.add(entry->first, entry->second);
  }
  if (d.words_ == 0) {
    error = path + ": no words";
    return std::nullopt;
  }
  return d;
}

void Dictionary::add(std::string_view word, std::int64_t frequency) {
  if (word.empty() || word.size() > kMaxWordBytes || frequency < 0) return;
  auto [index, added] = insert(word);
  if (added) {
    // Each proper beginning up to kBeginningBytes, at character boundaries, longest first: once
    // one is there, the shorter ones are too.
    for (std::size_t end = std::min(word.size(), kBeginningBytes + 1); end-- > 1;) {
      if ((static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) continue;  // inside a character
      if (!insert(word.substr(0, end)).second) break;
    }
  }
  Entry& e = entries_[index];
  if (!e.is_word) {
    e.is_word = true;
    ++words_;
  }
  if (frequency <= e.frequency) return;
  total_ += frequency - e.frequency;
  e.frequency = frequency;
  e.log_frequency = std::log(static_cast<double>(frequency));
  max_chars_ = std::max(max_chars_, std::min(count_chars(word), WordSegmenter::kMaxWordChars));
}

std::int64_t Dictionary::frequency(std::string_view word) const {
  const Entry* e = find(word, hash(word));
  return e == nullptr ? 0 : e->frequency;
}

std::uint64_t Dictionary::hash(std::string_view piece) {
  return std::hash<std::string_view>{}(piece);
}

const Dictionary::Entry* Dictionary::find(std::string_view piece, std::uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {  // ends: the table is at most half full
    const Slot& slot = slots_[i];
    if (slot.entry == 0) return nullptr;
    if (slot.hash != tag) continue;
    const Entry& e = entries_[slot.entry - 1];
    if (text(e) == piece) return &e;
  }
}

std::pair<std::size_t, bool> Dictionary::insert(std::string_view piece) {
  const std::uint64_t h = hash(piece);
  if (const Entry* e = find(piece, h))
    return {static_cast<std::size_t>(e - entries_.data()), false};
  if ((entries_.size() + 1) * 2 > slots_.size())
    rehash(std::max<std::size_t>(slots_.size() * 2, 16));
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = h & mask;
  while (slots_[i].entry != 0) i = (i + 1) & mask;
  Entry e;
  e.offset = static_cast<std::uint32_t>(bytes_.size());
  e.length = static_cast<std::uint16_t>(piece.size());
  bytes_.append(piece);
  entries_.push_back(e);
  slots_[i] = {static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(entries_.size())};
  return {entries_.size() - 1, true};
}

void Dictionary::rehash(std::size_t slots) {
  slots_.assign(slots, Slot{});
  const std::size_t mask = slots - 1;
  for (std::size_t n = 0; n < entries_.size(); ++n) {
    const std::uint64_t h = hash(text(entries_[n]));
    std::size_t i = h & mask;
    while (slots_[i].entry != 0) i = (i + 1) & mask;
    slots_[i] = {static_cast<std::uint32_t>(h >> 32), static_cast<std::uint32_t>(n + 1)};
  }
}

WordSegmenter::WordSegmenter(const Dictionary& base, const Dictionary* room_words)
    : base_(base), room_(room_words) {
  std::int64_t total = base.total();
  std::size_t max_chars = base.max_chars();
  if (room_ != nullptr) {
    // What Dictionary::add would have added to the total of a merged copy.
    for (const auto& entry : room_->entries_)
      if (entry.is_word)
        total += std::max<std::int64_t>(entry.frequency - base_.frequency(room_->text(entry)), 0);
    max_chars = std::max(max_chars, room_->max_chars());
  }
  log_total_ = std::log(static_cast<double>(std::max<std::int64_t>(total, 1)));
  longest_ = std::min(max_chars, kMaxWordChars);
}

const Dictionary::Entry* WordSegmenter::find(std::string_view piece) const {
  const std::uint64_t hash = Dictionary::hash(piece);
  const Dictionary::Entry* in_base = base_.find(piece, hash);
  if (room_ == nullptr) return in_base;
  const Dictionary::Entry* in_room = room_->find(piece, hash);
  if (in_room == nullptr) return in_base;
  if (in_base == nullptr) return in_room;
  return in_room->frequency > in_base->frequency ? in_room : in_base;
}

void WordSegmenter::cut_han(const std::vector<std::string_view>& chars,
                            std::vector<std::string_view>& out) const {
  const std::size_t n = chars.size();
  if (n == 0) return;
  // The byte view of chars[a..b). The source text's bytes, so the characters a repeat fold
  // dropped between them are inside it (哈哈哈好 looks up 哈哈哈好 for chars 哈哈好).
  auto span = [&](std::size_t a, std::size_t b) {
    return std::string_view(
        chars[a].data(),
        static_cast<std::size_t>(chars[b - 1].data() + chars[b - 1].size() - chars[a].data()));
  };
  // route[k]: best log probability of chars[k..n) and the end of its first word.
  auto& route = scratch().route;
  route.assign(n + 1, {0.0, n});
  for (std::size_t k = n; k-- > 0;) {
    route[k] = {-1e300, k + 1};
    for (std::size_t end = k + 1; end <= std::min(n, k + longest_); ++end) {
      const std::string_view piece = span(k, end);
      const Dictionary::Entry* e = find(piece);
      // A single character is always a way through (log 1 = 0 when it is no word).
      if (e != nullptr ? e->frequency != 0 || end == k + 1 : end == k + 1) {
        double p = (e != nullptr ? e->log_frequency : 0.0) - log_total_ + route[end].first;
        if (p > route[k].first) route[k] = {p, end};
      }
      // No word begins with chars[k..end), so no longer candidate is one either.
      if (e == nullptr && piece.size() <= kBeginningBytes) break;
    }
  }
  for (std::size_t k = 0; k < n; k = route[k].second) out.push_back(span(k, route[k].second));
}

std::vector<std::string> WordSegmenter::cut(std::string_view text) const {
  Scratch& s = scratch();
  cut_views(text, s.tokens, s.folded);
  return {s.tokens.begin(), s.tokens.end()};
}

void WordSegmenter::cut_views(std::string_view text, std::vector<std::string_view>& out,
                              std::string& folded) const {
  out.clear();
  folded.clear();
  folded.reserve(text.size());  // a letter or digit takes at least a byte of text and folds to one
  std::vector<std::string_view>& han = scratch().han;  // the current run of Han characters, folded
  han.clear();
  std::size_t alnum = 0;  // where the current run of letters and digits begins in `folded`
  auto flush = [&] {
    cut_han(han, out);
    han.clear();
    if (folded.size() > alnum) out.emplace_back(folded.data() + alnum, folded.size() - alnum);
    alnum = folded.size();
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    char32_t cp = decode(text, pos);
    std::string_view ch = text.substr(start, pos - start);
    switch (kind_of(cp)) {
      case Kind::han:
        if (folded.size() > alnum) flush();
        // 哈哈哈哈 → 哈哈: a third repeat of the same character is dropped.
        if (han.size() >= 2 && han[han.size() - 1] == ch && han[han.size() - 2] == ch) break;
        han.push_back(ch);
        break;
      case Kind::alnum: {
        if (!han.empty()) flush();
        char c = ascii_of(cp);
        // 666666 → 666, 233333 → 2333: a fourth repeat is dropped.
        std::size_t len = folded.size() - alnum;
        const char* run = folded.data() + alnum;
        if (len >= 3 && run[len - 1] == c && run[len - 2] == c && run[len - 3] == c) break;
        folded.push_back(c);
        break;
      }
      case Kind::emoji:
        flush();
        if (out.empty() || out.back() != ch) out.push_back(ch);  // 👍👍👍 → one 👍
        break;
      case Kind::other:
        flush();
        break;
    }
  }
  flush();
}

}  // namespace analytics
