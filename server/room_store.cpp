#include "server/room_store.hpp"

#include <algorithm>
#include <stdexcept>

namespace server {
namespace {

struct Statement {
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  void bind(int i, const std::string& s) { sqlite3_bind_text(stmt, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT); }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt, i, v); }
  sqlite3_stmt* stmt = nullptr;
};

// Banned words are stored one per line (a word is printable: it holds no line break).
std::string join_lines(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += w + "\n";
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) out.push_back(text.substr(start, nl - start));
  return out;
}

std::string column_text(sqlite3_stmt* stmt, int i) {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))) : std::string{};
}

}  // namespace

RoomStore::RoomStore(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path + ": " + sqlite3_errstr(rc));
  sqlite3_busy_timeout(db, 5000);
  // WAL with synchronous=FULL: a room acknowledged as created survives power loss.
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE IF NOT EXISTS rooms ("
       " id TEXT PRIMARY KEY, title TEXT NOT NULL,"
       " created_at INTEGER NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0,"
       " stream_key_generation INTEGER NOT NULL DEFAULT 0, banned_words TEXT NOT NULL DEFAULT '')");
  // Files written before key rotation existed: every room is at generation 0, its first key.
  if (!has_column("rooms", "stream_key_generation"))
    exec("ALTER TABLE rooms ADD COLUMN stream_key_generation INTEGER NOT NULL DEFAULT 0");
  // ... and before rooms had banned words of their own: none.
  if (!has_column("rooms", "banned_words")) exec("ALTER TABLE rooms ADD COLUMN banned_words TEXT NOT NULL DEFAULT ''");
  exec("CREATE TABLE IF NOT EXISTS bans ("
       " room TEXT NOT NULL, user_id TEXT NOT NULL, nick TEXT NOT NULL DEFAULT '', banned_at_ms INTEGER NOT NULL,"
       " PRIMARY KEY (room, user_id))");
}

bool RoomStore::has_column(const char* table, const char* column) {
  Statement s(db_.get(), (std::string("SELECT name FROM pragma_table_info('") + table + "')").c_str());
  while (sqlite3_step(s.stmt) == SQLITE_ROW)
    if (column_text(s.stmt, 0) == column) return true;
  return false;
}

void RoomStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string message = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(std::string("sqlite: ") + message + " in " + sql);
  }
}

std::vector<RoomRecord> RoomStore::load_all() {
  Statement s(db_.get(),
              "SELECT id, title, created_at, closed_at, stream_key_generation, banned_words FROM rooms ORDER BY created_at, id");
  std::vector<RoomRecord> rooms;
  while (sqlite3_step(s.stmt) == SQLITE_ROW)
    rooms.push_back({column_text(s.stmt, 0), column_text(s.stmt, 1), sqlite3_column_int64(s.stmt, 2),
                     sqlite3_column_int64(s.stmt, 3), sqlite3_column_int64(s.stmt, 4), split_lines(column_text(s.stmt, 5)),
                     {}});
  Statement b(db_.get(), "SELECT room, user_id, nick, banned_at_ms FROM bans ORDER BY banned_at_ms, user_id");
  while (sqlite3_step(b.stmt) == SQLITE_ROW) {
    std::string room = column_text(b.stmt, 0);
    auto it = std::find_if(rooms.begin(), rooms.end(), [&](const RoomRecord& r) { return r.id == room; });
    if (it != rooms.end())
      it->bans.push_back({column_text(b.stmt, 1), column_text(b.stmt, 2), sqlite3_column_int64(b.stmt, 3)});
  }
  return rooms;
}

bool RoomStore::insert(const RoomRecord& room) {
  Statement s(db_.get(),
              "INSERT INTO rooms (id, title, created_at, closed_at, stream_key_generation, banned_words) VALUES (?, ?, ?, ?, ?, ?)");
  s.bind(1, room.id);
  s.bind(2, room.title);
  s.bind(3, room.created_at);
  s.bind(4, room.closed_at);
  s.bind(5, room.stream_key_generation);
  s.bind(6, join_lines(room.banned_words));
  int rc = sqlite3_step(s.stmt);
  if (rc == SQLITE_CONSTRAINT) return false;
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite insert room: ") + sqlite3_errmsg(db_.get()));
  return true;
}

void RoomStore::mark_closed(const std::string& id, std::int64_t closed_at) {
  Statement s(db_.get(), "UPDATE rooms SET closed_at = ? WHERE id = ?");
  s.bind(1, closed_at);
  s.bind(2, id);
  if (sqlite3_step(s.stmt) != SQLITE_DONE)
    throw std::runtime_error(std::string("sqlite close room: ") + sqlite3_errmsg(db_.get()));
}

void RoomStore::set_stream_key_generation(const std::string& id, std::int64_t generation) {
  Statement s(db_.get(), "UPDATE rooms SET stream_key_generation = ? WHERE id = ?");
  s.bind(1, generation);
  s.bind(2, id);
  if (sqlite3_step(s.stmt) != SQLITE_DONE)
    throw std::runtime_error(std::string("sqlite rotate stream key: ") + sqlite3_errmsg(db_.get()));
}

void RoomStore::set_banned_words(const std::string& id, const std::vector<std::string>& words) {
  Statement s(db_.get(), "UPDATE rooms SET banned_words = ? WHERE id = ?");
  s.bind(1, join_lines(words));
  s.bind(2, id);
  if (sqlite3_step(s.stmt) != SQLITE_DONE)
    throw std::runtime_error(std::string("sqlite banned words: ") + sqlite3_errmsg(db_.get()));
}

void RoomStore::add_ban(const std::string& room, const chat::Ban& ban) {
  Statement s(db_.get(), "INSERT OR IGNORE INTO bans (room, user_id, nick, banned_at_ms) VALUES (?, ?, ?, ?)");
  s.bind(1, room);
  s.bind(2, ban.user_id);
  s.bind(3, ban.nick);
  s.bind(4, ban.at_ms);
  if (sqlite3_step(s.stmt) != SQLITE_DONE) throw std::runtime_error(std::string("sqlite ban: ") + sqlite3_errmsg(db_.get()));
}

void RoomStore::remove_ban(const std::string& room, const std::string& user_id) {
  Statement s(db_.get(), "DELETE FROM bans WHERE room = ? AND user_id = ?");
  s.bind(1, room);
  s.bind(2, user_id);
  if (sqlite3_step(s.stmt) != SQLITE_DONE) throw std::runtime_error(std::string("sqlite unban: ") + sqlite3_errmsg(db_.get()));
}

}  // namespace server
