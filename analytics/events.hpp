#pragma once
// What analytics counts in a room, as plain values: the server turns WebSocket frames, chat
// and committed orders into these. An event that cannot have happened (a click on a product
// the room does not sell, a leave without an enter) is dropped and counted by its reason.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace analytics {

using Cents = std::int64_t;

struct Enter {  // one of the viewer's connections joined the room
  std::string viewer;
};
struct Leave {  // one of the viewer's connections left
  std::string viewer;
};
struct Impression {  // a product card was actually shown to the viewer (pinned card, shelf opened)
  std::string viewer;
  std::string sku;
};
struct Click {  // the viewer opened or tapped a product
  std::string viewer;
  std::string sku;
};
struct OrderCreated {
  std::int64_t order_id = 0;
  std::string viewer;
  std::string sku;
  std::string title;  // the product's, at the time of the order
  std::int64_t quantity = 0;
  Cents total_cents = 0;
};
struct OrderPaid {
  std::int64_t order_id = 0;
};
struct Comment {  // a chat message that passed moderation
  std::string viewer;
  std::string text;
};
struct Like {
  std::int64_t count = 0;
};
struct MicLinkStart {
  std::string guest;
};
struct MicLinkEnd {
  std::string guest;
};

// std::visit(Overloaded{[](const Enter&) {…}, …}, event)
template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

using Event = std::variant<Enter, Leave, Impression, Click, OrderCreated, OrderPaid, Comment, Like, MicLinkStart,
                           MicLinkEnd>;

// Why an event was dropped (none: it was taken).
enum class Drop {
  none,
  unknown_product,     // impression or click on a product the room does not sell
  not_in_room,         // impression or click from a viewer who is not in the room
  leave_without_enter,
  unknown_order,       // paid, but never created (or already paid)
  duplicate_order,     // created twice
  bad_value,           // empty id, zero or negative quantity, negative money or count
  mic_link_not_started,
};
inline constexpr std::size_t kDropReasons = 8;

[[nodiscard]] std::string_view to_string(Drop reason);

}  // namespace analytics
