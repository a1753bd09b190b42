#include "media/whip_sessions.hpp"

#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include "media/gst_util.hpp"
#include "media/sdp.hpp"
#include "media/whip_session.hpp"

namespace media {

namespace {
// The room a hub belongs to: its own name, or for a mic-link guest's hub ("ROOM~gN") the room.
std::string_view room_of_hub(std::string_view hub) { return hub.substr(0, hub.find('~')); }
}  // namespace

WhipSessions::WhipSessions(WebRtcConfig config)
    : config_(std::move(config)), work_(boost::asio::make_work_guard(control_)) {
  gst_init(nullptr, nullptr);
  thread_ = std::thread([this] { control_.run(); });
}

WhipSessions::~WhipSessions() { stop(); }

void WhipSessions::open(std::shared_ptr<StreamHub> hub, std::string offer_text, Answered done,
                        WhipEnded ended) {
  std::string error;
  auto offer = sdp::parse_offer(offer_text, error);
  if (!offer) return done(WhipAnswer{WhipError::bad_offer, error, {}, {}});
  const sdp::MediaSection* video = nullptr;
  for (const auto& m : offer->media)
    if (m.kind == "video" && !m.rejected && (m.direction == "sendonly" || m.direction == "sendrecv")) {
      video = &m;
      break;
    }
  if (!video)
    return done(WhipAnswer{WhipError::bad_offer, "the offer must send video (a sendonly video section)", {}, {}});
  if (!sdp::any_h264(*video))
    return done(WhipAnswer{WhipError::no_common_codec,
                           "the offer must send video as H.264 with packetization-mode=1 (the server passes it "
                           "through to every viewer)",
                           {},
                           {}});
  std::shared_ptr<WhipSession> session;
  {
    std::lock_guard lock(mutex_);
    if (!stopped_ && sessions_.size() < config_.max_whip_sessions) {
      std::string id = gst::random_session_id();
      session = std::make_shared<WhipSession>(*this, id, next_publisher_.fetch_add(1) + 1, std::move(hub),
                                              std::move(*offer), std::move(offer_text), std::move(done),
                                              std::move(ended));
      sessions_.emplace(id, session);
      stats_.sessions.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!session) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return done(WhipAnswer{WhipError::too_many_sessions,
                           "this server takes " + std::to_string(config_.max_whip_sessions) +
                               " WebRTC publishers at most; try again later, or publish over RTMP",
                           {},
                           {}});
  }
  spdlog::info("whip {} {}: offer in", session->room(), session->id());
  session->start();
}

bool WhipSessions::close(const std::string& room, const std::string& id) {
  std::shared_ptr<WhipSession> session;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || room_of_hub(it->second->room()) != room) return false;
    session = std::move(it->second);
    sessions_.erase(it);
  }
  session->close("the publisher ended it (DELETE)");
  return true;
}

std::size_t WhipSessions::close_publishers(const std::string& hub, const std::string& why) {
  std::vector<std::shared_ptr<WhipSession>> found;
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (it->second->room() == hub) {
        found.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : found) s->close(why, WhipError::failed, false);
  return found.size();
}

void WhipSessions::forget(const WhipSession& session) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session.id());
  if (it != sessions_.end() && it->second.get() == &session) sessions_.erase(it);
  stats_.sessions.fetch_sub(1, std::memory_order_relaxed);
}

void WhipSessions::stop() {
  std::vector<std::shared_ptr<WhipSession>> all;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) s->close("the server is stopping");
  work_.reset();
  if (thread_.joinable()) thread_.join();
}

}  // namespace media
