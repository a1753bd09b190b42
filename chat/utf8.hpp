#pragma once
// UTF-8 checks for user text (chat messages, nicknames).
#include <cstddef>
#include <string_view>

namespace chat {

[[nodiscard]] bool is_valid_utf8(std::string_view text);
// Number of code points in valid UTF-8 text (what a user calls "characters").
[[nodiscard]] std::size_t code_point_count(std::string_view text);
// Decodes the code point starting at `pos` of valid UTF-8 and advances `pos` past it.
[[nodiscard]] char32_t next_code_point(std::string_view text, std::size_t& pos);
// Spaces of any script: ASCII blanks, no-break space, the ideographic space (U+3000), the
// U+2000..U+200B spaces and the byte-order mark.
[[nodiscard]] bool is_space(char32_t cp);
// True when valid UTF-8 text holds nothing but spaces (or nothing at all).
[[nodiscard]] bool is_blank(std::string_view text);
// Cuts valid UTF-8 text to at most `max_bytes` without splitting a character.
[[nodiscard]] std::string_view truncate_utf8(std::string_view text, std::size_t max_bytes);
// True when the text holds a C0/C1 control character other than tab and newline.
[[nodiscard]] bool has_control_chars(std::string_view text);

}  // namespace chat
