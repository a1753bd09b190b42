#pragma once
// Chinese word segmentation for comment hot words, the way jieba does it without its HMM:
// a DAG of every dictionary word starting at each character, and the route of maximum
// probability through it (sum of log word frequencies). Latin letters and digits form one
// token each run (lower-cased), emoji are tokens of their own, punctuation and spaces split,
// and runs of one repeated character are folded (哈哈哈哈 → 哈哈, 666666 → 666).
// The dictionary is jieba's dict.txt (Debian's python3-jieba), loaded once per process and
// shared by every room; a room's own words (product titles, tags) are a second, small
// dictionary laid over it per segmenter, so the shared one is never written after loading.
// Thread-compatible: cut() is const and may run on many threads once the dictionaries are
// complete.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace analytics {

class Dictionary {
 public:
  // An empty dictionary, e.g. for a room's own words.
  Dictionary() = default;
  // Reads jieba's format, "word frequency [tag]" per line; nullopt with `error` set on failure.
  static std::optional<Dictionary> load(const std::string& path, std::string& error);
  // Where Debian's python3-jieba puts its dictionary.
  static constexpr const char* kDebianPath = "/usr/lib/python3/dist-packages/jieba/dict.txt";

  // Adds (or raises to `frequency`) a word of its own, e.g. a product title or tag. Words of
  // more than kMaxWordBytes are ignored. A dictionary holds up to 4 GiB of text.
  void add(std::string_view word, std::int64_t frequency);
  // 0 when `word` is not in the dictionary.
  [[nodiscard]] std::int64_t frequency(std::string_view word) const;
  [[nodiscard]] std::int64_t total() const { return total_; }
  [[nodiscard]] std::size_t size() const { return words_; }
  // Longest word, in characters (code points): the DAG never looks further.
  [[nodiscard]] std::size_t max_chars() const { return max_chars_; }

  static constexpr std::size_t kMaxWordBytes = 65'535;

 private:
  friend class WordSegmenter;  // looks entries up, and lays a room's words over the base

  // A word, or only the beginning of longer ones (is_word false, frequency 0): the segmenter
  // stops extending a candidate that no word begins with, as jieba does.
  struct Entry {
    std::int64_t frequency = 0;
    double log_frequency = 0;  // log(max(frequency, 1)), once here instead of per candidate
    std::uint32_t offset = 0;  // of its text in bytes_
    std::uint16_t length = 0;
    bool is_word = false;
  };
  // Open addressing, linear probing, a power-of-two table at most half full. A slot holds its
  // entry's index + 1 (0: empty) and the hash's top half, so a probe that misses seldom reads
  // an entry. A lookup hashes its piece once and builds no string; the hash serves both
  // dictionaries of a segmenter.
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t entry = 0;
  };
  [[nodiscard]] static std::uint64_t hash(std::string_view piece);
  // nullptr when no word is or begins with `piece`; `hash` is hash(piece).
  [[nodiscard]] const Entry* find(std::string_view piece, std::uint64_t hash) const;
  [[nodiscard]] std::string_view text(const Entry& e) const {
    return {bytes_.data() + e.offset, e.length};
  }
  // The index of `piece`'s entry, and whether it was added now (as a beginning only).
  std::pair<std::size_t, bool> insert(std::string_view piece);
  void rehash(std::size_t slots);

  std::string bytes_;  // every entry's text, back to back
  std::vector<Entry> entries_;
  std::vector<Slot> slots_;
  std::size_t words_ = 0;
  std::int64_t total_ = 0;
  std::size_t max_chars_ = 1;
};

class WordSegmenter {
 public:
  // `room_words`, when given, lies over `base` for this segmenter alone: a word's frequency is
  // the higher of the two, as if the room's words had been added to a copy of `base`. Both must
  // outlive the segmenter and stay unchanged while it exists; when a room's words change, build
  // a new segmenter (cheap: it reads only the room's words).
  explicit WordSegmenter(const Dictionary& base, const Dictionary* room_words = nullptr);
  // The tokens of `text` (valid UTF-8 expected; invalid bytes split like punctuation).
  [[nodiscard]] std::vector<std::string> cut(std::string_view text) const;

  // Longest word the DAG considers, in characters (longer dictionary entries are ignored).
  static constexpr std::size_t kMaxWordChars = 16;

 private:
  // The tokens as views into `text`, or into `folded` for Latin/digit runs (lower-cased and
  // folded; `folded` is cleared and reserved to text.size() first, so it never reallocates
  // under the views). Allocates nothing once the buffers have grown.
  void cut_views(std::string_view text, std::vector<std::string_view>& out,
                 std::string& folded) const;
  void cut_han(const std::vector<std::string_view>& chars,
               std::vector<std::string_view>& out) const;
  // The entry with the higher frequency of the two dictionaries; nullptr when neither has a
  // word that is or begins with `piece`.
  [[nodiscard]] const Dictionary::Entry* find(std::string_view piece) const;

  const Dictionary& base_;
  const Dictionary* room_;  // nullptr: none
  double log_total_;        // of both, as if merged
  std::size_t longest_;     // in characters, of both, at most kMaxWordChars
};

}  // namespace analytics
