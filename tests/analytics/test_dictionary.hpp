#pragma once
// jieba's dictionary from Debian's python3-jieba, loaded once per test binary.
#include <stdexcept>
#include <string>

#include "analytics/word_segmenter.hpp"

namespace analytics {

inline const Dictionary& jieba_dictionary() {
  static const Dictionary dict = [] {
    std::string error;
    auto d = Dictionary::load(Dictionary::kDebianPath, error);
    if (!d) throw std::runtime_error(error);
    return std::move(*d);
  }();
  return dict;
}

}  // namespace analytics
