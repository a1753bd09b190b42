#pragma once
// Mic-link (连麦) compositing: a room's host and its guests on camera, mixed into the program
// every output carries (HTTP-FLV, RTMP, HLS, WHEP, the recording), with no output restarting.
//
// A guest publishes (WHIP) into a hub of its own, guest_hub(room, slot), which has no viewers and
// no outputs. When it goes live, the room gets a mix: one GStreamer pipeline, built on this
// object's control thread, fed the host's tags (the room hub's program tap) and each guest's:
//
//   host  appsrc (FLV) ! flvdemux ─ avdec_h264 ─────────────────────────┐ compositor ! x264enc ─ appsink ─┐
//   guest appsrc (FLV) ! flvdemux ─ avdec_h264 ! videoscale (picture in  ┘  (the host's size)             │ program
//                                 └ avdec_aac ─┐       picture, bottom right)                            │ tags → room hub
//   host ─ avdec_aac ───────────────────────────┴ audiomixer (+ live silence) ! fdkaacenc ─ appsink ─────┘
//
// The room hub sends the program to its viewers from the mix's first keyframe (StreamHub's
// set_program); a guest joining a running mix is one more input, a guest leaving one less. When
// the last guest leaves, the room hub goes back to the host's own stream at its next keyframe
// and the mix is stopped. Each input's timestamps are mapped onto the mix's clock as they arrive
// (the newest frame is "now"), so a guest behind a jitter buffer is not late; the mixer waits
// `latency` for its inputs. Thread-safe.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "media/stream_hub.hpp"

namespace media {

struct MixerConfig {
  int max_slots = 3;                          // guests at once per room (slots 1…max_slots)
  std::chrono::milliseconds latency{300};     // how long the mix waits for its inputs
  unsigned audio_bitrate = 128000;            // the program's AAC
};

struct MixerStats {
  std::atomic<std::int64_t> mixes{0};         // rooms being mixed now
  std::atomic<std::int64_t> guests{0};        // guests in a mix now
  std::atomic<std::uint64_t> started{0};      // mixes started
  std::atomic<std::uint64_t> errors{0};       // mixes that failed (logged)
  std::atomic<std::uint64_t> frames{0};       // program frames made
};

class MicLinkMixer {
 public:
  // `rooms` finds a room's hub by name (the hub the host publishes into).
  using RoomHub = std::function<std::shared_ptr<StreamHub>(const std::string& room)>;

  MicLinkMixer(boost::asio::any_io_executor executor, RoomHub rooms, MixerConfig config = {});
  ~MicLinkMixer();  // stop()
  MicLinkMixer(const MicLinkMixer&) = delete;
  MicLinkMixer& operator=(const MicLinkMixer&) = delete;

  // The hub `room`'s guest in `slot` (1…max_slots) publishes into; made on first use. Null for
  // a slot out of range. Any thread.
  [[nodiscard]] std::shared_ptr<StreamHub> guest_hub(const std::string& room, int slot);
  // The name of that hub ("ROOM~gSLOT"), which is not a room id (ids have no '~').
  [[nodiscard]] static std::string guest_hub_name(const std::string& room, int slot);

  // Stops every mix and joins the control thread.
  void stop();

  [[nodiscard]] const MixerConfig& config() const { return config_; }
  [[nodiscard]] const MixerStats& stats() const { return stats_; }

 private:
  class Mix;
  class Input;
  friend class Mix;
  friend class Input;

  void guest_live(const std::string& room, int slot, bool live);  // control thread
  void forget(const Mix* mix);                                     // control thread

  boost::asio::any_io_executor executor_;
  RoomHub rooms_;
  MixerConfig config_;
  MixerStats stats_;
  boost::asio::io_context control_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<StreamHub>> guest_hubs_;  // by hub name
  bool stopped_ = false;
  // Control thread only.
  std::unordered_map<std::string, std::shared_ptr<Mix>> mixes_;  // by room
  std::unordered_map<std::string, std::vector<int>> waiting_;     // guests for a room's next mix
  std::uint64_t next_program_ = 0;
};

}  // namespace media
