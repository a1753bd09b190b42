#pragma once
// UTF-8 checks for user text (chat messages, nicknames).
#include <cstddef>
#include <string_view>

namespace chat {

[[nodiscard]] bool is_valid_utf8(std::string_view text);
// Number of code points in valid UTF-8 text (what a user calls "characters").
[[nodiscard]] std::size_t code_point_count(std::string_view text);
// True when the text holds a C0/C1 control character other than tab and newline.
[[nodiscard]] bool has_control_chars(std::string_view text);

}  // namespace chat
