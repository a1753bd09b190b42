// Comment segmentation throughput (issue 5): WordSegmenter::cut alone and HotWords::add_comment
// (segment + count), over a cooking show's comments, reported as comments per second
// (items_per_second) on whichever core the process runs on: pin it (bench/run_segmenter_bench.sh).
// Before timing, the corpus is cut once and checked against a reference (token count and hash,
// recorded from the implementation at 73353d7) and the hot words it yields against the ones
// that corpus is known for, so a fast wrong change fails instead of reporting a figure.
// Flags after Google Benchmark's own: --dict=PATH (jieba's dict.txt), --corpus=PATH.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/hot_words.hpp"
#include "analytics/word_segmenter.hpp"

namespace {

using analytics::Dictionary;
using analytics::HotWords;
using analytics::WordSegmenter;

// The room's products, as the hot-word quality test has them.
const std::vector<analytics::ProductWords> kProducts{{"soy", "低钠酱油 500ml", {"低钠"}},
                                                     {"mgc", "梅干菜 250g", {}},
                                                     {"rice", "五常大米 5kg", {"有机"}}};
constexpr const char* kRoomWords[] = {"低钠酱油", "梅干菜", "五常大米"};
constexpr std::int64_t kRoomWordFrequency = 2'000;

// What cutting the whole corpus gave at 73353d7 (before the speed work): tokens, and FNV-1a
// over every token followed by '\n' and every comment followed by '\x1e'.
struct Reference {
  std::size_t tokens;
  std::uint64_t hash;
};
constexpr Reference kJiebaOnly{2'448, 0x8b9d02c75d5628f5};
constexpr Reference kWithRoomWords{2'017, 0x50c5f0abac51e097};
// The corpus's ten hottest words with the room words, one comment a second (since 2fe7925 made
// 多少 and 时候 stop words).
const std::vector<std::string> kHotTen{"低钠酱油", "梅干菜", "五常大米", "链接", "多久",
                                       "保质期",   "发货",   "好吃",     "一份", "赶紧"};

constexpr std::int64_t kT0 = 1'767'000'000'000;
constexpr std::int64_t kCommentGapMs = 10;  // 100 comments a second in the timed loop

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

Reference cut_all(const WordSegmenter& seg, const std::vector<std::string>& corpus) {
  Reference r{0, 0xcbf29ce484222325ULL};
  for (const auto& comment : corpus) {
    for (const auto& token : seg.cut(comment)) {
      ++r.tokens;
      r.hash = fnv1a(fnv1a(r.hash, token), "\n");
    }
    r.hash = fnv1a(r.hash, "\x1e");
  }
  return r;
}

bool check(const char* what, Reference got, Reference want) {
  if (got.tokens == want.tokens && got.hash == want.hash) return true;
  std::fprintf(stderr,
               "segmenter_bench: %s: %zu tokens, hash 0x%016llx; the reference is %zu tokens, hash "
               "0x%016llx\n",
               what, got.tokens, static_cast<unsigned long long>(got.hash), want.tokens,
               static_cast<unsigned long long>(want.hash));
  return false;
}

bool check_hot_words(const WordSegmenter& seg, const std::vector<std::string>& corpus) {
  HotWords hot;
  hot.set_products(kProducts);
  std::int64_t now = kT0;
  for (const auto& comment : corpus) hot.add_comment(seg, comment, now += 1'000);
  std::vector<std::string> top;
  for (const auto& h : hot.top(kHotTen.size(), now)) top.push_back(h.word);
  if (top == kHotTen) return true;
  std::string got;
  for (const auto& w : top) got += w + " ";
  std::fprintf(stderr, "segmenter_bench: hot words %sare not the reference\n", got.c_str());
  return false;
}

void cut_corpus(benchmark::State& state, const WordSegmenter& seg,
                const std::vector<std::string>& corpus) {
  for (auto _ : state)
    for (const auto& comment : corpus) {
      auto tokens = seg.cut(comment);
      benchmark::DoNotOptimize(tokens.data());
    }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(corpus.size()));
}

void add_comments(benchmark::State& state, const WordSegmenter& seg,
                  const std::vector<std::string>& corpus) {
  HotWords hot;
  hot.set_products(kProducts);
  std::int64_t now = kT0;
  for (auto _ : state)
    for (const auto& comment : corpus) hot.add_comment(seg, comment, now += kCommentGapMs);
  benchmark::DoNotOptimize(hot.tracked());
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(corpus.size()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::string dict_path = Dictionary::kDebianPath;
  std::string corpus_path = LIVECART_BENCH_CORPUS;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.starts_with("--dict=")) {
      dict_path = arg.substr(7);
    } else if (arg.starts_with("--corpus=")) {
      corpus_path = arg.substr(9);
    } else {
      std::fprintf(stderr,
                   "usage: segmenter_bench [benchmark flags] [--dict=PATH] [--corpus=PATH]\n");
      return 2;
    }
  }

  auto started = std::chrono::steady_clock::now();
  std::string error;
  auto jieba = Dictionary::load(dict_path, error);
  if (!jieba) {
    std::fprintf(stderr, "segmenter_bench: %s\n", error.c_str());
    return 1;
  }
  auto loaded = std::chrono::steady_clock::now();
  Dictionary room_words;  // laid over the shared dictionary, as a room does
  for (const char* w : kRoomWords) room_words.add(w, kRoomWordFrequency);

  std::vector<std::string> corpus;
  std::ifstream in(corpus_path);
  for (std::string line; std::getline(in, line);) corpus.push_back(line);
  if (corpus.empty()) {
    std::fprintf(stderr, "segmenter_bench: no comments in %s\n", corpus_path.c_str());
    return 1;
  }
  std::fprintf(stderr, "segmenter_bench: %zu words loaded in %.0f ms; %zu comments from %s\n",
               jieba->size(), std::chrono::duration<double, std::milli>(loaded - started).count(),
               corpus.size(), corpus_path.c_str());

  const WordSegmenter plain(*jieba);
  const WordSegmenter room(*jieba, &room_words);
  bool ok = check("jieba only", cut_all(plain, corpus), kJiebaOnly);
  ok = check("with room words", cut_all(room, corpus), kWithRoomWords) && ok;
  ok = check_hot_words(room, corpus) && ok;
  if (!ok) return 1;

  benchmark::RegisterBenchmark("cut/jieba", cut_corpus, std::cref(plain), std::cref(corpus));
  benchmark::RegisterBenchmark("cut/jieba+room", cut_corpus, std::cref(room), std::cref(corpus));
  benchmark::RegisterBenchmark("hot_words/add_comment", add_comments, std::cref(room),
                               std::cref(corpus));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
