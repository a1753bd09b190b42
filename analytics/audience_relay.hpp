#pragma once
// Cluster mode: one room's audience across nodes, so that every node's analytics counts the
// whole room. Each node tells the others what its own viewers did (entered, left, saw and
// clicked products, went on camera), once a second, in numbered batches; it takes theirs in as
// if they had happened here. Comments and likes are not in it (the chat relay carries them),
// nor orders (every node hears the store's commits).
//
// The channel keeps nothing (pub/sub), so a batch may be lost or a node may hear another one
// late: a gap in the numbers, or a node not heard of before, asks that node for its presence
// (who is there now, with how many connections, and who is on camera), which puts this node's
// picture of it right. A node not heard of for `timeout_ms` is gone: its viewers leave here.
// Plain logic with the time passed in; the caller keeps one per room on the room's strand.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "analytics/events.hpp"

namespace analytics {

struct AudiencePresence {
  std::map<std::string, int> viewers;  // viewer → its connections on the sending node
  std::set<std::string> guests;        // on camera through the sending node
};

struct AudienceBatch {
  std::uint64_t seq = 0;  // 1, 2, 3 … per sending node and room
  // Enter, Leave, Impression, Click, MicLinkStart, MicLinkEnd: what happened on the sending node.
  std::vector<Event> events;
  std::optional<AudiencePresence> present;  // after `events`: on the first batch and when asked
  std::vector<std::string> resync;          // the nodes whose presence the sender asks for
};

[[nodiscard]] std::string encode_audience(std::string_view node, const AudienceBatch& batch);
// nullopt and `error` set when `payload` is not an audience batch (a bad or foreign message).
[[nodiscard]] std::optional<AudienceBatch> decode_audience(std::string_view payload,
                                                           std::string& node, std::string& error);

class AudienceRelay {
 public:
  static constexpr std::int64_t kTimeoutMs = 5'000;

  explicit AudienceRelay(std::string node, std::int64_t timeout_ms = kTimeoutMs)
      : node_(std::move(node)), timeout_ms_(timeout_ms) {}

  // An event that happened on this node (and was taken by its analytics): it goes out in the
  // next batch. Other kinds (comments, likes, orders) are ignored.
  void local(const Event& event);
  // The next batch to send (every second: it is also the heartbeat).
  [[nodiscard]] AudienceBatch next_batch();

  // A batch from `node` (not this one): the events to record here, in order. Leaves of viewers
  // this node never heard enter there are left out; presence is applied as the difference it
  // makes (the Enter and Leave events, MicLinkStart and MicLinkEnd, that make it so).
  [[nodiscard]] std::vector<Event> receive(const std::string& node, AudienceBatch batch,
                                           std::int64_t now_ms);
  // Nodes not heard of for the timeout: their viewers leave and their guests go off camera.
  [[nodiscard]] std::vector<Event> expire(std::int64_t now_ms);

  [[nodiscard]] std::size_t nodes() const { return remotes_.size(); }

 private:
  struct Remote {
    std::uint64_t seq = 0;
    std::int64_t heard_ms = 0;
    bool synced = false;  // its presence is known, and no batch of it was missed since
    AudiencePresence present;
  };
  static void apply(AudiencePresence& present, const Event& e, std::vector<Event>& out);
  static void reconcile(AudiencePresence& have, const AudiencePresence& want,
                        std::vector<Event>& out);

  std::string node_;
  std::int64_t timeout_ms_;
  std::uint64_t seq_ = 0;
  std::vector<Event> out_;
  AudiencePresence here_;
  bool send_presence_ = true;  // the first batch carries it
  std::unordered_map<std::string, Remote> remotes_;
};

}  // namespace analytics
