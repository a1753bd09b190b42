#pragma once
// Who is speaking in a room, and with which role.
#include <optional>
#include <string>
#include <string_view>

namespace chat {

enum class Role { viewer, host, operator_, admin };

[[nodiscard]] std::string_view to_string(Role role);
[[nodiscard]] std::optional<Role> role_from_string(std::string_view name);

// Hosts, operators and admins run the room: they moderate and are not rate limited.
[[nodiscard]] inline bool is_staff(Role role) { return role != Role::viewer; }

struct Identity {
  std::string user_id;
  std::string nick;
  Role role = Role::viewer;

  friend bool operator==(const Identity&, const Identity&) = default;
};

}  // namespace chat
