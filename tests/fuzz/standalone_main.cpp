// Runs a libFuzzer target without libFuzzer: every seed, then deterministic mutations of the
// seeds (byte flips, truncations, splices, insertions of JSON-significant bytes). Exits non-zero
// only by crashing, which ASan/UBSan turn into a report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

const std::vector<std::string> kSeeds = {
    R"({"type":"chat","text":"这个酱油多少钱？","ref":"c1"})",
    R"({"type":"like","count":5})",
    R"({"type":"mute","user":"v_abc","seconds":600})",
    R"({"type":"unmute","user":"v_abc"})",
    R"({"type":"ban","user":"v_abc"})",
    R"({"type":"delete","id":17})",
    R"({"type":"slow_mode","seconds":10})",
    R"({"type":"chat","text":"\u4f60\u597d \ud83d\ude00 \ud800"})",
    "/ws/rooms/demo?nick=%E5%B0%8F%E7%8E%8B&token=abc.def",
    "/api/rooms/r1/close?x=1&y=%zz",
    "eyJyb29tIjoiZGVtbyIsInJvbGUiOiJob3N0Iiwic3ViIjoiaF9kZW1vIiwibmljayI6IuS4u-aSrSJ9.oU8f_iPHue12TFiYM2Kg2hRJ69_G6fvR7MFSG3RBaj8",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    "",
};

constexpr std::string_view kInteresting = "{}[]\":,\\u0123456789-.eE tfn\xff\xc3\x80";

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
  std::mt19937_64 rng(20261125);
  auto run = [](const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  for (const auto& seed : kSeeds) run(seed);
  for (long i = 0; i < iterations; ++i) {
    std::string s = kSeeds[rng() % kSeeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      std::size_t pos = s.empty() ? 0 : rng() % s.size();
      switch (rng() % 5) {
        case 0: if (!s.empty()) s[pos] = static_cast<char>(rng()); break;
        case 1: s.resize(pos); break;
        case 2: s.insert(pos, 1, kInteresting[rng() % kInteresting.size()]); break;
        case 3: s.insert(pos, kSeeds[rng() % kSeeds.size()]); break;
        case 4: if (!s.empty()) s.erase(pos, 1 + rng() % 4); break;
      }
    }
    run(s);
  }
  std::printf("%ld inputs ran without a crash\n", iterations + static_cast<long>(kSeeds.size()));
  return 0;
}
