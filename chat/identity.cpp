#include "chat/identity.hpp"

namespace chat {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::host: return "host";
    case Role::operator_: return "operator";
    case Role::admin: return "admin";
  }
  return "viewer";
}

std::optional<Role> role_from_string(std::string_view name) {
  if (name == "viewer") return Role::viewer;
  if (name == "host") return Role::host;
  if (name == "operator") return Role::operator_;
  if (name == "admin") return Role::admin;
  return std::nullopt;
}

}  // namespace chat
