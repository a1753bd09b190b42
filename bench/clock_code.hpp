#pragma once
// The wall clock burnt into a picture, for glass-to-glass delay: 64 black or white cells of
// 32x32 pixels (16 columns x 4 rows, the top-left 512x128 of the picture) on the luma plane.
// A cell covers exactly four 16x16 macroblocks, so H.264 never mixes two cells in one block; a
// reader takes the mean of each cell's inner 16x16 pixels (deblocking touches at most 3 pixels
// at an edge) and refuses a cell whose mean is far from both black and white.
// The 64 bits: the Unix time in ms (low 40 bits), a frame counter (8 bits) and a CRC-16 of those
// six bytes, most significant bit first, row by row. Header-only; bench/whep_glass.mjs reads the
// same layout from a canvas in the browser.
#include <array>
#include <cstdint>
#include <optional>

namespace bench::clock_code {

constexpr int kCell = 32;
constexpr int kColumns = 16;
constexpr int kRows = 4;
constexpr int kBits = kColumns * kRows;
constexpr int kWidth = kCell * kColumns;  // the pictures must be at least this wide
constexpr int kHeight = kCell * kRows;    // and this high
constexpr std::uint8_t kBlack = 16;       // video-range luma
constexpr std::uint8_t kWhite = 235;
// A cell's mean luma must be under kSureBlack or over kSureWhite to be read at all.
constexpr int kSureBlack = 80;
constexpr int kSureWhite = 170;
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << 40) - 1;

struct Stamp {
  std::uint64_t time_ms = 0;  // low 40 bits of the Unix time in ms
  std::uint8_t frame = 0;
};

// CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF) over the 40 + 8 bits.
inline std::uint16_t crc16(std::uint64_t payload48) {
  std::uint16_t crc = 0xFFFF;
  for (int byte = 5; byte >= 0; --byte) {
    crc ^= static_cast<std::uint16_t>(((payload48 >> (8 * byte)) & 0xFF) << 8);
    for (int i = 0; i < 8; ++i)
      crc = static_cast<std::uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

inline std::uint64_t word_of(Stamp s) {
  std::uint64_t payload = (s.time_ms & kTimeMask) << 8 | s.frame;
  return payload << 16 | crc16(payload);
}

// Writes the cells into a luma plane of `stride` bytes a row.
inline void draw(Stamp s, std::uint8_t* luma, int stride) {
  std::uint64_t word = word_of(s);
  for (int bit = 0; bit < kBits; ++bit) {
    bool one = (word >> (kBits - 1 - bit)) & 1;
    int x0 = (bit % kColumns) * kCell, y0 = (bit / kColumns) * kCell;
    for (int y = y0; y < y0 + kCell; ++y)
      for (int x = x0; x < x0 + kCell; ++x) luma[y * stride + x] = one ? kWhite : kBlack;
  }
}

// Reads the cells back; nothing when a cell is unsure or the CRC does not match.
inline std::optional<Stamp> read(const std::uint8_t* luma, int stride) {
  std::uint64_t word = 0;
  for (int bit = 0; bit < kBits; ++bit) {
    int x0 = (bit % kColumns) * kCell + kCell / 4, y0 = (bit / kColumns) * kCell + kCell / 4;
    int sum = 0;
    for (int y = y0; y < y0 + kCell / 2; ++y)
      for (int x = x0; x < x0 + kCell / 2; ++x) sum += luma[y * stride + x];
    int mean = sum / (kCell / 2 * kCell / 2);
    if (mean > kSureBlack && mean < kSureWhite) return std::nullopt;
    word = word << 1 | (mean >= kSureWhite ? 1u : 0u);
  }
  std::uint64_t payload = word >> 16;
  if (crc16(payload) != (word & 0xFFFF)) return std::nullopt;
  return Stamp{payload >> 8, static_cast<std::uint8_t>(payload & 0xFF)};
}

}  // namespace bench::clock_code
