#pragma once
// Durable room records in the embedded SQLite file (data dir). Calls block on disk: the
// RoomDirectory runs them on its own disk thread, never on an io_context thread.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/ban_store.hpp"

namespace server {

struct RoomRecord {
  std::string id;
  std::string title;
  std::int64_t created_at = 0;  // Unix seconds
  std::int64_t closed_at = 0;   // 0: open
  // Bumped when the host rotates the stream key; the key is derived from it (Access::stream_key).
  std::int64_t stream_key_generation = 0;
  // The room's own banned words, on top of the node's list.
  std::vector<std::string> banned_words{};
  // Users banned from the room (refused at join), oldest first.
  std::vector<chat::Ban> bans{};
};

class RoomStore {
 public:
  // Opens (creating when needed) the database file; throws std::runtime_error on failure.
  explicit RoomStore(const std::string& path);

  [[nodiscard]] std::vector<RoomRecord> load_all();
  // false when a room with this id exists already.
  [[nodiscard]] bool insert(const RoomRecord& room);
  void mark_closed(const std::string& id, std::int64_t closed_at);
  void set_stream_key_generation(const std::string& id, std::int64_t generation);
  void set_banned_words(const std::string& id, const std::vector<std::string>& words);
  // A second ban of the same user keeps the first.
  void add_ban(const std::string& room, const chat::Ban& ban);
  void remove_ban(const std::string& room, const std::string& user_id);

 private:
  void exec(const char* sql);
  [[nodiscard]] bool has_column(const char* table, const char* column);
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace server
