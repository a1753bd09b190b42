#pragma once
// One room's live stream: the publisher pushes tags, every viewer (HTTP-FLV or RTMP play
// session) receives them. A joining viewer first gets the GOP cache, so it starts on a
// keyframe at once. All state lives on the hub's strand; public calls post to it and may
// come from any thread. Tag bodies are shared by every viewer, never copied.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "media/gop_cache.hpp"

namespace media {

// Tags in stream order, built once per fan-out and shared by every viewer.
using TagRun = std::shared_ptr<const std::vector<Tag>>;

// A viewer. Called on the hub's strand: must return at once (queue, then write on its own strand).
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual void on_tag(const Tag& tag) = 0;
  // Several tags at once (a joining viewer's start, or what one fan-out carries). Sessions
  // override it to take the whole run with one hop to their strand; the default hands the tags
  // to on_tag one by one.
  virtual void on_tags(const TagRun& tags) {
    for (const auto& tag : *tags) on_tag(tag);
  }
  // The publisher stopped or dropped: the stream has ended for this viewer.
  virtual void on_end() = 0;
};

// Makes the outputs of a broadcast that starts in `room` (HLS, recording, snapshots): a sink
// fed every tag from the first and told on_end() when the stream stops. May return nullptr.
using OutputsFactory = std::function<std::shared_ptr<StreamSink>(const std::string& room)>;

// Told when a room's stream goes live (a publisher claims a hub nobody publishes to) and when it
// ends (the publisher stops or drops); a takeover of a stale publisher is neither. Called on the
// hub's strand: must return at once.
using LiveListener = std::function<void(const std::string& room, bool live)>;

class StreamHub : public std::enable_shared_from_this<StreamHub> {
 public:
  // An audio frame waits at most this long for the next video frame, so that both reach each
  // viewer in one hop and one write (SRS's merged writes, kept short): a 30 fps stream has a
  // video frame every 33.3 ms, so all its audio rides along. Video never waits; a player's
  // picture is what its delay is judged by, and its audio is buffered against the video anyway.
  static constexpr std::chrono::milliseconds kAudioWait{34};

  StreamHub(boost::asio::any_io_executor executor, std::string room, OutputsFactory outputs = {},
            LiveListener on_live = {});

  // Claims the stream for `publisher`: granted when nobody publishes, or when the current
  // publisher has sent nothing for `stale_after` (an encoder reconnecting after a network blip
  // must not be told "busy"). `done(granted)` runs on the hub's strand and must not block.
  void claim(std::uint64_t publisher, std::chrono::steady_clock::duration stale_after,
             std::function<void(bool)> done);
  // Tags from anyone but the current publisher (one taken over) are ignored.
  void push(std::uint64_t publisher, Tag tag);
  // The publisher stopped or dropped: viewers are told the stream ended and detached, the
  // cache is emptied. Ignored from a publisher that was taken over.
  void release(std::uint64_t publisher);

  // A sink id no other viewer of this hub has (RTMP players, HTTP-FLV and WHEP viewers share
  // the hub's map, so ids come from here, never from each protocol's own counter). Thread-safe.
  [[nodiscard]] std::uint64_t new_sink_id() { return next_sink_id_.fetch_add(1, std::memory_order_relaxed) + 1; }
  // Joins a viewer under an id from new_sink_id(): replays the start tags when live (a viewer
  // of an offline room waits).
  void add_sink(std::uint64_t id, std::weak_ptr<StreamSink> sink);
  void remove_sink(std::uint64_t id);

  // Mixing (mic-link). While a program is set, the publisher's tags go to `tap` (the mixer's
  // host input, first given the cached start like a joining viewer) and what push_program()
  // brings goes to the viewers, the cache and the outputs in their place, from the program's
  // first keyframe on (until then the viewers keep the publisher's picture). clear_program()
  // switches back at the publisher's next keyframe, its sequence headers first, and then runs
  // `done` on the strand (at once when nobody publishes). Timestamps go on from where the
  // viewers are at each switch, so no output restarts. Ignored for a program not current.
  void set_program(std::uint64_t program, std::weak_ptr<StreamSink> tap);
  void push_program(std::uint64_t program, Tag tag);
  void clear_program(std::uint64_t program, std::function<void()> done = {});

  [[nodiscard]] const std::string& room() const { return room_; }
  [[nodiscard]] bool live() const { return live_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::size_t viewers() const { return viewers_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t tags_in() const { return tags_in_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> next_sink_id_{0};
  void for_each_sink(const auto& fn);
  // Hands a tag to the viewers, the cache and the outputs, on the viewers' timeline.
  void deliver(Tag tag);
  void remember_header(const Tag& tag);  // the publisher's metadata and sequence headers
  void back_to_publisher(const Tag& keyframe);  // the program ends at this keyframe of the publisher
  void end_program();
  void fan_out();  // sends run_ to every viewer
  void hold_audio();  // run_ ends with audio: fan out on the next video tag or after kAudioWait


  std::string room_;
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  GopCache cache_;
  std::unordered_map<std::uint64_t, std::weak_ptr<StreamSink>> sinks_;
  std::vector<Tag> run_;  // tags not yet sent to the viewers
  boost::asio::steady_timer audio_wait_;
  std::uint64_t run_number_ = 0;  // counts fan-outs: a wait for an earlier run is stale
  bool waiting_ = false;
  OutputsFactory make_outputs_;
  LiveListener on_live_;
  std::shared_ptr<StreamSink> outputs_;  // this broadcast's; not a viewer
  std::uint64_t publisher_ = 0;  // 0: offline
  std::chrono::steady_clock::time_point last_push_{};
  // Mixing: the program's id (0: none) and its tap; `program_on_` once its first keyframe came.
  std::uint64_t program_ = 0;
  std::weak_ptr<StreamSink> tap_;
  bool program_on_ = false;
  bool returning_ = false;  // clear_program() waits for the publisher's next keyframe
  std::function<void()> returned_;
  std::optional<Tag> source_metadata_, source_video_header_, source_audio_header_;
  std::optional<Tag> program_video_header_, program_audio_header_;  // until its first keyframe
  // The viewers' timeline: each source's timestamps + offset_, re-anchored at every switch so
  // that time goes on (and never back within a track).
  std::int64_t offset_ = 0;
  bool rebase_next_ = false;
  std::int64_t last_out_video_ = -1, last_out_audio_ = -1;
  std::int64_t video_step_ = 0;  // the last gap between two video frames: where a new source's first one goes
  std::atomic<bool> live_{false};
  std::atomic<std::size_t> viewers_{0};
  std::atomic<std::uint64_t> tags_in_{0};
};

}  // namespace media
