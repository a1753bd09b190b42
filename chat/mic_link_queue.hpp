#pragma once
// One room's mic-link (连麦) state: the viewers asking to join the host on camera, in the order
// they asked, and the guests on camera in slots 1..N. Plain data with no I/O and no clock:
// chat::Room keeps one and touches it on its strand only.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/identity.hpp"

namespace chat {

inline constexpr int kMaxMicLinkGuests = 3;          // the most slots a room may have
inline constexpr std::size_t kMaxMicLinkQueue = 50;  // viewers waiting at once in one room

struct MicLinkEntry {
  Identity who;
  // The connection that asked: it hears the answers, and when it ends the request or link ends.
  std::uint64_t member_id = 0;
  // Cluster mode: the node of that connection (the room's queue lives on one node); empty: this
  // node.
  std::string node;

  friend bool operator==(const MicLinkEntry&, const MicLinkEntry&) = default;
};

struct MicLinkGuest {
  int slot = 0;  // 1..max_guests
  MicLinkEntry entry;

  friend bool operator==(const MicLinkGuest&, const MicLinkGuest&) = default;
};

enum class MicLinkError {
  none,
  already_queued,  // the user asked already and is waiting
  already_guest,   // the user is on camera
  queue_full,      // kMaxMicLinkQueue viewers are waiting
  not_queued,      // no request of this user is waiting
  slots_full,      // every slot has a guest
  not_guest,       // no such guest (user or slot)
};

[[nodiscard]] std::string_view to_code(MicLinkError e);

class MicLinkQueue {
 public:
  explicit MicLinkQueue(int max_guests);

  [[nodiscard]] MicLinkError request(Identity who, std::uint64_t member_id, std::string node = {});
  // The waiting request of `user_id`, taken out of the queue (nullopt: none waits).
  [[nodiscard]] std::optional<MicLinkEntry> cancel(const std::string& user_id);

  struct Accepted {
    MicLinkError error = MicLinkError::none;
    MicLinkGuest guest;  // when error is none
  };
  // Moves the user's request to the lowest free slot.
  [[nodiscard]] Accepted accept(const std::string& user_id);
  // The guest taken off camera (nullopt: no such guest).
  [[nodiscard]] std::optional<MicLinkGuest> end_slot(int slot);
  [[nodiscard]] std::optional<MicLinkGuest> end_user(const std::string& user_id);

  // A connection ended: its waiting request leaves the queue, its link ends.
  struct Gone {
    bool left_queue = false;
    std::optional<MicLinkGuest> ended;
  };
  [[nodiscard]] Gone member_gone(std::uint64_t member_id, std::string_view node = {});
  // Another node is gone (cluster mode): the requests of its connections leave the queue, their
  // links end.
  struct NodeGone {
    bool left_queue = false;
    std::vector<MicLinkGuest> ended;
  };
  [[nodiscard]] NodeGone node_gone(std::string_view node);

  // Empties the queue / every slot (the stream ended, the room closed), handing back what was
  // there.
  [[nodiscard]] std::vector<MicLinkEntry> take_queue();
  [[nodiscard]] std::vector<MicLinkGuest> take_guests();

  // 1-based place of the user's request in the queue; 0: not waiting.
  [[nodiscard]] std::size_t position(const std::string& user_id) const;
  [[nodiscard]] const std::vector<MicLinkEntry>& queue() const { return queue_; }
  // The guests on camera, by slot.
  [[nodiscard]] std::vector<MicLinkGuest> guests() const;
  [[nodiscard]] int max_guests() const { return static_cast<int>(slots_.size()); }

 private:
  [[nodiscard]] int slot_of(const std::string& user_id) const;  // 0: not a guest

  std::vector<MicLinkEntry> queue_;
  std::vector<std::optional<MicLinkEntry>> slots_;  // slots_[i] is slot i + 1
};

}  // namespace chat
