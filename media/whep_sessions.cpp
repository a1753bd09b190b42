#include "media/whep_sessions.hpp"

#include <gst/gst.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "media/gst_util.hpp"
#include "media/sdp.hpp"
#include "media/whep_session.hpp"

namespace media {
namespace asio = boost::asio;

WhepSessions::WhepSessions(WebRtcConfig config)
    : config_(std::move(config)), work_(asio::make_work_guard(control_)) {
  gst_init(nullptr, nullptr);
  thread_ = std::thread([this] { control_.run(); });
}

WhepSessions::~WhepSessions() { stop(); }

void WhepSessions::open(std::shared_ptr<StreamHub> hub, std::string offer_text, Answered done) {
  std::string error;
  auto offer = sdp::parse_offer(offer_text, error);
  if (!offer) return done(WhepAnswer{WhepError::bad_offer, error, {}, {}});
  bool h264 = false;
  for (const auto& m : offer->media)
    if (m.kind == "video" && !m.rejected &&
        (m.direction == "recvonly" || m.direction == "sendrecv") && sdp::any_h264(m))
      h264 = true;
  if (!h264)
    return done(WhepAnswer{WhepError::no_common_codec,
                           "the offer must receive video as H.264 with packetization-mode=1",
                           {},
                           {}});

  std::shared_ptr<WhepSession> session;
  {
    std::lock_guard lock(mutex_);
    if (!stopped_ && sessions_.size() < config_.max_whep_sessions) {
      std::string id = gst::random_session_id();
      std::uint64_t sink_id = hub->new_sink_id();
      session =
          std::make_shared<WhepSession>(*this, id, sink_id, std::move(hub),
                                        std::move(*offer), std::move(offer_text), std::move(done));
      sessions_.emplace(id, session);
      stats_.sessions.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (!session) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return done(
        WhepAnswer{WhepError::too_many_sessions,
                   "this server plays " + std::to_string(config_.max_whep_sessions) +
                       " WebRTC viewers at most; try again later, or watch over HTTP-FLV or HLS",
                   {},
                   {}});
  }
  spdlog::info("whep {} {}: offer in", session->room(), session->id());
  session->start();
}

bool WhepSessions::close(const std::string& room, const std::string& id) {
  std::shared_ptr<WhepSession> session;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->room() != room) return false;
    session = std::move(it->second);
    sessions_.erase(it);  // gone for the API at once; the pipeline stops on the control thread
  }
  session->close("the viewer ended it (DELETE)");
  return true;
}

void WhepSessions::forget(const WhepSession& session) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(session.id());
  if (it != sessions_.end() && it->second.get() == &session) sessions_.erase(it);
  stats_.sessions.fetch_sub(1, std::memory_order_relaxed);
}

void WhepSessions::stop() {
  std::vector<std::shared_ptr<WhepSession>> all;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    for (auto& [id, s] : sessions_) all.push_back(s);
  }
  for (auto& s : all) s->close("the server is stopping", WhepError::offline);
  work_.reset();  // run() returns once every session is torn down
  if (thread_.joinable()) thread_.join();
}

}  // namespace media
