#pragma once
// What a comment says beyond its words: a purchase question (多少钱, 怎么买, 链接 …) or a
// complaint (贵, 难吃, 假货, 退货 …). Complaints are read from the segmented words, so that
// 不贵 (not expensive), 贵不贵 (is it expensive?) and 假期 (holiday) are not complaints, while
// 不好吃 (not tasty) is. Stateless; safe on any thread.
#include <string>
#include <string_view>
#include <vector>

namespace analytics {

struct CommentSignals {
  std::vector<std::string_view> questions;   // the purchase-question phrases it contains
  std::vector<std::string_view> complaints;  // the negative words it uses
};

// `tokens`: the comment's words from WordSegmenter::cut.
[[nodiscard]] CommentSignals read_signals(std::string_view text, const std::vector<std::string>& tokens);

// Every phrase and word the two lists know (for counters kept per phrase).
[[nodiscard]] const std::vector<std::string_view>& question_phrases();
[[nodiscard]] const std::vector<std::string_view>& complaint_words();

}  // namespace analytics
