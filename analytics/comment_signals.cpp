#include "analytics/comment_signals.hpp"

#include <algorithm>

namespace analytics {
namespace {

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Words that turn the word after them around (不贵, 没坑).
bool is_negation(std::string_view w) { return w == "不" || w == "不是" || w == "没" || w == "没有" || w == "不会"; }

// Praise that a negation turns into a complaint (不好吃, 不太新鲜), and the complaint it becomes.
std::string_view negated_praise(std::string_view w) {
  if (w == "好吃") return "不好吃";
  if (w == "好喝") return "不好喝";
  if (w == "新鲜") return "不新鲜";
  if (w == "值") return "不值";
  if (w == "划算") return "不划算";
  return {};
}

}  // namespace

const std::vector<std::string_view>& question_phrases() {
  static const std::vector<std::string_view> phrases{
      "多少钱", "怎么买", "链接", "还有吗", "发货", "怎么下单", "在哪买", "哪里买", "怎么拍", "包邮", "有货吗", "还有货", "上车",
  };
  return phrases;
}

const std::vector<std::string_view>& complaint_words() {
  static const std::vector<std::string_view> words{
      "贵",   "太贵", "难吃", "难喝", "假",   "假货", "假的", "退货", "退款", "坑",   "骗人", "骗子",
      "上当", "智商税", "差评", "变质", "过期", "发霉", "垃圾", "不好吃", "不好喝", "不新鲜", "不值", "不划算",
  };
  return words;
}

CommentSignals read_signals(std::string_view text, const std::vector<std::string>& tokens) {
  CommentSignals out;
  for (std::string_view phrase : question_phrases())
    if (text.find(phrase) != std::string_view::npos) out.questions.push_back(phrase);

  const auto& negative = complaint_words();
  auto add = [&](std::string_view word) {
    auto it = std::find(negative.begin(), negative.end(), word);
    if (it != negative.end() && !contains(out.complaints, *it)) out.complaints.push_back(*it);
  };
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    std::string_view w = tokens[i];
    bool negated = i > 0 && is_negation(tokens[i - 1]);
    bool negated_softly = i > 1 && is_negation(tokens[i - 2]) && tokens[i - 1] == "太";  // 不太好吃
    if (auto complaint = negated_praise(w); !complaint.empty()) {
      if (negated || negated_softly) add(complaint);
      continue;
    }
    if (!contains(negative, w) || negated) continue;
    // 贵不贵, 坑不坑: a question, not a complaint.
    if (i + 2 < tokens.size() && tokens[i + 1] == "不" && tokens[i + 2] == w) {
      i += 2;
      continue;
    }
    add(w);
  }
  return out;
}

}  // namespace analytics
