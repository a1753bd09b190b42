#pragma once
// AMF0 (Adobe "Action Message Format -- AMF 0"): the values inside RTMP command and data
// messages (connect, publish, _result, onStatus, @setDataFrame/onMetaData). Pure code, no I/O;
// decoding untrusted bytes never throws and never allocates more than the input can back.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace media::amf0 {

// Limits, named once. Depth counts containers nested in one another (the outermost is 1).
// Since every item costs at least one input byte, kMaxValues is what bounds a decode's memory
// (a Value is ~64 bytes): without it 1 MiB of nulls would become 64 MiB of Values.
inline constexpr int kMaxDepth = 16;
inline constexpr std::size_t kMaxElements = 1024;  // per object, ECMA array or strict array
inline constexpr std::size_t kMaxValues = 4096;    // per decode() / decode_all() call

struct Value;
// A key and its value. Not a std::pair: with clang, std::pair<std::string, Value> asks whether
// Value is default-constructible while Value is still being defined, which does not compile.
struct Property;
using Properties = std::vector<Property>;  // in wire order; AMF0 allows duplicate keys

struct Undefined {
  friend bool operator==(const Undefined&, const Undefined&) = default;
};
struct Null {
  friend bool operator==(const Null&, const Null&) = default;
};
struct Object {
  Properties properties;
  friend bool operator==(const Object&, const Object&) = default;
};
// An associative array. Its count hint is ignored on decode (Flash and FMLE send 0) and
// written as the real count on encode; on decode its end marker may be missing when the
// input ends right after a property (see amf0.cpp).
struct EcmaArray {
  Properties properties;
  friend bool operator==(const EcmaArray&, const EcmaArray&) = default;
};
struct StrictArray {
  std::vector<Value> items;
  friend bool operator==(const StrictArray&, const StrictArray&) = default;
};
struct Date {
  double ms = 0;              // since the Unix epoch, UTC
  std::int16_t timezone = 0;  // reserved by the spec; kept so a round trip is exact
  friend bool operator==(const Date&, const Date&) = default;
};
struct TypedObject {
  std::string class_name;
  Properties properties;
  friend bool operator==(const TypedObject&, const TypedObject&) = default;
};

// One AMF0 value. Both string markers (0x02, 0x0C) decode to std::string; encode picks the
// marker by length. A default Value is undefined.
struct Value {
  using Data = std::variant<Undefined, Null, double, bool, std::string, Object, EcmaArray,
                            StrictArray, Date, TypedObject>;
  Data data;

  [[nodiscard]] static Value number(double v);
  [[nodiscard]] static Value boolean(bool v);
  [[nodiscard]] static Value string(std::string v);
  [[nodiscard]] static Value null();
  [[nodiscard]] static Value undefined();
  [[nodiscard]] static Value object(Properties properties);
  [[nodiscard]] static Value ecma_array(Properties properties);
  [[nodiscard]] static Value strict_array(std::vector<Value> items);
  [[nodiscard]] static Value date(double ms, std::int16_t timezone = 0);
  [[nodiscard]] static Value typed_object(std::string class_name, Properties properties);

  [[nodiscard]] bool is_number() const;
  [[nodiscard]] bool is_boolean() const;
  [[nodiscard]] bool is_string() const;
  [[nodiscard]] bool is_null() const;
  [[nodiscard]] bool is_undefined() const;

  // Each returns nothing (nullopt / nullptr) when the value is of another kind.
  [[nodiscard]] std::optional<double> as_number() const;
  [[nodiscard]] std::optional<bool> as_boolean() const;
  [[nodiscard]] const std::string* as_string() const;
  [[nodiscard]] const Object* as_object() const;
  [[nodiscard]] const EcmaArray* as_ecma_array() const;
  [[nodiscard]] const StrictArray* as_strict_array() const;
  [[nodiscard]] const Date* as_date() const;
  [[nodiscard]] const TypedObject* as_typed_object() const;

  // The properties of an Object, EcmaArray or TypedObject; nullptr for other kinds.
  [[nodiscard]] const Properties* properties() const;
  // The value of `key` in properties(); the last one wins when a key repeats, as in Flash,
  // SRS and nginx-rtmp. nullptr when absent or when this is not a keyed kind.
  [[nodiscard]] const Value* find(std::string_view key) const;
  // find() narrowed to one kind, for reading command fields in one step.
  [[nodiscard]] const std::string* find_string(std::string_view key) const;
  [[nodiscard]] std::optional<double> find_number(std::string_view key) const;

  friend bool operator==(const Value&, const Value&) = default;
};

struct Property {
  std::string key;
  Value value;
  friend bool operator==(const Property&, const Property&) = default;
};

// truncated: the input ended inside a value (a missing object end marker included).
// unknown_marker: a marker we refuse (movieclip, reference, unsupported, recordset, XML,
//   AMF3 switch, anything above 0x10) or an object end marker outside an object's property list.
// too_deep: more than kMaxDepth nested containers. too_large: a container over kMaxElements,
//   or more than kMaxValues values in one call.
enum class DecodeError { truncated, unknown_marker, too_deep, too_large };

// Decodes one value from the front of `in` and advances `in` past it. On failure returns
// nullopt, stores the reason in `*error` (if given) and leaves `in` as it was.
[[nodiscard]] std::optional<Value> decode(std::span<const std::uint8_t>& in,
                                          DecodeError* error = nullptr);
// Decodes a whole message body: values back to back up to the end (none for an empty body).
[[nodiscard]] std::optional<std::vector<Value>> decode_all(std::span<const std::uint8_t> in,
                                                           DecodeError* error = nullptr);

// Appends the encoding of `v` to `out`. Throws std::length_error for a key over 65535 bytes
// or a string over 2^32-1 bytes, which AMF0 cannot carry (a programmer error: decoded values
// never have them).
void encode(const Value& v, std::vector<std::uint8_t>& out);
[[nodiscard]] std::vector<std::uint8_t> encode_all(std::initializer_list<Value> values);
[[nodiscard]] std::vector<std::uint8_t> encode_all(std::span<const Value> values);

}  // namespace media::amf0
