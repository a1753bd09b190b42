#pragma once
// One live room's chat: its members, history, likes, moderation, batched fan-out and its
// mic-link (连麦) queue and guests (room_mic_link.cpp).
// Every public member function may be called from any thread: it posts to the room's strand,
// which alone touches the room's state. Counters are atomics readable anywhere.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chat/ban_store.hpp"
#include "chat/chat_config.hpp"
#include "chat/chat_stats.hpp"
#include "chat/client_message.hpp"
#include "chat/identity.hpp"
#include "chat/member.hpp"
#include "chat/mic_link_listener.hpp"
#include "chat/mic_link_queue.hpp"
#include "chat/moderator.hpp"
#include "chat/room_observer.hpp"
#include "chat/room_relay.hpp"

namespace chat {

struct RoomInfo {
  std::string id;
  std::string title;
};

struct RoomCounters {
  std::size_t online = 0;
  std::size_t peak_online = 0;
  std::uint64_t messages = 0;
  std::uint64_t likes = 0;
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  // `observer` (may be null) hears of every member's coming and going, comments and likes.
  // `bans` (may be empty: bans stay in memory) makes bans and unbans durable.
  // `mic_link` (may be null: guests get an empty pass) issues guests' passes and hears links end.
  Room(boost::asio::any_io_executor executor, RoomInfo info, const ChatConfig& config, ChatStats& stats,
       std::shared_ptr<RoomObserver> observer = nullptr, BanStore bans = {},
       std::shared_ptr<MicLinkListener> mic_link = nullptr);

  // `token` is handed back in the welcome so that the client can reconnect as the same user.
  void join(std::uint64_t member_id, std::weak_ptr<Member> member, Identity who, std::string token);
  void leave(std::uint64_t member_id);
  void handle(std::uint64_t member_id, ClientMessage message);
  // Queues an event, already encoded, for every member in the next batch (used by other modules).
  void publish(std::string encoded_event);
  // Sends a message at once, outside the batches, to the room's staff connections (host,
  // operators): what only they should see, such as suggestions.
  void send_to_staff(std::string encoded_message);
  // The room's stream started or ended on this node (its encoder): every member is told at once,
  // outside the batches ({"type":"stream","live":…}, never skipped), and later welcomes say so.
  // In cluster mode the room is live for its members while it is live here or on any other node
  // heard from; they are told each change of that.
  void set_live(bool live);
  // The room's own banned words (moderation adds them to the node's list).
  void set_banned_words(std::vector<std::string> words);
  // Bans stored earlier (at start): these users are refused again, with no store call.
  void load_bans(std::vector<std::string> user_ids);
  // Bans lifted elsewhere (another node): no store call.
  void lift_bans(std::vector<std::string> user_ids);
  // Lifts a ban (as the `unban` message does); `done(stored)` once the store has it.
  void unban(std::string user_id, std::function<void(bool stored)> done);
  // The host ended the room: members are told and disconnected; later joins are refused.
  void close();

  // Cluster mode: what happens here goes to the same room on the other nodes through `relay`,
  // once per batch. Set before any other call.
  void set_relay(std::shared_ptr<RoomRelay> relay) { relay_ = std::move(relay); }
  // A batch from the same room on another node: its members' chat, likes, joins and staff
  // actions reach members here in the next batch; its online count joins this room's.
  void receive(std::string node, RelayBatch batch);
  // About once a second in cluster mode: tells the other nodes this node's online count and
  // whether it is live (they forget a node not heard of for kRelayNodeTimeout) and forgets nodes
  // gone silent (a live one counts as ended).
  void relay_tick();
  static constexpr std::chrono::seconds kRelayNodeTimeout{5};
  // The media of the guest in `slot` ended by itself: the link ends (reason media_ended, `why`
  // told to the guest). Nothing happens when the slot has no guest by then.
  void guest_media_ended(int slot, std::string why);

  [[nodiscard]] const RoomInfo& info() const { return info_; }
  [[nodiscard]] bool is_closed() const { return closed_.load(std::memory_order_relaxed); }
  // Live here or on another node (cluster mode): as the members were last told.
  [[nodiscard]] bool is_live() const { return live_.load(std::memory_order_relaxed); }
  [[nodiscard]] RoomCounters counters() const;

 private:
  struct MemberEntry {
    std::weak_ptr<Member> member;
    Identity who;
  };
  struct HistoryEntry {
    std::uint64_t id;
    std::string encoded;
  };

  using Members = std::unordered_map<std::uint64_t, MemberEntry>;
  Members::iterator remove_member(Members::iterator it);
  void do_join(std::uint64_t member_id, std::weak_ptr<Member> member, Identity who, const std::string& token);
  void do_leave(std::uint64_t member_id);
  void on_chat(MemberEntry& from, ChatMsg& msg);
  void on_like(const LikeMsg& msg);
  void on_moderation(MemberEntry& from, ClientMessage& message);
  void send_to(const MemberEntry& entry, std::string frame);
  void kick_user(const std::string& user_id, CloseReason reason);
  // Stores the change, then acks to `by` (or tells it the store failed); at once without a store.
  void store_ban(Ban ban, bool banned, std::weak_ptr<Member> by);
  void schedule_flush();
  void flush();
  // This node's members and the other nodes' (cluster mode): online_ and peak_online_.
  void update_online();
  // Live here or on another node: live_, and the members told when that changed.
  void update_live();
  // What happened here since the last batch, with the online count and live state, to the other
  // nodes now.
  void send_relay();
  // A late node's history: the other nodes' answers merged in, by id, the newest kept.
  void merge_history(std::vector<RelayBatch::Past> past);
  std::uint64_t next_message_id();
  static std::int64_t unix_ms_now();

  // Mic-link, on the strand (room_mic_link.cpp). False: `message` is not a mic-link message.
  bool on_mic_link(std::uint64_t member_id, MemberEntry& from, ClientMessage& message);
  // An ask of a connection here or (cluster mode) of another node's, to this node as the owner.
  void on_mic_ask(const MicLinkEntry& asker, const RelayMic& ask);
  void on_mic_request(const MicLinkEntry& asker);
  void on_mic_accept(const MicLinkEntry& by, const std::string& user_id);
  void mic_link_member_gone(std::uint64_t member_id);  // a connection here closed
  void mic_connection_gone(std::uint64_t member_id, const std::string& node);
  // Takes `guest` off camera: the guest, staff, the room, the observer and the listener hear it.
  void end_mic_link(const MicLinkGuest& guest, MicLinkEnd reason, std::string_view detail = {});
  // Every guest off camera and every request turned down (stream ended, room closed).
  void end_all_mic_links(MicLinkEnd reason, bool tell_members);
  void send_to_member(std::uint64_t member_id, std::string frame);
  void send_now_to_all(std::string frame);
  void send_now_to_staff(std::string frame);
  // To the connection that asked, here or on its node.
  void mic_reply(const MicLinkEntry& to, std::string frame);
  void mic_queue_changed();                    // staff get the queue and the guests (every node's)
  void mic_guests_changed(std::string frame);  // every member (of every node) gets `frame`
  // The queue and guests as the other nodes get them (this node's connections named).
  [[nodiscard]] RelayMic mic_state() const;

  // Mic-link in cluster mode (room_mic_link.cpp). The other node that owns the room's mic-link:
  // the one the stream is live on; null when that is this node or no node is live.
  [[nodiscard]] const std::string* remote_mic_owner() const;
  void relay_mic(RelayMic m);  // to the other nodes with the next batch
  void receive_mic(const std::string& node, RelayMic& m);
  // `node` was forgotten: its connections' requests and links end; if it owned the mic-link,
  // this node's members hear that everything ended (mic_owner_gone).
  void mic_node_gone(const std::string& node);
  void mic_owner_gone();

  RoomInfo info_;
  const ChatConfig& config_;
  ChatStats& stats_;
  std::shared_ptr<RoomObserver> observer_;
  BanStore ban_store_;
  std::shared_ptr<MicLinkListener> mic_link_listener_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer flush_timer_;
  Moderator moderator_;
  MicLinkQueue mic_link_;

  Members members_;
  std::unordered_map<std::string, int> connections_per_user_;
  std::deque<HistoryEntry> history_;
  std::uint64_t last_message_id_ = 0;

  // Waiting for the next batch.
  std::vector<std::string> pending_events_;
  std::vector<Identity> pending_joins_;
  std::size_t pending_more_joins_ = 0;
  std::uint64_t pending_likes_ = 0;
  bool online_changed_ = false;
  bool flush_scheduled_ = false;

  // Cluster mode.
  struct RemoteNode {
    std::size_t online = 0;
    bool live = false;
    std::chrono::steady_clock::time_point heard;
  };
  std::shared_ptr<RoomRelay> relay_;
  RelayBatch relay_out_;  // what happened here since the last batch
  std::unordered_map<std::string, RemoteNode> remote_nodes_;
  // Asked the other nodes for their history when it first heard one; answers are merged until
  // this moment (one from each node that holds the room: a node started with this one may answer
  // first, empty). Until one is heard the ask goes again with each heartbeat: pub/sub may lose it.
  std::optional<std::chrono::steady_clock::time_point> history_asked_until_;
  bool history_answered_ = false;
  // The owner's mic-link queue and guests as it last told them (this node's connections with an
  // empty node), for welcomes and for ending what it cannot end once it is gone.
  std::string mic_mirror_node_;
  std::vector<MicLinkEntry> mic_mirror_queue_;
  std::vector<MicLinkGuest> mic_mirror_guests_;
  std::unordered_set<std::uint64_t> mic_askers_;  // connections here that asked another node

  std::atomic<bool> closed_{false};
  bool live_here_ = false;          // this node's encoder
  std::atomic<bool> live_{false};  // here or on another node; written on the strand only
  std::atomic<std::size_t> online_{0};
  std::atomic<std::size_t> peak_online_{0};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> likes_{0};
};

}  // namespace chat
