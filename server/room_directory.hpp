#pragma once
// All rooms of this node: their records (durable in the RoomStore) and their live chat.
// Thread-safe: a mutex guards the map; each room's live state stays on its own strand.
// Store writes run on the directory's disk thread; completions are called there.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/room.hpp"
#include "server/room_store.hpp"

namespace server {

struct RoomView {
  RoomRecord record;
  chat::RoomCounters counters;
  bool live = false;  // the room's stream, as its members were last told
  [[nodiscard]] bool closed() const { return record.closed_at != 0; }
};

enum class CreateError { none, exists, storage };

class RoomDirectory {
 public:
  RoomDirectory(boost::asio::any_io_executor io, RoomStore& store, const chat::ChatConfig& config,
                chat::ChatStats& stats);
  ~RoomDirectory();
  RoomDirectory(const RoomDirectory&) = delete;
  RoomDirectory& operator=(const RoomDirectory&) = delete;

  // Who hears each room's audience (analytics): asked once per room made. Set before load().
  using ObserverFactory = std::function<std::shared_ptr<chat::RoomObserver>(const std::string& room)>;
  void set_observers(ObserverFactory factory) { observers_ = std::move(factory); }
  // Who issues mic-link guests' passes and hears links end (server::MicLink). Set before load().
  void set_mic_link(std::shared_ptr<chat::MicLinkListener> mic_link) { mic_link_ = std::move(mic_link); }

  // Cluster mode (set before load()): every room sends its batches to the other nodes through
  // `relay`, and `on_change` hears each durable change of a record made on this node (on the
  // disk thread), to share it.
  void set_relay(std::shared_ptr<chat::RoomRelay> relay) { relay_ = std::move(relay); }
  void set_on_change(std::function<void(const RoomRecord&)> on_change) { on_change_ = std::move(on_change); }
  // A record as another node changed it: created, closed, rotated, banned words, bans. Stored
  // here too (on the disk thread) and applied to the live room.
  void apply_remote(RoomRecord record);
  // Every room's relay_tick() (cluster mode, about once a second).
  void relay_tick();

  // Loads the stored rooms (at start, before serving).
  void load();

  using CreateHandler = std::function<void(CreateError, std::optional<RoomView>)>;
  // Creates the room, durable before `done` is called (on the disk thread).
  void create(RoomRecord record, CreateHandler done);
  // Creates the room at start when it does not exist yet; blocks (start-up only).
  void ensure(RoomRecord record);

  using CloseHandler = std::function<void(std::optional<RoomView>)>;
  // Closes the room (members told and disconnected), durable before `done`; nullopt: unknown.
  void close(const std::string& id, CloseHandler done);

  enum class RotateError { none, not_found, closed, storage };
  using RotateHandler = std::function<void(RotateError, std::optional<RoomView>)>;
  // Moves the room to its next stream-key generation, durable before `done` (on the disk
  // thread): from then on only the new key publishes. A broadcast already live goes on.
  void rotate_stream_key(const std::string& id, RotateHandler done);

  // Replaces the room's own banned words, durable before `done` (called on the disk thread).
  enum class UpdateError { none, not_found, storage };
  void set_banned_words(const std::string& id, std::vector<std::string> words,
                        std::function<void(UpdateError, std::optional<RoomView>)> done);

  // Lifts a ban, durable before `done` (called on the disk thread); not_found: no such room, or
  // the user is not banned there.
  void unban(const std::string& id, const std::string& user_id, std::function<void(UpdateError)> done);

  [[nodiscard]] std::shared_ptr<chat::Room> find(const std::string& id) const;
  [[nodiscard]] std::optional<RoomView> view(const std::string& id) const;
  // Newest first.
  [[nodiscard]] std::vector<RoomView> list() const;

 private:
  struct Entry {
    RoomRecord record;
    std::shared_ptr<chat::Room> room;
    bool pending = false;  // being written: not visible yet
  };
  [[nodiscard]] std::shared_ptr<chat::Room> make_room(const RoomRecord& record);
  // The room's BanStore: the change on the disk thread, then in the room's record.
  void store_ban(const std::string& room, const chat::Ban& ban, bool banned, const std::function<void(bool)>& done);
  [[nodiscard]] static RoomView view_of(const Entry& e);
  void changed(const std::string& id);  // tells on_change_ (disk thread)

  boost::asio::any_io_executor io_;
  RoomStore& store_;
  const chat::ChatConfig& config_;
  chat::ChatStats& stats_;
  ObserverFactory observers_;
  std::shared_ptr<chat::MicLinkListener> mic_link_;
  std::shared_ptr<chat::RoomRelay> relay_;
  std::function<void(const RoomRecord&)> on_change_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> rooms_;
  boost::asio::thread_pool disk_{1};
};

}  // namespace server
