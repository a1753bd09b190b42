#pragma once
// Cluster mode: what one node's room tells the same room on the other nodes, once per batch,
// so that a viewer on any node sees the whole room. Only what happened on the sending node
// travels (its members' chat, likes and joins, staff's deletions, slow mode, mutes and bans, its
// online count and whether its encoder is live), and mic-link asks and answers between the
// nodes and the one that owns the room's mic-link; shop events do not: every node hears the
// store's commits itself.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/identity.hpp"
#include "chat/mic_link_queue.hpp"

namespace chat {

// Mic-link (连麦) across nodes. A room's queue and guests live on the node its stream is live on
// (the owner: guests publish there); the other nodes forward their members' asks to it and hand
// its answers on.
struct RelayMic {
  enum class Op {
    // Asks, to the owner from the node of the asking connection: what its member sent, and
    request,
    cancel,
    leave,
    accept,
    decline,
    end,
    gone,  // that the connection closed.
    // From the owner:
    reply,   // a frame for one connection of node `to`
    queue,   // the queue and guests now: for every node's staff and welcomes
    guests,  // a guest went on or off camera: a frame for every member
  };
  Op op = Op::request;
  std::string to;                    // asks: the owner; reply: the asker's node; empty otherwise
  std::uint64_t member = 0;          // asks: the connection on the sending node; reply: on `to`
  Identity who;                      // asks but gone: who asks
  std::string user;                  // accept, decline, end by user: whom
  int slot = 0;                      // end by slot
  std::string frame;                 // reply, guests: the frame as members get it
  std::vector<MicLinkEntry> queue;   // queue: who waits, in order, each with its node named
  std::vector<MicLinkGuest> guests;  // queue: who is on camera, each with its node named
};

struct RelayBatch {
  struct Message {
    std::uint64_t id = 0;
    std::string encoded;  // the chat event as members get it (it joins their history too)
    Identity from;
    std::string text;  // for the receiving node's observer (hot words)
  };
  std::vector<Message> messages;
  std::vector<std::uint64_t> deleted;  // message ids taken out of the history
  std::vector<Identity> joins;
  std::size_t more_joins = 0;
  std::uint64_t likes = 0;
  std::vector<std::string> banned;  // users to put out of the room on every node
  struct Mute {
    std::string user_id;
    bool muted = true;  // false: unmuted
    // Muted until this moment, Unix ms; empty: until unmuted. A moment, not a duration: the mute
    // ends at the same instant on every node however long the batch took to arrive (as far as
    // the nodes' clocks agree, which NTP keeps within milliseconds).
    std::optional<std::int64_t> until_ms;
  };
  std::vector<Mute> mutes;  // in the order staff made them
  std::size_t online = 0;           // the sending node's members now
  // The room's stream is live on the sending node (its encoder reached it). In every batch, so
  // that a node that starts later learns it with the next heartbeat.
  bool live = false;
  std::optional<std::chrono::seconds> slow_mode;
  std::vector<RelayMic> mic;  // in the order they happened
  // A room's chat history on a node that joined the room late (started after the others): it
  // asks when it first hears the other nodes (and again with each heartbeat until an answer comes,
  // for 5 s), and each answers with the messages it keeps.
  bool history_wanted = false;
  struct Past {
    std::uint64_t id = 0;
    std::string encoded;
  };
  std::optional<std::vector<Past>> history;  // the answer (empty: the node keeps none)

  [[nodiscard]] bool empty() const {
    return messages.empty() && deleted.empty() && joins.empty() && more_joins == 0 && likes == 0 &&
           banned.empty() && mutes.empty() && !slow_mode && mic.empty() && !history_wanted && !history;
  }
};

// Sends a room's batch to the other nodes (e.g. Redis pub/sub). Called on the room's strand:
// must not block.
class RoomRelay {
 public:
  virtual ~RoomRelay() = default;
  virtual void send(const std::string& room, const RelayBatch& batch) = 0;
  // This node's tag (0..1023): the low bits of its chat message ids, so ids are unique room-wide.
  [[nodiscard]] virtual std::uint16_t node_tag() const = 0;
  // This node's id, as its batches name it: mic-link asks and answers are addressed with it.
  [[nodiscard]] virtual const std::string& node_id() const = 0;
};

inline constexpr unsigned kNodeTagBits = 10;
// The most messages a history answer may carry (--chat-history allows up to 1,000).
inline constexpr std::size_t kMaxRelayHistory = 1'000;

[[nodiscard]] std::string encode_relay(std::string_view node, const RelayBatch& batch);
// nullopt and `error` set when `payload` is not a relay batch (a bad or foreign message).
[[nodiscard]] std::optional<RelayBatch> decode_relay(std::string_view payload, std::string& node,
                                                     std::string& error);

}  // namespace chat
