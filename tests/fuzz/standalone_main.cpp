// Runs a libFuzzer target without libFuzzer: every seed, then deterministic mutations of the
// seeds (byte flips, truncations, splices, insertions of JSON-significant bytes). Exits non-zero
// only by crashing, which ASan/UBSan turn into a report.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
// Each target names its seeds: inputs captured from real clients or built by our writers.
std::vector<std::string> fuzz_seeds();

using namespace std::string_view_literals;

namespace {

constexpr std::string_view kInteresting = "{}[]\":,\\u0123456789-.eE tfn\xff\xc3\x80\x00\x03\x09\x7f"sv;  // sv: it holds a NUL

}  // namespace

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::atol(argv[1]) : 200000;
  const std::vector<std::string> kSeeds = fuzz_seeds();
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
