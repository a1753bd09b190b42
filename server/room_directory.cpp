#include "server/room_directory.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

namespace server {
namespace asio = boost::asio;

namespace {
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

RoomDirectory::RoomDirectory(asio::any_io_executor io, RoomStore& store, const chat::ChatConfig& config,
                             chat::ChatStats& stats)
    : io_(std::move(io)), store_(store), config_(config), stats_(stats) {}

RoomDirectory::~RoomDirectory() { disk_.join(); }

std::shared_ptr<chat::Room> RoomDirectory::make_room(const RoomRecord& record) {
  auto bans = [this, id = record.id](const chat::Ban& ban, bool banned, std::function<void(bool)> done) {
    store_ban(id, ban, banned, done);
  };
  auto room = std::make_shared<chat::Room>(io_, chat::RoomInfo{record.id, record.title}, config_, stats_,
                                           observers_ ? observers_(record.id) : nullptr, std::move(bans), mic_link_);
  if (relay_) room->set_relay(relay_);
  if (!record.banned_words.empty()) room->set_banned_words(record.banned_words);
  if (!record.bans.empty()) {
    std::vector<std::string> ids;
    for (const auto& b : record.bans) ids.push_back(b.user_id);
    room->load_bans(std::move(ids));
  }
  if (record.closed_at != 0) room->close();
  return room;
}

RoomView RoomDirectory::view_of(const Entry& e) { return RoomView{e.record, e.room->counters(), e.room->is_live()}; }

void RoomDirectory::load() {
  auto records = store_.load_all();
  std::lock_guard lock(mutex_);
  for (auto& r : records) {
    auto room = make_room(r);
    std::string id = r.id;
    rooms_.emplace(std::move(id), Entry{std::move(r), std::move(room)});
  }
  spdlog::info("loaded {} rooms", rooms_.size());
}

void RoomDirectory::ensure(RoomRecord record) {
  if (record.created_at == 0) record.created_at = unix_now();
  {
    std::lock_guard lock(mutex_);
    if (rooms_.contains(record.id)) return;
  }
  if (!store_.insert(record)) return;
  std::lock_guard lock(mutex_);
  rooms_.emplace(record.id, Entry{record, make_room(record)});
}

void RoomDirectory::create(RoomRecord record, CreateHandler done) {
  record.created_at = unix_now();
  record.closed_at = 0;
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = rooms_.try_emplace(record.id, Entry{record, make_room(record), true});
    if (!inserted) return done(CreateError::exists, std::nullopt);
  }
  asio::post(disk_, [this, record = std::move(record), done = std::move(done)] {
    bool stored = false;
    try {
      stored = store_.insert(record);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store: {}", record.id, e.what());
    }
    std::unique_lock lock(mutex_);
    auto it = rooms_.find(record.id);
    if (!stored) {
      rooms_.erase(it);
      lock.unlock();
      return done(CreateError::storage, std::nullopt);
    }
    it->second.pending = false;
    RoomView v = view_of(it->second);
    lock.unlock();
    spdlog::info("room {} created: {}", record.id, record.title);
    changed(record.id);
    done(CreateError::none, std::move(v));
  });
}

void RoomDirectory::close(const std::string& id, CloseHandler done) {
  std::int64_t closed_at = unix_now();
  {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(id);
    if (it == rooms_.end() || it->second.pending) return done(std::nullopt);
    if (it->second.record.closed_at != 0) return done(view_of(it->second));
    it->second.record.closed_at = closed_at;
    it->second.room->close();
  }
  asio::post(disk_, [this, id, closed_at, done = std::move(done)] {
    try {
      store_.mark_closed(id, closed_at);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store close: {}", id, e.what());
    }
    changed(id);
    done(view(id));
  });
}

void RoomDirectory::rotate_stream_key(const std::string& id, RotateHandler done) {
  // The generation is read, stored and published on the disk thread, so concurrent rotations
  // take consecutive generations and the key in memory is never ahead of the file.
  asio::post(disk_, [this, id, done = std::move(done)] {
    std::int64_t next = 0;
    {
      std::lock_guard lock(mutex_);
      auto it = rooms_.find(id);
      if (it == rooms_.end() || it->second.pending) return done(RotateError::not_found, std::nullopt);
      if (it->second.record.closed_at != 0) return done(RotateError::closed, view_of(it->second));
      next = it->second.record.stream_key_generation + 1;
    }
    try {
      store_.set_stream_key_generation(id, next);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store the stream key rotation: {}", id, e.what());
      return done(RotateError::storage, std::nullopt);
    }
    std::unique_lock lock(mutex_);
    auto it = rooms_.find(id);
    it->second.record.stream_key_generation = next;
    RoomView v = view_of(it->second);
    lock.unlock();
    spdlog::info("room {}: stream key rotated (generation {})", id, next);
    changed(id);
    done(RotateError::none, std::move(v));
  });
}

void RoomDirectory::set_banned_words(const std::string& id, std::vector<std::string> words,
                                     std::function<void(UpdateError, std::optional<RoomView>)> done) {
  asio::post(disk_, [this, id, words = std::move(words), done = std::move(done)]() mutable {
    {
      std::lock_guard lock(mutex_);
      auto it = rooms_.find(id);
      if (it == rooms_.end() || it->second.pending) return done(UpdateError::not_found, std::nullopt);
    }
    try {
      store_.set_banned_words(id, words);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store its banned words: {}", id, e.what());
      return done(UpdateError::storage, std::nullopt);
    }
    std::unique_lock lock(mutex_);
    auto it = rooms_.find(id);
    it->second.record.banned_words = words;
    it->second.room->set_banned_words(std::move(words));
    RoomView v = view_of(it->second);
    lock.unlock();
    changed(id);
    done(UpdateError::none, std::move(v));
  });
}

void RoomDirectory::store_ban(const std::string& room, const chat::Ban& ban, bool banned,
                              const std::function<void(bool)>& done) {
  asio::post(disk_, [this, room, ban, banned, done] {
    try {
      if (banned)
        store_.add_ban(room, ban);
      else
        store_.remove_ban(room, ban.user_id);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store the {} of {}: {}", room, banned ? "ban" : "unban", ban.user_id, e.what());
      return done(false);
    }
    {
      std::lock_guard lock(mutex_);
      if (auto it = rooms_.find(room); it != rooms_.end()) {
        auto& bans = it->second.record.bans;
        auto same = [&](const chat::Ban& b) { return b.user_id == ban.user_id; };
        if (!banned)
          std::erase_if(bans, same);
        else if (std::none_of(bans.begin(), bans.end(), same))
          bans.push_back(ban);
      }
    }
    changed(room);
    done(true);
  });
}

void RoomDirectory::unban(const std::string& id, const std::string& user_id, std::function<void(UpdateError)> done) {
  std::shared_ptr<chat::Room> room;
  {
    std::lock_guard lock(mutex_);
    auto it = rooms_.find(id);
    if (it == rooms_.end() || it->second.pending) return done(UpdateError::not_found);
    const auto& bans = it->second.record.bans;
    if (std::none_of(bans.begin(), bans.end(), [&](const chat::Ban& b) { return b.user_id == user_id; }))
      return done(UpdateError::not_found);
    room = it->second.room;
  }
  room->unban(user_id, [done = std::move(done)](bool stored) { done(stored ? UpdateError::none : UpdateError::storage); });
}

std::shared_ptr<chat::Room> RoomDirectory::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(id);
  if (it == rooms_.end() || it->second.pending) return nullptr;
  return it->second.room;
}

std::optional<RoomView> RoomDirectory::view(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(id);
  if (it == rooms_.end() || it->second.pending) return std::nullopt;
  return view_of(it->second);
}

std::vector<RoomView> RoomDirectory::list() const {
  std::vector<RoomView> out;
  {
    std::lock_guard lock(mutex_);
    out.reserve(rooms_.size());
    for (const auto& [id, e] : rooms_)
      if (!e.pending) out.push_back(view_of(e));
  }
  std::sort(out.begin(), out.end(), [](const RoomView& a, const RoomView& b) {
    return a.record.created_at != b.record.created_at ? a.record.created_at > b.record.created_at
                                                      : a.record.id < b.record.id;
  });
  return out;
}

void RoomDirectory::changed(const std::string& id) {
  if (!on_change_) return;
  std::optional<RoomRecord> record;
  {
    std::lock_guard lock(mutex_);
    if (auto it = rooms_.find(id); it != rooms_.end()) record = it->second.record;
  }
  if (record) on_change_(*record);
}

void RoomDirectory::relay_tick() {
  std::vector<std::shared_ptr<chat::Room>> rooms;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, e] : rooms_)
      if (!e.pending && e.record.closed_at == 0) rooms.push_back(e.room);
  }
  for (auto& r : rooms) r->relay_tick();
}

void RoomDirectory::apply_remote(RoomRecord r) {
  asio::post(disk_, [this, r = std::move(r)]() mutable {
    auto same_user = [](const std::string& user) { return [&user](const chat::Ban& b) { return b.user_id == user; }; };
    std::vector<chat::Ban> added;
    std::vector<std::string> lifted;
    std::shared_ptr<chat::Room> room;
    bool is_new = false, closed = false, rotated = false, words = false;
    {
      std::lock_guard lock(mutex_);
      auto it = rooms_.find(r.id);
      if (it == rooms_.end()) {
        is_new = true;
        added = r.bans;
        rooms_.emplace(r.id, Entry{r, make_room(r)});
      } else if (!it->second.pending) {  // one being created here: ours is stored and shared
        auto& cur = it->second.record;
        room = it->second.room;
        closed = r.closed_at != 0 && cur.closed_at == 0;
        rotated = r.stream_key_generation > cur.stream_key_generation;
        words = r.banned_words != cur.banned_words;
        for (const auto& b : r.bans)
          if (std::none_of(cur.bans.begin(), cur.bans.end(), same_user(b.user_id))) added.push_back(b);
        for (const auto& b : cur.bans)
          if (std::none_of(r.bans.begin(), r.bans.end(), same_user(b.user_id))) lifted.push_back(b.user_id);
        if (closed) cur.closed_at = r.closed_at;
        if (rotated) cur.stream_key_generation = r.stream_key_generation;
        if (words) cur.banned_words = r.banned_words;
        cur.bans = r.bans;
      }
    }
    if (room) {
      if (closed) room->close();
      if (words) room->set_banned_words(r.banned_words);
      if (!added.empty()) {
        std::vector<std::string> ids;
        for (const auto& b : added) ids.push_back(b.user_id);
        room->load_bans(std::move(ids));
      }
      if (!lifted.empty()) room->lift_bans(lifted);
    }
    // This node's file keeps what the cluster holds (for a restart without Redis).
    try {
      if (is_new) {
        if (!store_.insert(r)) spdlog::warn("room {}: another room of this id is in this node's file", r.id);
      }
      if (closed) store_.mark_closed(r.id, r.closed_at);
      if (rotated) store_.set_stream_key_generation(r.id, r.stream_key_generation);
      if (words) store_.set_banned_words(r.id, r.banned_words);
      for (const auto& b : added) store_.add_ban(r.id, b);
      for (const auto& u : lifted) store_.remove_ban(r.id, u);
    } catch (const std::exception& e) {
      spdlog::error("room {}: cannot store the cluster's change: {}", r.id, e.what());
    }
    if (is_new) spdlog::info("room {} created on another node: {}", r.id, r.title);
  });
}

}  // namespace server
