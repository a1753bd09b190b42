#include "media/flv_tracks.hpp"

#include <optional>

#include "media/amf0.hpp"

namespace media::flv {
namespace {

// The tracks named by an onMetaData body ("onMetaData", then an ECMA array or object), or
// nullopt when it names no codec.
std::optional<Tracks> tracks_of_metadata(std::span<const std::uint8_t> body) {
  auto values = amf0::decode_all(body);
  if (!values || values->size() < 2) return std::nullopt;
  const amf0::Properties* properties = nullptr;
  if (const auto* array = (*values)[1].as_ecma_array()) properties = &array->properties;
  if (const auto* object = (*values)[1].as_object()) properties = &object->properties;
  if (!properties) return std::nullopt;
  Tracks t{false, false};
  bool named = false;
  for (const auto& p : *properties) {
    if (p.key == "audiocodecid") t.audio = named = true;
    if (p.key == "videocodecid") t.video = named = true;
  }
  return named ? std::optional<Tracks>(t) : std::nullopt;
}

}  // namespace

Tracks tracks_of(std::span<const Tag> start) {
  Tracks seen{false, false};
  bool keyframe = false;
  for (const auto& tag : start) {
    std::span<const std::uint8_t> body;
    if (tag.body) body = *tag.body;
    if (tag.type == TagType::script) {
      if (auto named = tracks_of_metadata(body)) return *named;
    } else if (tag.type == TagType::audio) {
      seen.audio = true;
    } else {
      seen.video = true;
      keyframe |= is_keyframe(TagType::video, body);
    }
  }
  return keyframe ? seen : Tracks{};
}

}  // namespace media::flv
