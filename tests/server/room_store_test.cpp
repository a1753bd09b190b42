#include "server/room_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

namespace server {
namespace {

namespace fs = std::filesystem;

// Each test gets its own folder, removed afterwards.
class RoomStoreTest : public testing::Test {
 protected:
  void SetUp() override {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("livecart_room_store_" + std::to_string(getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  [[nodiscard]] std::string db_path() const { return (dir_ / "livecart.db").string(); }

  fs::path dir_;
};

TEST_F(RoomStoreTest, NewFileHasNoRooms) {
  RoomStore store(db_path());
  EXPECT_TRUE(store.load_all().empty());
}

TEST_F(RoomStoreTest, InsertedRoomIsLoadedWithItsFields) {
  RoomStore store(db_path());
  ASSERT_TRUE(store.insert({"soy-sauce", "低钠酱油试吃", 1764040000, 0}));
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].id, "soy-sauce");
  EXPECT_EQ(rooms[0].title, "低钠酱油试吃");
  EXPECT_EQ(rooms[0].created_at, 1764040000);
  EXPECT_EQ(rooms[0].closed_at, 0);
}

TEST_F(RoomStoreTest, DuplicateInsertReturnsFalseAndKeepsTheFirst) {
  RoomStore store(db_path());
  ASSERT_TRUE(store.insert({"soy-sauce", "first", 100, 0}));
  EXPECT_FALSE(store.insert({"soy-sauce", "second", 200, 0}));
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].title, "first");
}

TEST_F(RoomStoreTest, LoadAllReturnsRoomsInCreationOrder) {
  RoomStore store(db_path());
  ASSERT_TRUE(store.insert({"c", "third", 300, 0}));
  ASSERT_TRUE(store.insert({"a", "first", 100, 0}));
  ASSERT_TRUE(store.insert({"b", "second", 200, 0}));
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 3u);
  EXPECT_EQ(rooms[0].id, "a");
  EXPECT_EQ(rooms[1].id, "b");
  EXPECT_EQ(rooms[2].id, "c");
}

TEST_F(RoomStoreTest, TitlesWithQuotesAndNulBytesAreStoredExactly) {
  RoomStore store(db_path());
  std::string title = std::string("it's \"quoted\"; DROP TABLE rooms; --") + '\0' + "tail";
  ASSERT_TRUE(store.insert({"q", title, 1, 0}));
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].title, title);
}

TEST_F(RoomStoreTest, MarkClosedSetsTheCloseTime) {
  RoomStore store(db_path());
  ASSERT_TRUE(store.insert({"a", "t", 100, 0}));
  ASSERT_TRUE(store.insert({"b", "t", 200, 0}));
  store.mark_closed("a", 150);
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].closed_at, 150);
  EXPECT_EQ(rooms[1].closed_at, 0);
}

TEST_F(RoomStoreTest, RoomsAndClosingPersistAcrossReopening) {
  {
    RoomStore store(db_path());
    ASSERT_TRUE(store.insert({"a", "first", 100, 0}));
    ASSERT_TRUE(store.insert({"b", "second", 200, 0}));
    store.mark_closed("a", 150);
  }
  RoomStore reopened(db_path());
  auto rooms = reopened.load_all();
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].id, "a");
  EXPECT_EQ(rooms[0].closed_at, 150);
  EXPECT_EQ(rooms[1].id, "b");
  EXPECT_EQ(rooms[1].closed_at, 0);
}

TEST_F(RoomStoreTest, DuplicateInsertIsRefusedAfterReopening) {
  { ASSERT_TRUE(RoomStore(db_path()).insert({"a", "t", 1, 0})); }
  RoomStore reopened(db_path());
  EXPECT_FALSE(reopened.insert({"a", "t", 2, 0}));
}

TEST_F(RoomStoreTest, MarkClosedOfAnUnknownRoomChangesNothing) {
  RoomStore store(db_path());
  ASSERT_TRUE(store.insert({"a", "t", 1, 0}));
  store.mark_closed("zzz", 5);
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].closed_at, 0);
}

TEST_F(RoomStoreTest, StreamKeyGenerationIsStoredAndReloaded) {
  {
    RoomStore store(db_path());
    ASSERT_TRUE(store.insert({"a", "t", 1, 0, 0}));
    store.set_stream_key_generation("a", 3);
  }
  auto rooms = RoomStore(db_path()).load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].stream_key_generation, 3);
}

TEST_F(RoomStoreTest, FileFromBeforeKeyRotationIsUpgradedInPlace) {
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(db_path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE rooms (id TEXT PRIMARY KEY, title TEXT NOT NULL,"
                           " created_at INTEGER NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0);"
                           "INSERT INTO rooms VALUES ('old', '老直播间', 10, 0);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  RoomStore store(db_path());
  auto rooms = store.load_all();
  ASSERT_EQ(rooms.size(), 1u);
  EXPECT_EQ(rooms[0].title, "老直播间");
  EXPECT_EQ(rooms[0].stream_key_generation, 0) << "old rooms keep their first key";
  EXPECT_TRUE(rooms[0].banned_words.empty()) << "and no banned words of their own";
  store.set_stream_key_generation("old", 1);
  store.set_banned_words("old", {"假货"});
  auto reopened = RoomStore(db_path()).load_all();
  EXPECT_EQ(reopened[0].stream_key_generation, 1);
  EXPECT_EQ(reopened[0].banned_words, std::vector<std::string>{"假货"});
}

TEST_F(RoomStoreTest, BannedWordsAreStoredAndReloadedInOrder) {
  {
    RoomStore store(db_path());
    ASSERT_TRUE(store.insert({"a", "t", 1, 0, 0, {"微信", "加我"}}));
    ASSERT_TRUE(store.insert({"b", "t", 2, 0, 0}));
    store.set_banned_words("b", {"代购", "假货", "VX 号"});
  }
  auto rooms = RoomStore(db_path()).load_all();
  ASSERT_EQ(rooms.size(), 2u);
  EXPECT_EQ(rooms[0].banned_words, (std::vector<std::string>{"微信", "加我"}));
  EXPECT_EQ(rooms[1].banned_words, (std::vector<std::string>{"代购", "假货", "VX 号"}));
}

TEST_F(RoomStoreTest, BansAreStoredPerRoomAndLiftedAndSurviveReopening) {
  {
    RoomStore store(db_path());
    ASSERT_TRUE(store.insert({"a", "t", 1, 0}));
    ASSERT_TRUE(store.insert({"b", "t", 2, 0}));
    store.add_ban("a", {"v_1", "小王", 1000});
    store.add_ban("a", {"v_2", "", 2000});
    store.add_ban("a", {"v_1", "later nick", 3000});  // banned already: the first ban stays
    store.add_ban("b", {"v_1", "小王", 1500});
    store.remove_ban("a", "v_2");
    store.remove_ban("a", "v_9");  // not banned: nothing to do
  }
  auto rooms = RoomStore(db_path()).load_all();
  ASSERT_EQ(rooms.size(), 2u);
  ASSERT_EQ(rooms[0].bans.size(), 1u);
  EXPECT_EQ(rooms[0].bans[0].user_id, "v_1");
  EXPECT_EQ(rooms[0].bans[0].nick, "小王");
  EXPECT_EQ(rooms[0].bans[0].at_ms, 1000);
  ASSERT_EQ(rooms[1].bans.size(), 1u);
  EXPECT_EQ(rooms[1].bans[0].at_ms, 1500);
}

TEST_F(RoomStoreTest, OpeningAnUnreachablePathThrows) {
  EXPECT_THROW(RoomStore((dir_ / "missing" / "sub" / "livecart.db").string()), std::runtime_error);
}

}  // namespace
}  // namespace server
