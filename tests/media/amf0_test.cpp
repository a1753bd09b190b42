#include "media/amf0.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <limits>
#include <ostream>

namespace media::amf0 {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Bytes from a string literal with embedded "\x.." escapes; the length comes from the array,
// so NULs count.
template <std::size_t N>
Bytes bytes_of(const char (&s)[N]) {
  return Bytes(s, s + N - 1);
}

Bytes encoded(const Value& v) {
  Bytes out;
  encode(v, out);
  return out;
}

std::optional<Value> decode_bytes(const Bytes& bytes, DecodeError* error = nullptr) {
  std::span<const std::uint8_t> in(bytes);
  return decode(in, error);
}

Value round_trip(const Value& v) {
  Bytes bytes = encoded(v);
  std::span<const std::uint8_t> in(bytes);
  auto back = decode(in);
  EXPECT_TRUE(in.empty()) << "decode left " << in.size() << " bytes";
  return back.value_or(Value::string("<decode failed>"));
}

std::uint64_t bits_after_round_trip(double d) {
  auto back = round_trip(Value::number(d)).as_number();
  EXPECT_TRUE(back.has_value());
  return std::bit_cast<std::uint64_t>(back.value_or(0.0));
}

// `count` containers, each holding the next; the innermost is empty.
Bytes nested_objects(int count) {
  Bytes b;
  for (int i = 0; i < count; ++i) b.insert(b.end(), {0x03, 0x00, 0x01, 'k'});
  b.insert(b.end(), {0x05});  // the innermost value of the last key
  for (int i = 0; i < count; ++i) b.insert(b.end(), {0x00, 0x00, 0x09});
  return b;
}

Bytes nested_strict_arrays(int count) {
  Bytes b;
  for (int i = 0; i < count - 1; ++i) b.insert(b.end(), {0x0A, 0, 0, 0, 1});
  b.insert(b.end(), {0x0A, 0, 0, 0, 0});
  return b;
}

Bytes object_with_properties(std::size_t count) {
  Bytes b{0x03};
  for (std::size_t i = 0; i < count; ++i) b.insert(b.end(), {0x00, 0x01, 'k', 0x05});
  b.insert(b.end(), {0x00, 0x00, 0x09});
  return b;
}

// clang-format off: one line per property, as the spec lays them out.
// ffmpeg's librtmp-style connect, written by hand from the AMF0 spec: "connect", transaction
// id 1, then the command object.
const Bytes kConnect = bytes_of(
    "\x02\x00\x07"
    "connect"
    "\x00\x3F\xF0\x00\x00\x00\x00\x00\x00"
    "\x03"
    "\x00\x03"
    "app"
    "\x02\x00\x04"
    "live"
    "\x00\x04"
    "type"
    "\x02\x00\x0A"
    "nonprivate"
    "\x00\x08"
    "flashVer"
    "\x02\x00\x1F"
    "FMLE/3.0 (compatible; FMSc/1.0)"
    "\x00\x05"
    "tcUrl"
    "\x02\x00\x1A"
    "rtmp://127.0.0.1:1935/live"
    "\x00\x00\x09");

// publish: "publish", transaction id 5, null command object, stream name with its key, type.
const Bytes kPublish = bytes_of(
    "\x02\x00\x07"
    "publish"
    "\x00\x40\x14\x00\x00\x00\x00\x00\x00"
    "\x05"
    "\x02\x00\x0D"
    "room1?key=abc"
    "\x02\x00\x04"
    "live");

// ffmpeg's data message: @setDataFrame, onMetaData, and an ECMA array whose count hint (5)
// matches; 1280x720, H.264 (7), AAC (10).
const Bytes kSetDataFrame = bytes_of(
    "\x02\x00\x0D"
    "@setDataFrame"
    "\x02\x00\x0A"
    "onMetaData"
    "\x08\x00\x00\x00\x05"
    "\x00\x05"
    "width"
    "\x00\x40\x94\x00\x00\x00\x00\x00\x00"
    "\x00\x06"
    "height"
    "\x00\x40\x86\x80\x00\x00\x00\x00\x00"
    "\x00\x0C"
    "videocodecid"
    "\x00\x40\x1C\x00\x00\x00\x00\x00\x00"
    "\x00\x0C"
    "audiocodecid"
    "\x00\x40\x24\x00\x00\x00\x00\x00\x00"
    "\x00\x07"
    "encoder"
    "\x02\x00\x0D"
    "Lavf59.27.100"
    "\x00\x00\x09");
// clang-format on

// ---- Round trips ---------------------------------------------------------------------------

TEST(Amf0RoundTrip, Number) { EXPECT_EQ(round_trip(Value::number(1935.5)), Value::number(1935.5)); }

TEST(Amf0RoundTrip, Booleans) {
  EXPECT_EQ(round_trip(Value::boolean(true)), Value::boolean(true));
  EXPECT_EQ(round_trip(Value::boolean(false)), Value::boolean(false));
}

TEST(Amf0RoundTrip, String) {
  EXPECT_EQ(round_trip(Value::string("NetStream.Publish.Start")),
            Value::string("NetStream.Publish.Start"));
}

TEST(Amf0RoundTrip, EmptyString) { EXPECT_EQ(round_trip(Value::string("")), Value::string("")); }

TEST(Amf0RoundTrip, StringWithNulAndNonAsciiBytes) {
  Value v = Value::string(std::string("a\0\xE4\xBD\xA0", 5));
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, LongString) {
  Value v = Value::string(std::string(70000, 'x'));
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, Null) { EXPECT_TRUE(round_trip(Value::null()).is_null()); }

TEST(Amf0RoundTrip, Undefined) { EXPECT_TRUE(round_trip(Value::undefined()).is_undefined()); }

TEST(Amf0RoundTrip, ObjectKeepsPropertyOrder) {
  Value v =
      Value::object({{"z", Value::number(1)}, {"a", Value::string("x")}, {"m", Value::null()}});
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, EmptyObject) { EXPECT_EQ(round_trip(Value::object({})), Value::object({})); }

TEST(Amf0RoundTrip, EcmaArrayKeepsPropertyOrder) {
  Value v = Value::ecma_array({{"width", Value::number(1280)}, {"encoder", Value::string("obs")}});
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, StrictArrayOfMixedItems) {
  Value v = Value::strict_array({Value::number(1), Value::string("two"), Value::null(),
                                 Value::strict_array({Value::boolean(true)})});
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, DateWithTimezone) {
  Value v = Value::date(1700000000123.0, -60);
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, TypedObject) {
  Value v = Value::typed_object("flex.messaging.io.ArrayCollection", {{"n", Value::number(3)}});
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, NestedContainers) {
  Value v = Value::object(
      {{"info", Value::ecma_array({{"list", Value::strict_array({Value::object({})})}})}});
  EXPECT_EQ(round_trip(v), v);
}

TEST(Amf0RoundTrip, NegativeZeroIsBitExact) {
  EXPECT_EQ(bits_after_round_trip(-0.0), 0x8000000000000000u);
}

TEST(Amf0RoundTrip, InfinitiesAreBitExact) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(bits_after_round_trip(inf), 0x7FF0000000000000u);
  EXPECT_EQ(bits_after_round_trip(-inf), 0xFFF0000000000000u);
}

TEST(Amf0RoundTrip, NanKeepsItsSignAndPayload) {
  for (std::uint64_t bits : {0x7FF8000000000000u, 0xFFF8000000000001u, 0x7FFDEADBEEF00000u})
    EXPECT_EQ(bits_after_round_trip(std::bit_cast<double>(bits)), bits);
}

// ---- Encoding --------------------------------------------------------------------------------

TEST(Amf0Encode, NumberIsBigEndianDouble) {
  EXPECT_EQ(encoded(Value::number(1.0)), bytes_of("\x00\x3F\xF0\x00\x00\x00\x00\x00\x00"));
}

TEST(Amf0Encode, StringOf65535BytesStaysShort) {
  Bytes b = encoded(Value::string(std::string(65535, 'x')));
  ASSERT_EQ(b.size(), 3u + 65535u);
  EXPECT_EQ(b[0], 0x02);
  EXPECT_EQ(b[1], 0xFF);
  EXPECT_EQ(b[2], 0xFF);
}

TEST(Amf0Encode, StringOver65535BytesIsALongString) {
  Bytes b = encoded(Value::string(std::string(65536, 'x')));
  ASSERT_EQ(b.size(), 5u + 65536u);
  EXPECT_EQ(Bytes(b.begin(), b.begin() + 5), bytes_of("\x0C\x00\x01\x00\x00"));
}

TEST(Amf0Encode, EcmaArrayWritesTheRealCountAndAnEndMarker) {
  EXPECT_EQ(encoded(Value::ecma_array({{"a", Value::null()}, {"b", Value::null()}})),
            (Bytes{0x08, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 'a', 0x05, 0x00, 0x01, 'b', 0x05, 0x00,
                   0x00, 0x09}));
}

TEST(Amf0Encode, AppendsToTheOutput) {
  Bytes out{0xAA};
  encode(Value::null(), out);
  EXPECT_EQ(out, (Bytes{0xAA, 0x05}));
}

TEST(Amf0Encode, ConnectCommandMatchesTheCapturedBytes) {
  Bytes b =
      encode_all({Value::string("connect"), Value::number(1),
                  Value::object({{"app", Value::string("live")},
                                 {"type", Value::string("nonprivate")},
                                 {"flashVer", Value::string("FMLE/3.0 (compatible; FMSc/1.0)")},
                                 {"tcUrl", Value::string("rtmp://127.0.0.1:1935/live")}})});
  EXPECT_EQ(b, kConnect);
}

TEST(Amf0Encode, VectorOverloadMatchesInitializerList) {
  std::vector<Value> values{Value::string("publish"), Value::number(5), Value::null(),
                            Value::string("room1?key=abc"), Value::string("live")};
  EXPECT_EQ(encode_all(values), kPublish);
}

TEST(Amf0Encode, KeyOver65535BytesIsAProgrammerError) {
  Bytes out;
  EXPECT_THROW(encode(Value::object({{std::string(65536, 'k'), Value::null()}}), out),
               std::length_error);
}

// ---- Decoding captured messages ----------------------------------------------------------------

TEST(Amf0Decode, FfmpegConnectCommand) {
  auto values = decode_all(kConnect);
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 3u);
  ASSERT_NE((*values)[0].as_string(), nullptr);
  EXPECT_EQ(*(*values)[0].as_string(), "connect");
  EXPECT_EQ((*values)[1].as_number(), 1.0);
  const Value& cmd = (*values)[2];
  ASSERT_NE(cmd.as_object(), nullptr);
  EXPECT_EQ(cmd.properties()->size(), 4u);
  ASSERT_NE(cmd.find_string("app"), nullptr);
  EXPECT_EQ(*cmd.find_string("app"), "live");
  ASSERT_NE(cmd.find_string("type"), nullptr);
  EXPECT_EQ(*cmd.find_string("type"), "nonprivate");
  ASSERT_NE(cmd.find_string("flashVer"), nullptr);
  EXPECT_EQ(*cmd.find_string("flashVer"), "FMLE/3.0 (compatible; FMSc/1.0)");
  ASSERT_NE(cmd.find_string("tcUrl"), nullptr);
  EXPECT_EQ(*cmd.find_string("tcUrl"), "rtmp://127.0.0.1:1935/live");
}

TEST(Amf0Decode, PublishCommand) {
  auto values = decode_all(kPublish);
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 5u);
  EXPECT_EQ((*values)[0], Value::string("publish"));
  EXPECT_EQ((*values)[1].as_number(), 5.0);
  EXPECT_TRUE((*values)[2].is_null());
  EXPECT_EQ((*values)[3], Value::string("room1?key=abc"));
  EXPECT_EQ((*values)[4], Value::string("live"));
}

TEST(Amf0Decode, OnMetaDataEcmaArray) {
  auto values = decode_all(kSetDataFrame);
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 3u);
  EXPECT_EQ((*values)[0], Value::string("@setDataFrame"));
  EXPECT_EQ((*values)[1], Value::string("onMetaData"));
  const Value& meta = (*values)[2];
  ASSERT_NE(meta.as_ecma_array(), nullptr);
  EXPECT_EQ(meta.find_number("width"), 1280.0);
  EXPECT_EQ(meta.find_number("height"), 720.0);
  EXPECT_EQ(meta.find_number("videocodecid"), 7.0);
  EXPECT_EQ(meta.find_number("audiocodecid"), 10.0);
  ASSERT_NE(meta.find_string("encoder"), nullptr);
  EXPECT_EQ(*meta.find_string("encoder"), "Lavf59.27.100");
}

// Flash and FMLE send 0 as the count; the end marker is what ends the array.
TEST(Amf0Decode, EcmaArrayCountHintIsIgnored) {
  auto v = decode_bytes(Bytes{0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'a', 0x05, 0x00, 0x01, 'b',
                              0x05, 0x00, 0x00, 0x09});
  ASSERT_TRUE(v.has_value());
  ASSERT_NE(v->properties(), nullptr);
  EXPECT_EQ(v->properties()->size(), 2u);
}

// lal wrote onMetaData without the end marker before its PR #237.
TEST(Amf0Decode, EcmaArrayEndingWithTheInputNeedsNoEndMarker) {
  auto v = decode_bytes(Bytes{0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a', 0x05});
  ASSERT_TRUE(v.has_value());
  ASSERT_NE(v->find("a"), nullptr);
  EXPECT_TRUE(v->find("a")->is_null());
}

TEST(Amf0Decode, LongStringMarkerGivesAString) {
  EXPECT_EQ(decode_bytes(Bytes{0x0C, 0x00, 0x00, 0x00, 0x02, 'h', 'i'}), Value::string("hi"));
}

TEST(Amf0Decode, AnyNonZeroBooleanByteIsTrue) {
  EXPECT_EQ(decode_bytes(bytes_of("\x01\x02")), Value::boolean(true));
}

TEST(Amf0Decode, EmptyKeyBeforeAValueIsAProperty) {
  auto v = decode_bytes(Bytes{0x03, 0x00, 0x00, 0x05, 0x00, 0x00, 0x09});
  ASSERT_TRUE(v.has_value());
  ASSERT_NE(v->find(""), nullptr);
  EXPECT_TRUE(v->find("")->is_null());
}

TEST(Amf0Decode, ConsumesExactlyOneValue) {
  Bytes bytes = kPublish;
  std::span<const std::uint8_t> in(bytes);
  auto first = decode(in);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, Value::string("publish"));
  EXPECT_EQ(in.size(), bytes.size() - 10);  // marker, 2-byte length, 7 letters
  EXPECT_EQ(decode(in), Value::number(5));
  EXPECT_EQ(in.size(), bytes.size() - 19);
}

TEST(Amf0Decode, FailureLeavesTheInputUnconsumed) {
  Bytes bytes{0x03, 0x00, 0x01, 'a', 0x05};  // an object cut before its end marker
  std::span<const std::uint8_t> in(bytes);
  EXPECT_FALSE(decode(in).has_value());
  EXPECT_EQ(in.size(), bytes.size());
}

TEST(Amf0Decode, DecodeAllReadsConcatenatedValues) {
  Bytes bytes;
  for (const auto& v : {Value::number(2), Value::object({{"k", Value::boolean(false)}}),
                        Value::strict_array({}), Value::date(0), Value::undefined()})
    encode(v, bytes);
  auto values = decode_all(bytes);
  ASSERT_TRUE(values.has_value());
  EXPECT_EQ(*values,
            (std::vector<Value>{Value::number(2), Value::object({{"k", Value::boolean(false)}}),
                                Value::strict_array({}), Value::date(0), Value::undefined()}));
}

TEST(Amf0Decode, DecodeAllOfAnEmptyBodyIsNoValues) {
  auto values = decode_all({});
  ASSERT_TRUE(values.has_value());
  EXPECT_TRUE(values->empty());
}

TEST(Amf0Decode, DecodeAllFailsOnATrailingBadValue) {
  Bytes bytes = kPublish;
  bytes.push_back(0x00);  // a number marker with no number
  DecodeError error{};
  EXPECT_FALSE(decode_all(bytes, &error).has_value());
  EXPECT_EQ(error, DecodeError::truncated);
}

TEST(Amf0Decode, AcceptsSixteenNestedObjects) {
  EXPECT_TRUE(decode_bytes(nested_objects(kMaxDepth)).has_value());
}

TEST(Amf0Decode, AcceptsSixteenNestedStrictArrays) {
  EXPECT_TRUE(decode_bytes(nested_strict_arrays(kMaxDepth)).has_value());
}

TEST(Amf0Decode, AcceptsAnObjectOfMaxElements) {
  auto v = decode_bytes(object_with_properties(kMaxElements));
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->properties()->size(), kMaxElements);
}

// 8 strict arrays of 1000 nulls: each within kMaxElements, together over kMaxValues.
TEST(Amf0Decode, RefusesMoreValuesThanTheBudget) {
  Bytes bytes{0x0A, 0, 0, 0, 8};
  for (int i = 0; i < 8; ++i) {
    bytes.insert(bytes.end(), {0x0A, 0, 0, 0x03, 0xE8});
    bytes.insert(bytes.end(), 1000, 0x05);
  }
  DecodeError error{};
  EXPECT_FALSE(decode_bytes(bytes, &error).has_value());
  EXPECT_EQ(error, DecodeError::too_large);
}

TEST(Amf0Decode, DecodeAllSharesTheBudgetAcrossValues) {
  Bytes bytes(kMaxValues + 1, 0x05);
  DecodeError error{};
  EXPECT_FALSE(decode_all(bytes, &error).has_value());
  EXPECT_EQ(error, DecodeError::too_large);
}

// ---- Accessors -------------------------------------------------------------------------------

TEST(Amf0Value, AccessorsOfAnotherKindGiveNothing) {
  Value s = Value::string("x");
  EXPECT_FALSE(s.as_number().has_value());
  EXPECT_FALSE(s.as_boolean().has_value());
  EXPECT_EQ(s.as_object(), nullptr);
  EXPECT_EQ(s.properties(), nullptr);
  EXPECT_EQ(s.find("x"), nullptr);
  EXPECT_EQ(Value::number(1).as_string(), nullptr);
}

TEST(Amf0Value, FindOfAnAbsentKeyIsNull) {
  EXPECT_EQ(Value::object({{"a", Value::null()}}).find("b"), nullptr);
}

TEST(Amf0Value, FindNarrowedToTheWrongKindIsNull) {
  Value v = Value::object({{"a", Value::number(1)}});
  EXPECT_EQ(v.find_string("a"), nullptr);
  EXPECT_FALSE(Value::object({{"a", Value::string("1")}}).find_number("a").has_value());
}

TEST(Amf0Value, FindTakesTheLastOfRepeatedKeys) {
  Value v = Value::object({{"app", Value::string("first")}, {"app", Value::string("second")}});
  ASSERT_NE(v.find_string("app"), nullptr);
  EXPECT_EQ(*v.find_string("app"), "second");
}

TEST(Amf0Value, DefaultIsUndefined) { EXPECT_TRUE(Value{}.is_undefined()); }

// ---- Bad input table -------------------------------------------------------------------------

struct BadInput {
  const char* name;
  Bytes bytes;
  DecodeError error;
};
void PrintTo(const BadInput& c, std::ostream* os) {
  *os << c.name << " (" << c.bytes.size() << " bytes)";
}

class Amf0BadInput : public testing::TestWithParam<BadInput> {};

TEST_P(Amf0BadInput, IsRefusedWithItsErrorKind) {
  DecodeError error{};
  EXPECT_FALSE(decode_bytes(GetParam().bytes, &error).has_value());
  EXPECT_EQ(error, GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Amf0BadInput,
    testing::Values(
        BadInput{"empty", {}, DecodeError::truncated},
        BadInput{"number_cut_after_3_bytes", {0x00, 0x3F, 0xF0, 0x00}, DecodeError::truncated},
        BadInput{"boolean_without_its_byte", {0x01}, DecodeError::truncated},
        BadInput{"string_length_cut", {0x02, 0x00}, DecodeError::truncated},
        BadInput{"string_longer_than_input", Bytes{0x02, 0x00, 0x10, 'a', 'b', 'c'},
                 DecodeError::truncated},
        BadInput{"long_string_longer_than_input", Bytes{0x0C, 0xFF, 0xFF, 0xFF, 0xFF, 'a'},
                 DecodeError::truncated},
        BadInput{"date_without_timezone", bytes_of("\x0B\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
                 DecodeError::truncated},
        BadInput{"object_missing_end_marker", Bytes{0x03, 0x00, 0x01, 'a', 0x05},
                 DecodeError::truncated},
        BadInput{"object_end_without_marker_byte", bytes_of("\x03\x00\x00"),
                 DecodeError::truncated},
        BadInput{"object_key_longer_than_input", Bytes{0x03, 0x00, 0x09, 'a', 'b'},
                 DecodeError::truncated},
        BadInput{"ecma_array_count_cut", bytes_of("\x08\x00\x00"), DecodeError::truncated},
        BadInput{"typed_object_class_name_cut", Bytes{0x10, 0x00, 0x05, 'a', 'b'},
                 DecodeError::truncated},
        BadInput{"strict_array_missing_items", bytes_of("\x0A\x00\x00\x00\x03\x05\x05"),
                 DecodeError::truncated},
        BadInput{"object_end_at_top_level", {0x09}, DecodeError::unknown_marker},
        BadInput{"object_end_after_a_key", Bytes{0x03, 0x00, 0x01, 'a', 0x09},
                 DecodeError::unknown_marker},
        BadInput{"object_end_in_strict_array", bytes_of("\x0A\x00\x00\x00\x01\x09"),
                 DecodeError::unknown_marker},
        BadInput{"seventeen_nested_objects", nested_objects(kMaxDepth + 1), DecodeError::too_deep},
        BadInput{"seventeen_nested_strict_arrays", nested_strict_arrays(kMaxDepth + 1),
                 DecodeError::too_deep},
        BadInput{"strict_array_claiming_2_pow_31", bytes_of("\x0A\x80\x00\x00\x00\x05\x05"),
                 DecodeError::too_large},
        BadInput{"object_over_max_elements", object_with_properties(kMaxElements + 1),
                 DecodeError::too_large},
        BadInput{"movieclip_0x04", {0x04}, DecodeError::unknown_marker},
        BadInput{"reference_0x07", {0x07, 0x00, 0x01}, DecodeError::unknown_marker},
        BadInput{"unsupported_0x0D", {0x0D}, DecodeError::unknown_marker},
        BadInput{"recordset_0x0E", {0x0E}, DecodeError::unknown_marker},
        BadInput{"xml_document_0x0F", bytes_of("\x0F\x00\x00\x00\x00"),
                 DecodeError::unknown_marker},
        BadInput{"amf3_switch_0x11", {0x11, 0x01}, DecodeError::unknown_marker},
        BadInput{"marker_0xFF", {0xFF}, DecodeError::unknown_marker}),
    [](const testing::TestParamInfo<BadInput>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace media::amf0
