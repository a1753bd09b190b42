#include "server/access.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace server {
namespace {

using chat::Role;

const std::string kAdminToken = "admin-token-for-tests";

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AccessTest : public testing::Test {
 protected:
  TokenSigner signer_{"0123456789abcdef-access-test"};
  Access access_{signer_, kAdminToken};
};

struct BearerCase {
  std::string header;
  std::string token;
};
void PrintTo(const BearerCase& c, std::ostream* os) { *os << '"' << c.header << '"'; }

class AccessBearer : public testing::TestWithParam<BearerCase> {};

TEST_P(AccessBearer, ExtractsTheToken) {
  EXPECT_EQ(Access::bearer(GetParam().header), GetParam().token);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AccessBearer,
    testing::Values(BearerCase{"Bearer abc.def", "abc.def"}, BearerCase{"bearer abc", "abc"},
                    BearerCase{"BEARER abc", "abc"}, BearerCase{"bEaReR abc", "abc"},
                    BearerCase{"Bearer   abc  ", "abc"}, BearerCase{"Basic dXNlcjpwYXNz", ""},
                    BearerCase{"Token abc", ""}, BearerCase{"Bearerabc", ""},
                    BearerCase{"Bearer", ""}, BearerCase{"Bearer ", ""},
                    BearerCase{"Bearer    ", ""}, BearerCase{"", ""}, BearerCase{"abc", ""}));

TEST_F(AccessTest, AdminTokenAuthenticatesAsAdmin) {
  auto who = access_.authenticate(kAdminToken);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, Role::admin);
  EXPECT_TRUE(who->room.empty());
}

TEST_F(AccessTest, HostKeyAuthenticatesAsHostOfItsRoom) {
  auto who = access_.authenticate(access_.host_key("room-a"));
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, Role::host);
  EXPECT_EQ(who->room, "room-a");
}

TEST_F(AccessTest, OperatorKeyAuthenticatesAsOperatorOfItsRoom) {
  auto who = access_.authenticate(access_.operator_key("room-a"));
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, Role::operator_);
  EXPECT_EQ(who->room, "room-a");
}

TEST_F(AccessTest, RoomKeysAreStableForTheSameSecret) {
  TokenSigner same_secret{"0123456789abcdef-access-test"};
  Access again{same_secret, kAdminToken};
  EXPECT_EQ(access_.host_key("room-a"), again.host_key("room-a"));
  EXPECT_EQ(access_.operator_key("room-a"), again.operator_key("room-a"));
}

TEST_F(AccessTest, RoomKeysDifferBetweenRoomsAndRoles) {
  EXPECT_NE(access_.host_key("room-a"), access_.host_key("room-b"));
  EXPECT_NE(access_.host_key("room-a"), access_.operator_key("room-a"));
}

TEST_F(AccessTest, ViewerTokenAuthenticatesAsThatViewer) {
  auto token = signer_.sign({"room-a", Role::viewer, "v_1", "小王", unix_now() + 3600});
  auto who = access_.authenticate(token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->role, Role::viewer);
  EXPECT_EQ(who->room, "room-a");
  EXPECT_EQ(who->user_id, "v_1");
  EXPECT_EQ(who->nick, "小王");
}

TEST_F(AccessTest, ExpiredViewerTokenIsRefused) {
  auto token = signer_.sign({"room-a", Role::viewer, "v_1", "小王", unix_now() - 1});
  EXPECT_FALSE(access_.authenticate(token).has_value());
}

TEST_F(AccessTest, KeyOfAnotherSecretIsRefused) {
  TokenSigner other{"another-secret-of-enough-bytes"};
  Access elsewhere{other, "another-admin"};
  EXPECT_FALSE(access_.authenticate(elsewhere.host_key("room-a")).has_value());
}

TEST_F(AccessTest, EmptyAndGarbageTokensAreRefused) {
  for (const std::string& token :
       {std::string(""), std::string("x"), std::string("admin-token-for-test"), kAdminToken + "x",
        std::string("a.b")})
    EXPECT_FALSE(access_.authenticate(token).has_value()) << token;
}

TEST_F(AccessTest, EmptyAdminTokenMatchesNothing) {
  Access no_admin{signer_, ""};
  EXPECT_FALSE(no_admin.authenticate("").has_value());
  EXPECT_FALSE(no_admin.authenticate(" ").has_value());
}

Principal principal(Role role, std::string room) {
  return Principal{role, std::move(room), "u", "n"};
}

TEST(AccessAllows, HostOfARoomMayActOnIt) {
  EXPECT_TRUE(Access::allows(principal(Role::host, "a"), "a", {Role::host}));
}

TEST(AccessAllows, HostOfARoomMayNotActOnAnother) {
  EXPECT_FALSE(Access::allows(principal(Role::host, "a"), "b", {Role::host}));
}

TEST(AccessAllows, ViewerMayNotActAsHostOrOperator) {
  EXPECT_FALSE(Access::allows(principal(Role::viewer, "a"), "a", {Role::host, Role::operator_}));
}

TEST(AccessAllows, OperatorMayDoWhatAllowsOperators) {
  EXPECT_TRUE(Access::allows(principal(Role::operator_, "a"), "a", {Role::host, Role::operator_}));
  EXPECT_FALSE(Access::allows(principal(Role::operator_, "a"), "a", {Role::host}));
}

TEST(AccessAllows, AdminMayActEverywhere) {
  EXPECT_TRUE(Access::allows(principal(Role::admin, ""), "a", {Role::host}));
  EXPECT_TRUE(Access::allows(principal(Role::admin, ""), "b", {}));
}

TEST(AccessAllows, NoRolesAllowsOnlyTheAdmin) {
  EXPECT_FALSE(Access::allows(principal(Role::host, "a"), "a", {}));
}

}  // namespace
}  // namespace server

namespace server {
namespace {

TEST_F(AccessTest, AGuestTokenIsAViewerOfItsRoomWithItsSlot) {
  auto who = access_.authenticate(access_.guest_token("soy", "v_a", "小王", 2));
  ASSERT_TRUE(who);
  EXPECT_EQ(who->role, Role::viewer);
  EXPECT_EQ(who->room, "soy");
  EXPECT_EQ(who->user_id, "v_a");
  EXPECT_EQ(who->nick, "小王");
  EXPECT_EQ(who->slot, 2);
}

TEST_F(AccessTest, AGuestTokenExpiresInFifteenMinutes) {
  auto claims = signer_.verify(access_.guest_token("soy", "v_a", "小王", 1), unix_now());
  ASSERT_TRUE(claims);
  EXPECT_NEAR(static_cast<double>(claims->expires_at), static_cast<double>(unix_now() + 15 * 60), 5.0);
  EXPECT_FALSE(signer_.verify(access_.guest_token("soy", "v_a", "小王", 1), unix_now() + 15 * 60 + 1));
}

TEST_F(AccessTest, AGuestTokenNeverGrantsStaffRights) {
  auto who = access_.authenticate(access_.guest_token("soy", "v_a", "小王", 1));
  ASSERT_TRUE(who);
  EXPECT_FALSE(Access::allows(*who, "soy", {Role::host}));
  EXPECT_FALSE(Access::allows(*who, "soy", {Role::host, Role::operator_}));
  EXPECT_TRUE(Access::allows(*who, "soy", {Role::viewer}));
  EXPECT_FALSE(Access::allows(*who, "other", {Role::viewer}));
}

TEST_F(AccessTest, ASlotBesideAStaffRoleIsRefused) {
  // Signed with our secret, but Access::guest_token never makes one: not a credential.
  EXPECT_FALSE(access_.authenticate(signer_.sign({"soy", Role::host, "h_soy", "主播", 0, 1})));
}

TEST_F(AccessTest, OtherCredentialsHaveNoSlot) {
  EXPECT_EQ(access_.authenticate(access_.host_key("soy"))->slot, 0);
  EXPECT_EQ(access_.authenticate(kAdminToken)->slot, 0);
  EXPECT_EQ(access_.authenticate(signer_.sign({"soy", Role::viewer, "v_a", "小王", 0}))->slot, 0);
}

}  // namespace
}  // namespace server
