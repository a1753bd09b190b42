#include "media/rtmp_control.hpp"

namespace media::rtmp {
namespace {

Message control(MessageType type, std::vector<std::uint8_t> payload) {
  return Message{static_cast<std::uint8_t>(type), 0, 0, kControlChunkStream, std::move(payload)};
}

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v)};
}

}  // namespace

Message set_chunk_size(std::uint32_t size) { return control(MessageType::set_chunk_size, be32(size & 0x7FFFFFFF)); }
Message window_ack_size(std::uint32_t size) { return control(MessageType::window_ack_size, be32(size)); }
Message acknowledgement(std::uint32_t sequence) { return control(MessageType::acknowledgement, be32(sequence)); }

Message set_peer_bandwidth(std::uint32_t size) {
  auto payload = be32(size);
  payload.push_back(2);  // limit type: dynamic
  return control(MessageType::set_peer_bandwidth, std::move(payload));
}

Message stream_begin(std::uint32_t stream_id) {
  std::vector<std::uint8_t> payload{0, 0};  // event type 0: Stream Begin
  auto id = be32(stream_id);
  payload.insert(payload.end(), id.begin(), id.end());
  return control(MessageType::user_control, std::move(payload));
}

Message command(std::string_view name, double transaction, std::vector<amf0::Value> args, std::uint32_t stream_id) {
  std::vector<amf0::Value> values;
  values.reserve(args.size() + 2);
  values.push_back(amf0::Value::string(std::string(name)));
  values.push_back(amf0::Value::number(transaction));
  for (auto& a : args) values.push_back(std::move(a));
  return Message{static_cast<std::uint8_t>(MessageType::command_amf0), 0, stream_id, kCommandChunkStream,
                 amf0::encode_all(values)};
}

Message on_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                  std::string_view description) {
  return command("onStatus", 0,
                 {amf0::Value::null(), amf0::Value::object({{"level", amf0::Value::string(std::string(level))},
                                                            {"code", amf0::Value::string(std::string(code))},
                                                            {"description", amf0::Value::string(std::string(description))}})},
                 stream_id);
}

std::optional<Command> parse_command(std::span<const std::uint8_t> payload) {
  auto values = amf0::decode_all(payload);
  if (!values || values->size() < 2) return std::nullopt;
  const std::string* name = (*values)[0].as_string();
  auto transaction = (*values)[1].as_number();
  if (!name || !transaction) return std::nullopt;
  Command c{*name, *transaction, {}};
  c.args.assign(std::make_move_iterator(values->begin() + 2), std::make_move_iterator(values->end()));
  return c;
}

}  // namespace media::rtmp
