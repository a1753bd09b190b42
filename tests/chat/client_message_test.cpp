#include "chat/client_message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "chat/utf8.hpp"

namespace chat {
namespace {

const ChatConfig& default_config() {
  static const ChatConfig config;  // max_likes_per_frame 100
  return config;
}

// The message of type T parsed from `json`; fails the test when it is not one.
template <class T>
T parse_as(std::string_view json) {
  auto result = parse_client_message(json, default_config());
  if (auto* e = std::get_if<ParseError>(&result)) {
    ADD_FAILURE() << "expected a message, got " << e->code << ": " << e->message << " for " << json;
    return T{};
  }
  auto& message = std::get<ClientMessage>(result);
  if (!std::holds_alternative<T>(message)) {
    ADD_FAILURE() << "parsed as another message type (index " << message.index() << ") for "
                  << json;
    return T{};
  }
  return std::get<T>(message);
}

ParseError parse_error(std::string_view json) {
  auto result = parse_client_message(json, default_config());
  if (auto* e = std::get_if<ParseError>(&result)) return *e;
  ADD_FAILURE() << "expected an error for " << json;
  return {};
}

TEST(ParseClientMessage, ParsesChatWithRef) {
  auto m = parse_as<ChatMsg>(R"({"type":"chat","text":"还有货吗？","ref":"c3"})");
  EXPECT_EQ(m.text, "还有货吗？");
  EXPECT_EQ(m.ref, "c3");
}

TEST(ParseClientMessage, ParsesChatWithoutRef) {
  auto m = parse_as<ChatMsg>(R"({"type":"chat","text":"hi"})");
  EXPECT_EQ(m.text, "hi");
  EXPECT_EQ(m.ref, "");
}

TEST(ParseClientMessage, ParsesLikeWithCount) {
  EXPECT_EQ(parse_as<LikeMsg>(R"({"type":"like","count":5})").count, 5u);
}

TEST(ParseClientMessage, LikeCountDefaultsToOne) {
  EXPECT_EQ(parse_as<LikeMsg>(R"({"type":"like"})").count, 1u);
}

TEST(ParseClientMessage, LikeCountMayBeTheConfiguredMaximum) {
  EXPECT_EQ(parse_as<LikeMsg>(R"({"type":"like","count":100})").count, 100u);
}

TEST(ParseClientMessage, ParsesMuteWithSeconds) {
  auto m = parse_as<MuteMsg>(R"({"type":"mute","user":"v_x3K9aQ2m","seconds":600})");
  EXPECT_EQ(m.user_id, "v_x3K9aQ2m");
  EXPECT_EQ(m.seconds, 600u);
}

TEST(ParseClientMessage, MuteWithoutSecondsIsIndefinite) {
  EXPECT_EQ(parse_as<MuteMsg>(R"({"type":"mute","user":"v_1"})").seconds, 0u);
}

TEST(ParseClientMessage, ParsesUnmute) {
  EXPECT_EQ(parse_as<UnmuteMsg>(R"({"type":"unmute","user":"v_1"})").user_id, "v_1");
}

TEST(ParseClientMessage, ParsesBan) {
  EXPECT_EQ(parse_as<BanMsg>(R"({"type":"ban","user":"v_1"})").user_id, "v_1");
  EXPECT_EQ(parse_as<UnbanMsg>(R"({"type":"unban","user":"v_1"})").user_id, "v_1");
}

TEST(ParseClientMessage, ParsesDelete) {
  EXPECT_EQ(parse_as<DeleteMsg>(R"({"type":"delete","id":17})").message_id, 17u);
}

TEST(ParseClientMessage, ParsesSlowMode) {
  EXPECT_EQ(parse_as<SlowModeMsg>(R"({"type":"slow_mode","seconds":10})").seconds, 10u);
}

TEST(ParseClientMessage, SlowModeZeroTurnsItOff) {
  EXPECT_EQ(parse_as<SlowModeMsg>(R"({"type":"slow_mode","seconds":0})").seconds, 0u);
}

TEST(ParseClientMessage, IgnoresUnknownFields) {
  EXPECT_EQ(
      parse_as<ChatMsg>(R"({"extra":[1,{"a":null}],"type":"chat","text":"hi","x":true})").text,
      "hi");
}

TEST(ParseClientMessage, DecodesUnicodeEscapes) {
  EXPECT_EQ(parse_as<ChatMsg>(R"({"type":"chat","text":"\u4f60\u597d"})").text, "你好");
}

TEST(ParseClientMessage, DecodesSurrogatePairEscapes) {
  EXPECT_EQ(parse_as<ChatMsg>(R"({"type":"chat","text":"\ud83d\ude00"})").text, "\xF0\x9F\x98\x80");
}

TEST(ParseClientMessage, KeepsEscapedQuotesAndNewlines) {
  EXPECT_EQ(parse_as<ChatMsg>(R"({"type":"chat","text":"a \"q\" \\ b\nc"})").text,
            "a \"q\" \\ b\nc");
}

TEST(ParseClientMessage, AcceptsAOneMebibyteText) {
  std::string text(1 << 20, 'a');
  auto m = parse_as<ChatMsg>(R"({"type":"chat","text":")" + text + R"("})");
  EXPECT_EQ(m.text.size(), text.size());
}

struct BadInput {
  const char* name;
  std::string json;
  std::string code;
  std::string message_part;  // a part of the message that names the problem; may be empty
};
void PrintTo(const BadInput& c, std::ostream* os) {
  *os << testing::PrintToString(c.json.size() > 80 ? c.json.substr(0, 80) + "..." : c.json);
}

class ParseClientMessageBadInput : public testing::TestWithParam<BadInput> {};

TEST_P(ParseClientMessageBadInput, IsRefusedWithItsCode) {
  const auto& c = GetParam();
  ParseError e = parse_error(c.json);
  EXPECT_EQ(e.code, c.code);
  EXPECT_NE(e.message.find(c.message_part), std::string::npos) << e.message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseClientMessageBadInput,
    testing::Values(
        BadInput{"empty", "", "bad_json", ""},
        BadInput{"malformed", R"({"type":"chat",)", "bad_json", ""},
        BadInput{"unquoted_key", R"({type:"chat"})", "bad_json", ""},
        BadInput{"trailing_garbage", R"({"type":"chat","text":"a"} x)", "bad_json", ""},
        BadInput{"array", R"([{"type":"chat","text":"a"}])", "bad_json", "object"},
        BadInput{"string", R"("chat")", "bad_json", "object"},
        BadInput{"number", "42", "bad_json", "object"},
        BadInput{"null", "null", "bad_json", "object"},
        BadInput{"invalid_utf8", "{\"type\":\"chat\",\"text\":\"\xC0\xAF\"}", "bad_json", ""},
        BadInput{"lone_high_surrogate", R"({"type":"chat","text":"\ud800"})", "bad_json", ""},
        BadInput{"lone_low_surrogate", R"({"type":"chat","text":"\udc00"})", "bad_json", ""},
        BadInput{"missing_type", R"({"text":"hi"})", "bad_field", "'type' is required"},
        BadInput{"type_number", R"({"type":1})", "bad_field", "'type' must be a string"},
        BadInput{"type_null", R"({"type":null})", "bad_field", "'type' must be a string"},
        BadInput{"unknown_type", R"({"type":"dance"})", "unknown_type", "'dance'"},
        BadInput{"type_case_matters", R"({"type":"Chat","text":"a"})", "unknown_type", "'Chat'"},
        BadInput{"chat_missing_text", R"({"type":"chat"})", "bad_field", "'text' is required"},
        BadInput{"chat_text_number", R"({"type":"chat","text":123})", "bad_field",
                 "'text' must be a string"},
        BadInput{"chat_text_null", R"({"type":"chat","text":null})", "bad_field", "'text'"},
        BadInput{"chat_ref_number", R"({"type":"chat","text":"a","ref":7})", "bad_field", "'ref'"},
        BadInput{"chat_ref_too_long",
                 R"({"type":"chat","text":"a","ref":")" + std::string(65, 'r') + R"("})",
                 "bad_field", "'ref' is too long"},
        BadInput{"like_count_string", R"({"type":"like","count":"5"})", "bad_field",
                 "'count' must be an integer"},
        BadInput{"like_count_fraction", R"({"type":"like","count":1.5})", "bad_field",
                 "'count' must be an integer"},
        BadInput{"like_count_bool", R"({"type":"like","count":true})", "bad_field",
                 "'count' must be an integer"},
        BadInput{"like_count_negative", R"({"type":"like","count":-1})", "bad_field",
                 "'count' must be between 1 and 100"},
        BadInput{"like_count_zero", R"({"type":"like","count":0})", "bad_field",
                 "'count' must be between 1 and 100"},
        BadInput{"like_count_over_max", R"({"type":"like","count":101})", "bad_field",
                 "'count' must be between 1 and 100"},
        BadInput{"like_count_huge", R"({"type":"like","count":18446744073709551615})", "bad_field",
                 "'count'"},
        BadInput{"like_count_overflow", R"({"type":"like","count":99999999999999999999999})",
                 "bad_json", ""},
        BadInput{"mute_missing_user", R"({"type":"mute","seconds":5})", "bad_field",
                 "'user' is required"},
        BadInput{"mute_user_number", R"({"type":"mute","user":5})", "bad_field",
                 "'user' must be a string"},
        BadInput{"mute_user_too_long",
                 R"({"type":"mute","user":")" + std::string(65, 'u') + R"("})", "bad_field",
                 "'user' is too long"},
        BadInput{"mute_seconds_negative", R"({"type":"mute","user":"v_1","seconds":-3})",
                 "bad_field", "'seconds'"},
        BadInput{"mute_seconds_over_30_days", R"({"type":"mute","user":"v_1","seconds":2592001})",
                 "bad_field", "'seconds' must be between 0 and 2592000"},
        BadInput{"unmute_missing_user", R"({"type":"unmute"})", "bad_field", "'user' is required"},
        BadInput{"ban_missing_user", R"({"type":"ban"})", "bad_field", "'user' is required"},
        BadInput{"unban_missing_user", R"({"type":"unban"})", "bad_field", "'user' is required"},
        BadInput{"ban_user_array", R"({"type":"ban","user":["v_1"]})", "bad_field",
                 "'user' must be a string"},
        BadInput{"delete_missing_id", R"({"type":"delete"})", "bad_field", "'id' is required"},
        BadInput{"delete_id_zero", R"({"type":"delete","id":0})", "bad_field",
                 "'id' must be between 1"},
        BadInput{"delete_id_string", R"({"type":"delete","id":"17"})", "bad_field",
                 "'id' must be an integer"},
        BadInput{"slow_mode_missing_seconds", R"({"type":"slow_mode"})", "bad_field",
                 "'seconds' is required"},
        BadInput{"slow_mode_negative", R"({"type":"slow_mode","seconds":-3})", "bad_field",
                 "'seconds' must be between 0 and 3600"},
        BadInput{"slow_mode_over_an_hour", R"({"type":"slow_mode","seconds":3601})", "bad_field",
                 "'seconds' must be between 0 and 3600"}),
    [](const testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

TEST(ParseClientMessage, EchoesRefInFieldErrors) {
  EXPECT_EQ(parse_error(R"({"type":"like","count":0,"ref":"c9"})").ref, "c9");
}

TEST(ParseClientMessage, EchoesRefInUnknownTypeErrors) {
  EXPECT_EQ(parse_error(R"({"type":"dance","ref":"c9"})").ref, "c9");
}

TEST(ParseClientMessage, EchoesRefWhenTypeIsMissing) {
  EXPECT_EQ(parse_error(R"({"ref":"c9"})").ref, "c9");
}

TEST(ParseClientMessage, EchoesARefOfSixtyFourBytes) {
  std::string ref(64, 'r');
  EXPECT_EQ(parse_error(R"({"type":"dance","ref":")" + ref + R"("})").ref, ref);
}

TEST(ParseClientMessage, DoesNotEchoARefLongerThanSixtyFourBytes) {
  std::string ref(65, 'r');
  EXPECT_EQ(parse_error(R"({"type":"dance","ref":")" + ref + R"("})").ref, "");
}

TEST(ParseClientMessage, DoesNotEchoARefThatIsNotAString) {
  EXPECT_EQ(parse_error(R"({"type":"dance","ref":{"a":1}})").ref, "");
}

TEST(ParseClientMessage, TruncatesALongUnknownTypeNameInTheMessage) {
  std::string type(1000, 'x');
  ParseError e = parse_error(R"({"type":")" + type + R"("})");
  EXPECT_EQ(e.code, "unknown_type");
  EXPECT_NE(e.message.find(std::string(32, 'x')), std::string::npos);
  EXPECT_EQ(e.message.find(std::string(33, 'x')), std::string::npos);
}

TEST(ParseClientMessage, UnknownTypeNameCutInsideACharacterStaysValidUtf8) {
  std::string type;
  for (int i = 0; i < 20; ++i) type += "跳";  // 60 bytes: byte 32 falls inside a character
  ParseError e = parse_error(R"({"type":")" + type + R"("})");
  EXPECT_EQ(e.code, "unknown_type");
  EXPECT_TRUE(is_valid_utf8(e.message)) << e.message;
  EXPECT_NE(e.message.find("跳跳跳跳跳跳跳跳跳跳"), std::string::npos) << "cut at the character before byte 32";
}

TEST(ParseClientMessage, UnknownTypeOfAMebibyteIsRefusedWithAShortMessage) {
  std::string type(1 << 20, 't');
  ParseError e = parse_error(R"({"type":")" + type + R"("})");
  EXPECT_EQ(e.code, "unknown_type");
  EXPECT_LT(e.message.size(), 100u);
}

TEST(ParseClientMessage, DeeplyNestedArraysAreRefusedWithoutCrashing) {
  EXPECT_EQ(parse_error(std::string(10000, '[')).code, "bad_json");
}

TEST(ParseClientMessage, DeeplyNestedBalancedValueIsRefusedWithoutCrashing) {
  std::string json =
      R"({"type":"chat","text":"a","x":)" + std::string(10000, '[') + std::string(10000, ']') + "}";
  EXPECT_EQ(parse_error(json).code, "bad_json");
}

TEST(ParseClientMessage, LikeLimitFollowsTheConfig) {
  ChatConfig config;
  config.max_likes_per_frame = 10;
  auto result = parse_client_message(R"({"type":"like","count":11})", config);
  ASSERT_TRUE(std::holds_alternative<ParseError>(result));
  EXPECT_EQ(std::get<ParseError>(result).code, "bad_field");
}

}  // namespace
}  // namespace chat

namespace chat {
namespace {

TEST(ClientMessageMicLink, ViewerMessagesTakeNoFields) {
  parse_as<MicRequestMsg>(R"({"type":"mic_request"})");
  parse_as<MicCancelMsg>(R"({"type":"mic_cancel","ref":"m1"})");
  parse_as<MicLeaveMsg>(R"({"type":"mic_leave"})");
}

TEST(ClientMessageMicLink, AcceptAndDeclineNameAUser) {
  EXPECT_EQ(parse_as<MicAcceptMsg>(R"({"type":"mic_accept","user":"v_a"})").user_id, "v_a");
  EXPECT_EQ(parse_as<MicDeclineMsg>(R"({"type":"mic_decline","user":"v_b"})").user_id, "v_b");
}

TEST(ClientMessageMicLink, EndNamesASlotOrAUser) {
  auto by_slot = parse_as<MicEndMsg>(R"({"type":"mic_end","slot":2})");
  EXPECT_EQ(by_slot.slot, 2);
  EXPECT_TRUE(by_slot.user_id.empty());
  auto by_user = parse_as<MicEndMsg>(R"({"type":"mic_end","user":"v_a"})");
  EXPECT_EQ(by_user.slot, 0);
  EXPECT_EQ(by_user.user_id, "v_a");
}

TEST(ClientMessageMicLink, BadFieldsAreRefusedWithTheFieldNamed) {
  for (const char* json : {R"({"type":"mic_accept"})", R"({"type":"mic_accept","user":7})",
                           R"({"type":"mic_decline","user":null})", R"({"type":"mic_end"})",
                           R"({"type":"mic_end","slot":0})", R"({"type":"mic_end","slot":4})",
                           R"({"type":"mic_end","slot":"1"})", R"({"type":"mic_end","slot":1,"user":"v_a"})",
                           R"({"type":"mic_end","slot":1.5})"}) {
    auto e = parse_error(json);
    EXPECT_EQ(e.code, "bad_field") << json;
    EXPECT_FALSE(e.message.empty()) << json;
  }
}

}  // namespace
}  // namespace chat
