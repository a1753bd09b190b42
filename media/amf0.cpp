#include "media/amf0.hpp"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace media::amf0 {

// ---- Value ---------------------------------------------------------------------------------

Value Value::number(double v) { return Value{v}; }
Value Value::boolean(bool v) { return Value{v}; }
Value Value::string(std::string v) { return Value{std::move(v)}; }
Value Value::null() { return Value{Null{}}; }
Value Value::undefined() { return Value{Undefined{}}; }
Value Value::object(Properties properties) { return Value{Object{std::move(properties)}}; }
Value Value::ecma_array(Properties properties) { return Value{EcmaArray{std::move(properties)}}; }
Value Value::strict_array(std::vector<Value> items) { return Value{StrictArray{std::move(items)}}; }
Value Value::date(double ms, std::int16_t timezone) { return Value{Date{ms, timezone}}; }
Value Value::typed_object(std::string class_name, Properties properties) {
  return Value{TypedObject{std::move(class_name), std::move(properties)}};
}

bool Value::is_number() const { return std::holds_alternative<double>(data); }
bool Value::is_boolean() const { return std::holds_alternative<bool>(data); }
bool Value::is_string() const { return std::holds_alternative<std::string>(data); }
bool Value::is_null() const { return std::holds_alternative<Null>(data); }
bool Value::is_undefined() const { return std::holds_alternative<Undefined>(data); }

std::optional<double> Value::as_number() const {
  if (const auto* v = std::get_if<double>(&data)) return *v;
  return std::nullopt;
}
std::optional<bool> Value::as_boolean() const {
  if (const auto* v = std::get_if<bool>(&data)) return *v;
  return std::nullopt;
}
const std::string* Value::as_string() const { return std::get_if<std::string>(&data); }
const Object* Value::as_object() const { return std::get_if<Object>(&data); }
const EcmaArray* Value::as_ecma_array() const { return std::get_if<EcmaArray>(&data); }
const StrictArray* Value::as_strict_array() const { return std::get_if<StrictArray>(&data); }
const Date* Value::as_date() const { return std::get_if<Date>(&data); }
const TypedObject* Value::as_typed_object() const { return std::get_if<TypedObject>(&data); }

const Properties* Value::properties() const {
  if (const auto* o = as_object()) return &o->properties;
  if (const auto* e = as_ecma_array()) return &e->properties;
  if (const auto* t = as_typed_object()) return &t->properties;
  return nullptr;
}

const Value* Value::find(std::string_view key) const {
  const Properties* props = properties();
  if (!props) return nullptr;
  auto it = std::find_if(props->rbegin(), props->rend(),
                         [key](const Property& p) { return p.key == key; });
  return it == props->rend() ? nullptr : &it->value;
}

const std::string* Value::find_string(std::string_view key) const {
  const Value* v = find(key);
  return v ? v->as_string() : nullptr;
}

std::optional<double> Value::find_number(std::string_view key) const {
  const Value* v = find(key);
  return v ? v->as_number() : std::nullopt;
}

// ---- Wire format ---------------------------------------------------------------------------

namespace {

enum Marker : std::uint8_t {
  kNumber = 0x00,
  kBoolean = 0x01,
  kString = 0x02,
  kObject = 0x03,
  kNull = 0x05,
  kUndefined = 0x06,
  kEcmaArray = 0x08,
  kObjectEnd = 0x09,
  kStrictArray = 0x0A,
  kDate = 0x0B,
  kLongString = 0x0C,
  kTypedObject = 0x10,
};

constexpr std::size_t kMaxShortString = 0xFFFF;
constexpr std::uint64_t kMaxLongString = 0xFFFFFFFF;

// Reads one value tree from a private copy of the input, so a failure leaves the caller's span
// untouched. Every length is checked against the bytes left before anything is allocated.
class Decoder {
 public:
  explicit Decoder(std::span<const std::uint8_t> in) : in_(in) {}

  std::optional<Value> value(int depth);
  [[nodiscard]] std::span<const std::uint8_t> rest() const { return in_; }
  [[nodiscard]] DecodeError error() const { return error_; }

 private:
  std::nullopt_t fail(DecodeError e) {
    error_ = e;
    return std::nullopt;
  }
  std::optional<std::uint64_t> be(std::size_t bytes);
  std::optional<double> number();
  std::optional<std::string> utf8(std::size_t length_bytes);
  std::optional<Value> date();
  std::optional<Value> container(std::uint8_t marker, int depth);
  std::optional<Properties> properties(int depth, bool end_optional);
  std::optional<Value> strict_array(int depth);

  std::span<const std::uint8_t> in_;
  std::size_t values_left_ = kMaxValues;
  DecodeError error_ = DecodeError::truncated;
};

std::optional<std::uint64_t> Decoder::be(std::size_t bytes) {
  if (in_.size() < bytes) return fail(DecodeError::truncated);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < bytes; ++i) v = (v << 8) | in_[i];
  in_ = in_.subspan(bytes);
  return v;
}

// A bit copy, so -0, infinities and NaN payloads survive exactly.
std::optional<double> Decoder::number() {
  auto bits = be(8);
  if (!bits) return std::nullopt;
  return std::bit_cast<double>(*bits);
}

// A 16- or 32-bit length, then that many bytes (UTF-8 by the spec; not validated here).
std::optional<std::string> Decoder::utf8(std::size_t length_bytes) {
  auto length = be(length_bytes);
  if (!length) return std::nullopt;
  if (in_.size() < *length) return fail(DecodeError::truncated);
  std::string s(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(*length));
  in_ = in_.subspan(static_cast<std::size_t>(*length));
  return s;
}

std::optional<Value> Decoder::date() {
  auto ms = number();
  if (!ms) return std::nullopt;
  auto timezone = be(2);
  if (!timezone) return std::nullopt;
  return Value::date(*ms, static_cast<std::int16_t>(*timezone));
}

std::optional<Value> Decoder::value(int depth) {
  if (values_left_ == 0) return fail(DecodeError::too_large);
  --values_left_;
  auto marker = be(1);
  if (!marker) return std::nullopt;
  switch (*marker) {
    case kNumber:
      if (auto v = number()) return Value::number(*v);
      return std::nullopt;
    case kBoolean:
      if (auto v = be(1)) return Value::boolean(*v != 0);
      return std::nullopt;
    case kString:
    case kLongString:
      if (auto s = utf8(*marker == kString ? 2 : 4)) return Value::string(std::move(*s));
      return std::nullopt;
    case kNull:
      return Value::null();
    case kUndefined:
      return Value::undefined();
    case kDate:
      return date();
    case kObject:
    case kEcmaArray:
    case kStrictArray:
    case kTypedObject:
      return container(static_cast<std::uint8_t>(*marker), depth);
    default:  // kObjectEnd lands here too: it is only valid where properties() looks for it
      return fail(DecodeError::unknown_marker);
  }
}

// `depth` is the number of containers around this one.
std::optional<Value> Decoder::container(std::uint8_t marker, int depth) {
  if (depth >= kMaxDepth) return fail(DecodeError::too_deep);
  if (marker == kStrictArray) return strict_array(depth);
  std::optional<std::string> class_name;
  if (marker == kTypedObject && !(class_name = utf8(2))) return std::nullopt;
  // The ECMA count is only a hint (Flash and FMLE send 0); the end marker ends the array.
  if (marker == kEcmaArray && !be(4)) return std::nullopt;
  auto props = properties(depth + 1, marker == kEcmaArray);
  if (!props) return std::nullopt;
  if (marker == kObject) return Value::object(std::move(*props));
  if (marker == kEcmaArray) return Value::ecma_array(std::move(*props));
  return Value::typed_object(std::move(*class_name), std::move(*props));
}

// Key/value pairs up to an empty key followed by the object end marker. An empty key before
// any other marker is an ordinary property, as librtmp reads it. `end_optional`: an ECMA array
// may also stop at the end of the input, as lal wrote onMetaData before its PR #237 (2022).
std::optional<Properties> Decoder::properties(int depth, bool end_optional) {
  Properties props;
  while (true) {
    if (end_optional && in_.empty()) return props;
    auto key = utf8(2);
    if (!key) return std::nullopt;
    if (key->empty() && !in_.empty() && in_.front() == kObjectEnd) {
      in_ = in_.subspan(1);
      return props;
    }
    if (props.size() == kMaxElements) return fail(DecodeError::too_large);
    auto v = value(depth);
    if (!v) return std::nullopt;
    props.push_back(Property{std::move(*key), std::move(*v)});
  }
}

std::optional<Value> Decoder::strict_array(int depth) {
  auto count = be(4);
  if (!count) return std::nullopt;
  if (*count > kMaxElements) return fail(DecodeError::too_large);
  // Every item takes at least its marker byte: refuse a count the input cannot hold before
  // reserving room for it.
  if (*count > in_.size()) return fail(DecodeError::truncated);
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(*count));
  for (std::uint64_t i = 0; i < *count; ++i) {
    auto v = value(depth + 1);
    if (!v) return std::nullopt;
    items.push_back(std::move(*v));
  }
  return Value::strict_array(std::move(items));
}

void put_be(std::uint64_t v, int bytes, std::vector<std::uint8_t>& out) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void put_key(std::string_view key, std::vector<std::uint8_t>& out) {
  if (key.size() > kMaxShortString) throw std::length_error("amf0: key over 65535 bytes");
  put_be(key.size(), 2, out);
  out.insert(out.end(), key.begin(), key.end());
}

void put_properties(const Properties& props, std::vector<std::uint8_t>& out) {
  for (const auto& [key, value] : props) {
    put_key(key, out);
    encode(value, out);
  }
  put_key("", out);
  out.push_back(kObjectEnd);
}

// One overload per alternative of Value::Data, for std::visit.
struct Encoder {
  std::vector<std::uint8_t>& out;

  void operator()(Undefined) const { out.push_back(kUndefined); }
  void operator()(Null) const { out.push_back(kNull); }
  void operator()(double v) const {
    out.push_back(kNumber);
    put_be(std::bit_cast<std::uint64_t>(v), 8, out);
  }
  void operator()(bool v) const { out.insert(out.end(), {kBoolean, std::uint8_t{v}}); }
  void operator()(const std::string& s) const {
    if (s.size() <= kMaxShortString) {
      out.push_back(kString);
      put_key(s, out);
      return;
    }
    if (s.size() > kMaxLongString) throw std::length_error("amf0: string over 2^32-1 bytes");
    out.push_back(kLongString);
    put_be(s.size(), 4, out);
    out.insert(out.end(), s.begin(), s.end());
  }
  void operator()(const Object& o) const {
    out.push_back(kObject);
    put_properties(o.properties, out);
  }
  void operator()(const EcmaArray& e) const {
    out.push_back(kEcmaArray);
    put_be(e.properties.size(), 4, out);
    put_properties(e.properties, out);
  }
  void operator()(const StrictArray& a) const {
    out.push_back(kStrictArray);
    put_be(a.items.size(), 4, out);
    for (const auto& item : a.items) encode(item, out);
  }
  void operator()(const Date& d) const {
    out.push_back(kDate);
    put_be(std::bit_cast<std::uint64_t>(d.ms), 8, out);
    put_be(static_cast<std::uint16_t>(d.timezone), 2, out);
  }
  void operator()(const TypedObject& t) const {
    out.push_back(kTypedObject);
    put_key(t.class_name, out);
    put_properties(t.properties, out);
  }
};

}  // namespace

// ---- Entry points --------------------------------------------------------------------------

std::optional<Value> decode(std::span<const std::uint8_t>& in, DecodeError* error) {
  Decoder decoder(in);
  auto v = decoder.value(0);
  if (!v) {
    if (error) *error = decoder.error();
    return std::nullopt;
  }
  in = decoder.rest();
  return v;
}

std::optional<std::vector<Value>> decode_all(std::span<const std::uint8_t> in, DecodeError* error) {
  Decoder decoder(in);  // one decoder, so kMaxValues bounds the whole body
  std::vector<Value> values;
  while (!decoder.rest().empty()) {
    auto v = decoder.value(0);
    if (!v) {
      if (error) *error = decoder.error();
      return std::nullopt;
    }
    values.push_back(std::move(*v));
  }
  return values;
}

void encode(const Value& v, std::vector<std::uint8_t>& out) { std::visit(Encoder{out}, v.data); }

std::vector<std::uint8_t> encode_all(std::initializer_list<Value> values) {
  return encode_all(std::span<const Value>(values.begin(), values.size()));
}

std::vector<std::uint8_t> encode_all(std::span<const Value> values) {
  std::vector<std::uint8_t> out;
  for (const auto& v : values) encode(v, out);
  return out;
}

}  // namespace media::amf0
