#include "media/gst_util.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <random>
#include <vector>

namespace media::gst {

std::string log_bus_message(GstMessage* msg, std::string_view kind, std::string_view room, std::string_view id) {
  GstMessageType type = GST_MESSAGE_TYPE(msg);
  if (type != GST_MESSAGE_ERROR && type != GST_MESSAGE_WARNING) return {};
  GError* err = nullptr;
  gchar* debug = nullptr;
  if (type == GST_MESSAGE_ERROR)
    gst_message_parse_error(msg, &err, &debug);
  else
    gst_message_parse_warning(msg, &err, &debug);
  std::string text = std::string(err ? err->message : "?") + " from " + GST_OBJECT_NAME(GST_MESSAGE_SRC(msg));
  spdlog::log(type == GST_MESSAGE_ERROR ? spdlog::level::err : spdlog::level::warn, "{} {} {}: {} ({})", kind, room, id, text,
              debug ? debug : "");
  if (err) g_error_free(err);
  g_free(debug);
  return type == GST_MESSAGE_ERROR ? text : std::string();
}

void stop_pipeline(GstElement*& pipeline) {
  if (!pipeline) return;
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_bus_set_sync_handler(bus, nullptr, nullptr, nullptr);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_bus_set_flushing(bus, TRUE);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  pipeline = nullptr;
}

GstBuffer* wrap(std::vector<std::uint8_t>&& bytes) {
  auto holder = std::make_unique<std::vector<std::uint8_t>>(std::move(bytes));
  auto* data = holder->data();
  auto size = holder->size();
  return gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, data, size, 0, size, holder.release(),
                                     [](gpointer p) { delete static_cast<std::vector<std::uint8_t>*>(p); });
}

const char* aac_encoder() {
  static const char* const name = [] {
    for (const char* candidate : {"fdkaacenc", "voaacenc", "avenc_aac"})
      if (GstElementFactory* f = gst_element_factory_find(candidate)) {
        gst_object_unref(f);
        return candidate;
      }
    return "avenc_aac";
  }();
  return name;
}

std::string random_session_id() {
  static thread_local std::random_device device;
  std::string id;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof part, "%08x", static_cast<unsigned>(device()));
    id += part;
  }
  return id;
}

}  // namespace media::gst
