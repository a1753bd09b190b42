#include "server/analytics_hub.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>

#include "analytics/audience_relay.hpp"
#include "analytics/snapshot_json.hpp"
#include "chat/events.hpp"

namespace server {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

constexpr std::size_t kMaxSkuBytes = 64;

analytics::ProductInfo info_of(const commerce::Product& p) {
  return {p.sku, p.title, p.tags, p.price_cents, p.stock, p.on_shelf};
}

}  // namespace

struct AnalyticsHub::RoomState {
  RoomState(asio::any_io_executor io, std::string id, const analytics::Dictionary& dictionary,
            const AnalyticsSettings& s)
      : id(std::move(id)),
        strand(asio::make_strand(io)),
        analytics(dictionary, unix_ms(), s.room),
        board(s.suggestion_ttl_ms, s.suggestion_cooldown_ms) {}
  std::string id;
  asio::strand<asio::any_io_executor> strand;
  analytics::RoomAnalytics analytics;
  analytics::SuggestionBoard board;
  std::vector<std::weak_ptr<chat::Member>> dashboards;
  std::int64_t next_rules_ms = 0;
  std::optional<analytics::AudienceRelay> relay;  // cluster mode
};

// Tells the hub what the room's chat saw; the staff's own comings and comments are not the
// audience's and are left out.
class HubObserver : public chat::RoomObserver {
 public:
  HubObserver(AnalyticsHub& hub, std::shared_ptr<AnalyticsHub::RoomState> room) : hub_(hub), room_(std::move(room)) {}
  void on_enter(const chat::Identity& who) override {
    if (!chat::is_staff(who.role)) hub_.record(room_, analytics::Enter{who.user_id});
  }
  void on_leave(const chat::Identity& who) override {
    if (!chat::is_staff(who.role)) hub_.record(room_, analytics::Leave{who.user_id});
  }
  // Comments and likes of the other nodes' members come through here too (the chat relay);
  // the audience relay leaves comments and likes out, so they are not shared twice.
  void on_comment(const chat::Identity& who, const std::string& text) override {
    if (!chat::is_staff(who.role)) hub_.record(room_, analytics::Comment{who.user_id, text});
  }
  void on_likes(std::uint64_t count) override {
    hub_.record(room_, analytics::Like{static_cast<std::int64_t>(count)});
  }
  void on_mic_link_start(const chat::Identity& guest) override {
    hub_.record(room_, analytics::MicLinkStart{guest.user_id});
  }
  void on_mic_link_end(const chat::Identity& guest) override {
    hub_.record(room_, analytics::MicLinkEnd{guest.user_id});
  }

 private:
  AnalyticsHub& hub_;
  std::shared_ptr<AnalyticsHub::RoomState> room_;
};

AnalyticsHub::AnalyticsHub(asio::any_io_executor io, const RoomDirectory& rooms, commerce::Store& store,
                           AnalyticsSettings settings)
    : io_(std::move(io)),
      rooms_(rooms),
      store_(store),
      settings_(std::move(settings)),
      timer_strand_(asio::make_strand(io_)),
      timer_(timer_strand_) {}

AnalyticsHub::~AnalyticsHub() {
  if (loader_.joinable()) loader_.join();
}

std::shared_ptr<chat::RoomObserver> AnalyticsHub::observe(const std::string& room) {
  std::shared_ptr<RoomState> r;
  {
    std::lock_guard lock(mutex_);
    auto& slot = rooms_by_id_[room];
    if (!slot) {
      const analytics::Dictionary& d = dictionary_words_.load() > 0 ? *dictionary_ : empty_dictionary_;
      slot = std::make_shared<RoomState>(io_, room, d, settings_);
      if (send_) slot->relay.emplace(node_);
    }
    r = slot;
  }
  load_catalog(r);
  return std::make_shared<HubObserver>(*this, r);
}

std::shared_ptr<AnalyticsHub::RoomState> AnalyticsHub::find(const std::string& room) const {
  std::lock_guard lock(mutex_);
  auto it = rooms_by_id_.find(room);
  return it == rooms_by_id_.end() ? nullptr : it->second;
}

void AnalyticsHub::load_catalog(const std::shared_ptr<RoomState>& r) {
  store_.shelf(r->id, [r](commerce::Result<commerce::ShelfView> shelf) {
    if (!shelf.ok()) return spdlog::warn("room {}: analytics has no catalogue: {}", r->id, shelf.error.message);
    std::vector<analytics::ProductInfo> products;
    for (const auto& p : shelf.value->products) products.push_back(info_of(p));
    asio::post(r->strand, [r, products = std::move(products), pinned = shelf.value->pinned_sku] {
      r->analytics.set_catalog(products, pinned);
    });
  });
}

analytics::Drop AnalyticsHub::take(RoomState& r, const analytics::Event& e, std::int64_t now) {
  events_.fetch_add(1, std::memory_order_relaxed);
  auto d = r.analytics.record(e, now);
  if (d != analytics::Drop::none) dropped_[static_cast<std::size_t>(d)].fetch_add(1, std::memory_order_relaxed);
  return d;
}

void AnalyticsHub::record(const std::shared_ptr<RoomState>& r, analytics::Event e) {
  asio::post(r->strand, [this, r, e = std::move(e)] { take_here(*r, e, unix_ms()); });
}

analytics::Drop AnalyticsHub::take_here(RoomState& r, const analytics::Event& e, std::int64_t now) {
  auto d = take(r, e, now);
  if (d == analytics::Drop::none && r.relay) r.relay->local(e);
  return d;
}

void AnalyticsHub::set_relay(std::string node, Send send) {
  node_ = std::move(node);
  send_ = std::move(send);
}

bool AnalyticsHub::receive(const std::string& room, std::string_view payload) {
  std::string node, error;
  auto batch = analytics::decode_audience(payload, node, error);
  if (!batch) {
    spdlog::warn("room {}: unreadable audience batch: {}", room, error);
    return false;
  }
  if (node == node_) return true;  // our own, back from the channel
  auto r = find(room);
  if (!r || !r->relay) return true;  // a room not known here (yet)
  asio::post(r->strand, [this, r, node = std::move(node), batch = std::move(*batch)]() mutable {
    auto now = unix_ms();
    for (const auto& e : r->relay->receive(node, std::move(batch), now)) take(*r, e, now);
  });
  return true;
}

bool AnalyticsHub::handle_ws(const WsMessage& m, const chat::Identity& who, const std::string& room, Reply reply) {
  bool click = m.type == "click";
  if (!click && m.type != "impression") return false;
  const auto& msg = m.body;
  std::string ref = m.ref;

  auto* sku = msg.if_contains("sku");
  if (!sku || !sku->is_string() || sku->get_string().empty() || sku->get_string().size() > kMaxSkuBytes) {
    reply(chat::encode_error({"bad_field", "'sku' must be a product's SKU (1-64 bytes)", ref}));
    return true;
  }
  if (chat::is_staff(who.role)) return true;  // the host's own looks are not the audience's
  auto r = find(room);
  if (!r) return true;
  std::string id = who.user_id, product(sku->get_string());
  asio::post(r->strand, [this, r, click, id = std::move(id), product = std::move(product), ref = std::move(ref),
                         reply = std::move(reply)] {
    auto d = take_here(*r, click ? analytics::Event(analytics::Click{id, product}) : analytics::Event(analytics::Impression{id, product}),
                       unix_ms());
    if (d == analytics::Drop::none) return;
    reply(chat::encode_error({std::string(analytics::to_string(d)),
                              d == analytics::Drop::unknown_product ? "this room does not sell that product"
                                                                    : "this event could not have happened",
                              ref}));
  });
  return true;
}

void AnalyticsHub::on_committed(const commerce::RoomChanges& c) {
  auto r = find(c.room);
  if (!r) return;
  std::vector<analytics::ProductInfo> products;
  for (const auto& p : c.products) products.push_back(info_of(p));
  std::optional<std::string> pinned;
  if (c.pin_changed) pinned = c.pinned ? c.pinned->sku : std::string();
  std::vector<analytics::OrderCreated> orders;
  for (const auto& o : c.new_orders)
    orders.push_back({o.id, o.user_id, o.sku, o.title, o.quantity, o.total_cents});
  if (products.empty() && !pinned && orders.empty()) return;
  asio::post(r->strand, [this, r, products = std::move(products), pinned = std::move(pinned), orders = std::move(orders)] {
    for (const auto& p : products) r->analytics.update_product(p);
    if (pinned) r->analytics.set_pinned(*pinned);
    auto now = unix_ms();
    // Orders are paid when they are committed (one-click purchase).
    for (const auto& o : orders) {
      take(*r, o, now);
      take(*r, analytics::OrderPaid{o.order_id}, now);
    }
  });
}

void AnalyticsHub::subscribe(const std::string& room, std::weak_ptr<chat::Member> dashboard) {
  auto r = find(room);
  if (!r) return;
  asio::post(r->strand, [this, r, dashboard = std::move(dashboard)] {
    auto m = dashboard.lock();
    if (!m) return;
    m->send(std::make_shared<const std::string>(snapshot_json(*r, unix_ms())), false);
    r->dashboards.push_back(dashboard);
  });
}

void AnalyticsHub::stats(const std::string& room, std::function<void(std::optional<std::string>)> done) {
  auto r = find(room);
  if (!r) return done(std::nullopt);
  asio::post(r->strand, [this, r, done = std::move(done)] { done(snapshot_json(*r, unix_ms())); });
}

void AnalyticsHub::suggest(const std::string& room, analytics::Suggestion s, std::int64_t ttl_ms,
                           std::function<void(std::optional<Posted>)> done) {
  auto r = find(room);
  if (!r) return done(std::nullopt);
  asio::post(r->strand, [this, r, s = std::move(s), ttl_ms, done = std::move(done)]() mutable {
    auto now = unix_ms();
    r->board.expire(now);
    std::optional<Posted> posted;
    raise(*r, std::move(s), now, ttl_ms, &posted);
    done(std::move(posted));
  });
}

std::string AnalyticsHub::snapshot_json(RoomState& r, std::int64_t now) {
  return json::serialize(analytics::to_json(r.id, r.analytics.snapshot(now), r.board.active()));
}

void AnalyticsHub::raise(RoomState& r, analytics::Suggestion s, std::int64_t now, std::int64_t ttl_ms,
                         std::optional<Posted>* posted) {
  auto raised = r.board.raise(std::move(s), now, ttl_ms);
  if (!raised.suggestion) return;
  if (posted) *posted = Posted{json::serialize(analytics::to_json(*raised.suggestion)), raised.created};
  if (raised.created) announce(r, *raised.suggestion);
}

void AnalyticsHub::announce(RoomState& r, const analytics::Suggestion& s) {
  raised_.fetch_add(1, std::memory_order_relaxed);
  std::string frame = json::serialize(json::object{{"type", "suggestion"}, {"suggestion", analytics::to_json(s)}});
  if (auto room = rooms_.find(r.id)) room->send_to_staff(frame);
  auto shared = std::make_shared<const std::string>(std::move(frame));
  for (const auto& d : r.dashboards)
    if (auto m = d.lock()) m->send(shared, false);
}

void AnalyticsHub::start() {
  loader_ = std::thread([this] { load_dictionary(); });
  asio::post(timer_strand_, [this] { schedule(); });
}

void AnalyticsHub::stop() {
  asio::post(timer_strand_, [this] {
    stopped_ = true;
    timer_.cancel();
  });
}

void AnalyticsHub::load_dictionary() {
  std::string error;
  auto d = analytics::Dictionary::load(settings_.dictionary_path, error);
  if (!d) {
    spdlog::error("hot words: {} (comments are counted, their words are not; install python3-jieba)", error);
    return;
  }
  dictionary_ = std::move(*d);
  std::vector<std::shared_ptr<RoomState>> all;
  {
    std::lock_guard lock(mutex_);
    dictionary_words_ = dictionary_->size();  // rooms made from now on start with it
    for (const auto& [id, r] : rooms_by_id_) all.push_back(r);
  }
  for (auto& r : all) asio::post(r->strand, [this, r] { r->analytics.use_dictionary(*dictionary_); });
  spdlog::info("hot words: {} dictionary words from {}", dictionary_->size(), settings_.dictionary_path);
}

void AnalyticsHub::schedule() {
  if (stopped_) return;
  // A fixed cadence: each tick one period after the last one was due, however late it ran.
  auto now = std::chrono::steady_clock::now();
  next_tick_ = next_tick_ == std::chrono::steady_clock::time_point{} || next_tick_ + settings_.snapshot_every < now
                   ? now + settings_.snapshot_every
                   : next_tick_ + settings_.snapshot_every;
  timer_.expires_at(next_tick_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    std::vector<std::shared_ptr<RoomState>> all;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, r] : rooms_by_id_) all.push_back(r);
    }
    for (auto& r : all) asio::post(r->strand, [this, r] { tick(r); });
    schedule();
  });
}

void AnalyticsHub::tick(const std::shared_ptr<RoomState>& r) {
  auto now = unix_ms();
  auto room = rooms_.find(r->id);
  bool closed = !room || room->is_closed();
  if (r->relay && !closed) {
    for (const auto& e : r->relay->expire(now)) take(*r, e, now);
    // Every second, with or without events: the other nodes also hear that this one is alive.
    send_(r->id, analytics::encode_audience(node_, r->relay->next_batch()));
  }
  std::erase_if(r->dashboards, [](const std::weak_ptr<chat::Member>& d) { return d.expired(); });
  bool rules_due = now >= r->next_rules_ms;
  if (!rules_due && r->dashboards.empty()) return;
  auto snapshot = r->analytics.snapshot(now);
  if (rules_due) {
    r->next_rules_ms = now + settings_.rules_every.count();
    r->board.expire(now);
    if (!closed)
      for (auto& s : analytics::evaluate_rules(snapshot, settings_.rules)) raise(*r, std::move(s), now, 0);
  }
  if (r->dashboards.empty()) return;
  auto frame = std::make_shared<const std::string>(json::serialize(analytics::to_json(r->id, snapshot, r->board.active())));
  // The room has ended: its dashboards get the last snapshot, then room_closed and close 1000.
  auto ended = closed ? std::make_shared<const std::string>(chat::encode_room_closed()) : nullptr;
  for (const auto& d : r->dashboards) {
    auto m = d.lock();
    if (!m) continue;
    m->send(frame, !closed);
    if (!closed) continue;
    m->send(ended, false);
    m->kick(chat::CloseReason::room_closed);
  }
  if (closed) r->dashboards.clear();
}

}  // namespace server
