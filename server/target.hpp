#pragma once
// Request targets split into path segments and percent-decoded query parameters.
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace server {

struct Target {
  std::string path;                       // decoded
  std::vector<std::string> segments;      // path split on '/', empty segments dropped
  std::unordered_map<std::string, std::string> query;
};

// nullopt for a malformed target (bad percent-encoding, not starting with '/').
[[nodiscard]] std::optional<Target> parse_target(std::string_view target);
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace server
